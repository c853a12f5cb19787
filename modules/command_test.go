package modules

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCommand(t *testing.T) {
	dir := t.TempDir()
	env, cnt := testEnv(t, dir)
	r := run(t, env, "command", "_raw_params", `echo "a  b" 'c'`)
	if !r.Changed || r.Failed || get(r, "stdout") != "a  b c" || get(r, "rc") != 0 || cnt.Count() != 1 {
		t.Errorf("echo: %+v %v", r, r.Data)
	}
	if !reflect.DeepEqual(get(r, "cmd"), []any{"echo", "a  b", "c"}) {
		t.Errorf("cmd = %v", get(r, "cmd"))
	}
	for _, k := range []string{"start", "end", "delta", "stdout_lines", "stderr_lines", "msg"} {
		if _, ok := r.Data.Get(k); !ok {
			t.Errorf("missing %s", k)
		}
	}
	// No shell: metacharacters are plain arguments, but $VARS and ~ are
	// expanded, as Ansible's run_command does.
	r = run(t, env, "command", "argv", []any{"echo", "$HOME;", "x", "'$(id)'"})
	if get(r, "stdout") != os.Getenv("HOME")+"; x '$(id)'" {
		t.Errorf("argv: %v", get(r, "stdout"))
	}
	r = run(t, env, "ansible.builtin.shell", "_raw_params", "echo out; echo err >&2; exit 3")
	if !r.Failed || r.Msg != "non-zero return code" || get(r, "rc") != 3 || get(r, "stderr") != "err" || get(r, "cmd") != "echo out; echo err >&2; exit 3" {
		t.Errorf("shell fail: %+v %v", r, r.Data)
	}
	r = run(t, env, "command", "_raw_params", "nonexistent-cmd-xyz")
	if !r.Failed || get(r, "rc") != 2 || r.Msg != "[Errno 2] No such file or directory: b'nonexistent-cmd-xyz'" {
		t.Errorf("enoent: %+v %v", r, r.Data)
	}
	r = run(t, env, "command", "cmd", "pwd", "chdir", dir)
	if get(r, "stdout") != dir {
		t.Errorf("chdir: %v", get(r, "stdout"))
	}
	r = run(t, env, "command", "_raw_params", "cat", "stdin", "hello")
	if get(r, "stdout") != "hello" {
		t.Errorf("stdin: %q", get(r, "stdout"))
	}
	r = run(t, env, "shell", "_raw_params", "printf 'x\\n\\n'", "strip_empty_ends", false)
	if get(r, "stdout") != "x\n\n" {
		t.Errorf("strip_empty_ends: %q", get(r, "stdout"))
	}
	r = run(t, env, "shell", "_raw_params", "echo $0", "executable", "/bin/bash")
	if get(r, "stdout") != "/bin/bash" {
		t.Errorf("executable: %q", get(r, "stdout"))
	}
	env.Environment = map[string]string{"FOO": "bar"}
	if r = run(t, env, "shell", "_raw_params", "echo $FOO"); get(r, "stdout") != "bar" {
		t.Errorf("environment: %q", get(r, "stdout"))
	}
}

func TestCommandCreatesRemovesCheck(t *testing.T) {
	dir := t.TempDir()
	env, _ := testEnv(t, dir)
	marker := filepath.Join(dir, "m")
	r := run(t, env, "command", "_raw_params", "touch "+marker, "creates", marker)
	if !r.Changed {
		t.Fatal("first run did not run")
	}
	r = run(t, env, "command", "_raw_params", "touch "+marker, "creates", marker)
	if r.Changed || r.Msg != "Did not run command since '"+marker+"' exists" || get(r, "stdout") != "skipped, since "+marker+" exists" {
		t.Errorf("creates: %+v", r)
	}
	r = run(t, env, "command", "_raw_params", "true", "creates", filepath.Join(dir, "*"))
	if r.Changed {
		t.Errorf("creates glob ran")
	}
	r = run(t, env, "command", "_raw_params", "true", "removes", filepath.Join(dir, "nope"))
	if r.Changed || r.Msg != "Did not run command since '"+filepath.Join(dir, "nope")+"' does not exist" {
		t.Errorf("removes: %+v", r)
	}
	env.Check = true
	r = run(t, env, "command", "_raw_params", "touch "+filepath.Join(dir, "x"))
	if !r.Skipped || r.Changed || r.Msg != "Command would have run if not in check mode" {
		t.Errorf("check: %+v", r)
	}
	r = run(t, env, "command", "_raw_params", "touch x", "creates", filepath.Join(dir, "x"))
	if r.Skipped || !r.Changed || r.Msg != "Command would have run if not in check mode" {
		t.Errorf("check creates absent: %+v", r)
	}
	r = run(t, env, "command", "_raw_params", "touch x", "creates", marker)
	if r.Changed || r.Msg != "Would not run command since '"+marker+"' exists" {
		t.Errorf("check creates present: %+v", r)
	}
}

func TestRawPing(t *testing.T) {
	env, cnt := testEnv(t, t.TempDir())
	r := run(t, env, "raw", "_raw_params", "echo hi")
	if !r.Changed || get(r, "stdout") != "hi\n" || get(r, "rc") != 0 {
		t.Errorf("raw: %v", r.Data)
	}
	r = run(t, env, "ansible.legacy.raw", "_raw_params", "exit 4")
	if !r.Failed || get(r, "rc") != 4 {
		t.Errorf("raw fail: %v", r.Data)
	}
	cnt.Reset()
	r = run(t, env, "ping")
	if r.Changed || get(r, "ping") != "pong" || cnt.Count() != 1 {
		t.Errorf("ping: %v", r.Data)
	}
}
