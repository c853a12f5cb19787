package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Expected messages recorded from ansible-core 2.14.
func TestLineInFileFileHandling(t *testing.T) {
	dir := t.TempDir()
	env, _ := testEnv(t, dir)
	x := filepath.Join(dir, "x")
	r := run(t, env, "lineinfile", "path", x, "line", "a")
	if !r.Failed || r.Msg != "Destination "+x+" does not exist !" || get(r, "rc") != 257 {
		t.Errorf("missing: %+v", r)
	}
	r = run(t, env, "lineinfile", "path", dir, "line", "a")
	if !r.Failed || r.Msg != "Path "+dir+" is a directory !" || get(r, "rc") != 256 {
		t.Errorf("dir: %+v", r)
	}
	sub := filepath.Join(dir, "sub", "x")
	env.Check = true
	r = run(t, env, "lineinfile", "path", sub, "line", "a", "create", true, "mode", "0600")
	if !r.Changed || r.Msg != "line added" {
		t.Errorf("check create: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub")); err == nil {
		t.Error("check mode created a directory")
	}
	env.Check = false
	r = run(t, env, "lineinfile", "path", sub, "line", "a", "create", true, "mode", "0600")
	if !r.Changed || r.Msg != "line added and ownership, perms or SE linux context changed" || get(r, "backup") != "" || modeOf(t, sub) != 0600 || readFile(t, sub) != "a\n" {
		t.Errorf("create: %+v", r)
	}
	r = run(t, env, "lineinfile", "path", sub, "line", "a", "mode", "0644")
	if !r.Changed || r.Msg != "ownership, perms or SE linux context changed" || modeOf(t, sub) != 0644 {
		t.Errorf("attrs only: %+v", r)
	}
	r = run(t, env, "lineinfile", "path", sub, "line", "b", "mode", "0600", "backup", true)
	bk, _ := get(r, "backup").(string)
	if !r.Changed || r.Msg != "line added and ownership, perms or SE linux context changed" || !strings.HasPrefix(bk, sub+".") || readFile(t, bk) != "a\n" {
		t.Errorf("backup: %+v %v", r, r.Data)
	}
	r = run(t, env, "lineinfile", "path", filepath.Join(dir, "none"), "line", "b", "state", "absent")
	if r.Changed || r.Failed || r.Msg != "file not present" {
		t.Errorf("absent on missing: %+v", r)
	}
	r = run(t, env, "lineinfile", "path", sub, "line", "c", "validate", "false %s")
	if !r.Failed || r.Msg != "failed to validate" || readFile(t, sub) != "a\nb\n" {
		t.Errorf("validate: %+v", r)
	}
	// Writes go through a symlink to its target.
	ln := filepath.Join(dir, "ln")
	os.Symlink(sub, ln)
	run(t, env, "lineinfile", "path", ln, "line", "d")
	if readFile(t, sub) != "a\nb\nd\n" {
		t.Errorf("through link: %q", readFile(t, sub))
	}
	if fi, _ := os.Lstat(ln); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("link replaced")
	}
	for _, bad := range [][]any{
		{"path", sub},
		{"path", sub, "state", "absent"},
		{"path", sub, "line", "x", "backrefs", true},
		{"path", sub, "line", "x", "insertafter", "a", "insertbefore", "b"},
		{"path", sub, "line", "x", "regexp", "("},
	} {
		if _, err := tryRun(env, "lineinfile", bad...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestBlockInFileFileHandling(t *testing.T) {
	dir := t.TempDir()
	env, _ := testEnv(t, dir)
	none := filepath.Join(dir, "none")
	r := run(t, env, "blockinfile", "path", none, "block", "b")
	if !r.Failed || r.Msg != "Path "+none+" does not exist !" || get(r, "rc") != 257 {
		t.Errorf("missing: %+v", r)
	}
	n := filepath.Join(dir, "new")
	r = run(t, env, "blockinfile", "path", n, "block", "b", "create", true)
	if !r.Changed || r.Msg != "File created" || readFile(t, n) != "# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\n" {
		t.Errorf("create: %+v", r)
	}
	r = run(t, env, "blockinfile", "path", n, "content", "c", "backup", true)
	bk, _ := get(r, "backup_file").(string)
	if !r.Changed || r.Msg != "Block inserted" || bk == "" || readFile(t, bk) != "# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\n" {
		t.Errorf("backup: %+v", r)
	}
	r = run(t, env, "blockinfile", "path", n, "content", "c")
	if r.Changed {
		t.Errorf("second run changed: %+v", r)
	}
}
