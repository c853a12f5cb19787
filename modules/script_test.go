package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScript(t *testing.T) {
	dir := t.TempDir()
	env, c := testEnv(t, dir)
	os.MkdirAll(filepath.Join(dir, "files"), 0o755)
	putFile(t, filepath.Join(dir, "files", "hello.sh"), "#!/bin/sh\necho \"args: $# [$1] [$2]\"\npwd\necho oops >&2\ncat\nexit ${EXIT:-0}\n", 0o644)
	work := filepath.Join(dir, "work")
	os.Mkdir(work, 0o755)

	c.Reset()
	r := run(t, env, "script", "_raw_params", `hello.sh "a b" 'c'`, "chdir", work)
	if r.Failed || !r.Changed || c.Count() != 1 {
		t.Fatalf("run: %+v %v (%d round trips)", r, r.Data, c.Count())
	}
	if got := get(r, "stdout"); got != "args: 2 [a b] [c]\n"+work+"\n" {
		t.Errorf("stdout = %q", got)
	}
	if get(r, "stderr") != "oops\n" || get(r, "rc") != 0 || len(get(r, "stdout_lines").([]any)) != 2 {
		t.Errorf("returns: %v", r.Data)
	}
	left, _ := filepath.Glob("/tmp/.fjord_script.*")
	if len(left) > 0 {
		t.Errorf("temporary script left: %v", left)
	}

	env.Environment = map[string]string{"EXIT": "3"}
	r = run(t, env, "script", "cmd", "hello.sh", "executable", "/bin/sh")
	env.Environment = nil
	if !r.Failed || get(r, "rc") != 3 || r.Msg != "non-zero return code" {
		t.Errorf("exit 3: %+v", r)
	}

	r = run(t, env, "script", "_raw_params", "hello.sh", "creates", work)
	if !r.Skipped || r.Changed || r.Msg != work+" exists, matching creates option" {
		t.Errorf("creates: %+v", r)
	}
	r = run(t, env, "script", "_raw_params", "hello.sh", "removes", filepath.Join(dir, "nope"))
	if !r.Skipped || !strings.Contains(r.Msg, "does not exist") {
		t.Errorf("removes: %+v", r)
	}
	env.Check = true
	r = run(t, env, "script", "_raw_params", "hello.sh")
	if !r.Skipped || r.Changed {
		t.Errorf("check: %+v", r)
	}
	r = run(t, env, "script", "_raw_params", "hello.sh", "creates", filepath.Join(dir, "nope"))
	env.Check = false
	if r.Skipped || !r.Changed {
		t.Errorf("check with creates: %+v", r)
	}
	r = run(t, env, "script", "_raw_params", "missing.sh")
	if !r.Failed || r.Msg != "Could not find or access 'missing.sh' on the Ansible Controller." {
		t.Errorf("missing: %+v", r)
	}
}
