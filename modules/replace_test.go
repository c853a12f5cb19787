package modules

import (
	"encoding/base64"
	"path/filepath"
	"testing"
)

func TestReplace(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "conf")
	putFile(t, f, "# head\nport = 80\nhost = a\n[x]\nport = 81\n", 0o600)
	env, cnt := testEnv(t, dir)
	args := []any{"path", f, "regexp", `^port = (\d+)$`, "replace", `port = 9\1`, "before", `\[x\]`}

	env.Check, env.Diff = true, true
	r := run(t, env, "replace", args...)
	if !r.Changed || get(r, "msg") != "1 replacements made" || len(r.Diff) != 1 || r.Diff[0].After != "# head\nport = 980\nhost = a\n[x]\nport = 81\n" {
		t.Fatalf("check: %+v %v", r, r.Diff)
	}
	if readFile(t, f) != "# head\nport = 80\nhost = a\n[x]\nport = 81\n" {
		t.Fatal("check mode wrote")
	}
	env.Check = false
	cnt.Reset()
	r = run(t, env, "replace", args...)
	if !r.Changed || cnt.Count() != 2 || readFile(t, f) != "# head\nport = 980\nhost = a\n[x]\nport = 81\n" || modeOf(t, f) != 0o600 {
		t.Fatalf("first: %+v trips=%d %q", r, cnt.Count(), readFile(t, f))
	}
	cnt.Reset()
	r = run(t, env, "replace", "path", f, "regexp", `^port = 80$`, "replace", "x", "before", `\[x\]`)
	if r.Changed || cnt.Count() != 1 {
		t.Fatalf("second: %+v trips=%d", r, cnt.Count())
	}
	// after + named group, whole file otherwise.
	r = run(t, env, "replace", "dest", f, "regexp", `^port = (?P<p>\d+)`, "replace", `listen \g<p>`, "after", `\[x\]`)
	if !r.Changed || readFile(t, f) != "# head\nport = 980\nhost = a\n[x]\nlisten 81\n" {
		t.Fatalf("after: %q", readFile(t, f))
	}
	r = run(t, env, "replace", "path", filepath.Join(dir, "none"), "regexp", "x")
	if !r.Failed || r.Msg != "Path "+filepath.Join(dir, "none")+" does not exist !" {
		t.Fatalf("missing: %+v", r)
	}
	if _, err := tryRun(env, "replace", "path", f); err == nil || err.Error() != "missing required arguments: regexp" {
		t.Fatalf("no regexp: %v", err)
	}
}

func TestSlurp(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "blob")
	putFile(t, f, "a\x00b\n", 0o644)
	env, cnt := testEnv(t, dir)
	env.Check = true
	r := run(t, env, "slurp", "src", f)
	b, _ := base64.StdEncoding.DecodeString(get(r, "content").(string))
	if r.Changed || string(b) != "a\x00b\n" || get(r, "encoding") != "base64" || get(r, "source") != f || cnt.Count() != 1 {
		t.Fatalf("%+v %v", r, r.Data)
	}
	if r := run(t, env, "slurp", "path", dir); !r.Failed || r.Msg != "source is a directory and must be a file: "+dir {
		t.Fatalf("dir: %+v", r)
	}
	if r := run(t, env, "slurp", "src", f+"x"); !r.Failed || r.Msg != "file not found: "+f+"x" {
		t.Fatalf("missing: %+v", r)
	}
}
