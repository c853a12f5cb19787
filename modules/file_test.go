package modules

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileStates(t *testing.T) {
	dir := t.TempDir()
	env, cnt := testEnv(t, dir)
	p := func(s string) string { return filepath.Join(dir, s) }
	putFile(t, p("existing"), "hi\n", 0600)

	r := run(t, env, "file", "path", p("nf"))
	if !r.Failed || r.Msg != "file ("+p("nf")+") is absent, cannot continue" || get(r, "state") != "absent" {
		t.Errorf("absent file: %+v", r)
	}

	// touch: always changed, creates with the given mode.
	r = run(t, env, "file", "path", p("nf"), "state", "touch", "mode", "0640")
	if !r.Changed || modeOf(t, p("nf")) != 0640 || get(r, "dest") != p("nf") || get(r, "state") != "file" {
		t.Errorf("touch: %+v %v", r, r.Data)
	}
	r = run(t, env, "file", "path", p("nf"), "state", "touch")
	if !r.Changed {
		t.Errorf("second touch not changed")
	}
	// Both times preserved, mode as it is: nothing to do, ok (it once
	// failed on an empty shell script).
	r = run(t, env, "file", "path", p("nf"), "state", "touch", "mode", "0640",
		"modification_time", "preserve", "access_time", "preserve")
	if r.Failed || r.Changed || get(r, "state") != "file" {
		t.Errorf("touch with times preserved: %+v %v", r, r.Data)
	}

	// directory: recursive create, each created level gets the mode.
	env.Check = true
	r = run(t, env, "file", "path", p("a/b/c"), "state", "directory", "mode", "0750")
	if !r.Changed {
		t.Errorf("check directory not changed")
	}
	if _, err := os.Stat(p("a")); err == nil {
		t.Fatal("check mode created a directory")
	}
	env.Check = false
	cnt.Reset()
	r = run(t, env, "file", "path", p("a/b/c"), "state", "directory", "mode", "0750")
	if !r.Changed || get(r, "mode") != "0750" || get(r, "state") != "directory" || cnt.Count() != 2 {
		t.Errorf("directory: %+v %v trips=%d", r, r.Data, cnt.Count())
	}
	for _, d := range []string{"a", "a/b", "a/b/c"} {
		if m := modeOf(t, p(d)); m != 0750 {
			t.Errorf("%s mode %o", d, m)
		}
	}
	cnt.Reset()
	r = run(t, env, "file", "path", p("a/b/c"), "state", "directory", "mode", "0750")
	if r.Changed || cnt.Count() != 1 {
		t.Errorf("directory again: changed=%v trips=%d", r.Changed, cnt.Count())
	}
	r = run(t, env, "file", "path", p("nf"), "state", "directory")
	if !r.Failed || r.Msg != p("nf")+" already exists as a file" {
		t.Errorf("dir over file: %+v", r)
	}

	// Mode change on an existing file, with diff.
	env.Diff = true
	r = run(t, env, "file", "path", p("existing"), "mode", "u=rw,g=r,o=r")
	if !r.Changed || modeOf(t, p("existing")) != 0644 || len(r.Diff) != 1 {
		t.Errorf("mode: %+v", r)
	} else if want := "{\n    \"mode\": \"0600\",\n    \"path\": \"" + p("existing") + "\"\n}\n"; r.Diff[0].Before != want {
		t.Errorf("diff before %q, want %q", r.Diff[0].Before, want)
	}
	env.Diff = false

	// Recurse.
	putFile(t, p("a/b/f"), "x", 0600)
	r = run(t, env, "file", "path", p("a"), "state", "directory", "recurse", true, "mode", "u=rwX,g=rX,o=rX")
	if !r.Changed || modeOf(t, p("a/b/f")) != 0644 || modeOf(t, p("a/b")) != 0755 {
		t.Errorf("recurse: %v %o %o", r.Changed, modeOf(t, p("a/b/f")), modeOf(t, p("a/b")))
	}
	r = run(t, env, "file", "path", p("a"), "state", "directory", "recurse", true, "mode", "u=rwX,g=rX,o=rX")
	if r.Changed {
		t.Errorf("recurse again changed")
	}

	// Links.
	r = run(t, env, "file", "path", p("ln"), "state", "link", "src", "nf")
	if !r.Changed || get(r, "src") != "nf" || get(r, "dest") != p("ln") || get(r, "state") != "link" {
		t.Errorf("link: %+v %v", r, r.Data)
	}
	if tgt, _ := os.Readlink(p("ln")); tgt != "nf" {
		t.Errorf("link target %q", tgt)
	}
	cnt.Reset()
	r = run(t, env, "file", "path", p("ln"), "state", "link", "src", "nf")
	if r.Changed || cnt.Count() != 1 {
		t.Errorf("link again: changed=%v trips=%d", r.Changed, cnt.Count())
	}
	r = run(t, env, "file", "path", p("ln"), "state", "link", "src", "existing")
	if !r.Changed {
		t.Errorf("relink not changed")
	}
	r = run(t, env, "file", "path", p("ln2"), "state", "link", "src", "nothere")
	if !r.Failed || r.Msg != `src file does not exist, use "force=yes" if you really want to create the link: `+p("nothere") {
		t.Errorf("dangling: %+v", r)
	}
	r = run(t, env, "file", "path", p("ln2"), "state", "link", "src", "nothere", "force", true)
	if !r.Changed {
		t.Errorf("forced dangling: %+v", r)
	}
	r = run(t, env, "file", "path", p("nf"), "state", "link", "src", "existing")
	if !r.Failed || r.Msg != "refusing to convert from file to symlink for "+p("nf") {
		t.Errorf("file to link: %+v", r)
	}
	// state=file through a link follows it.
	r = run(t, env, "file", "path", p("ln"), "state", "file")
	if r.Failed || r.Changed {
		t.Errorf("file via link: %+v", r)
	}
	// Hard links.
	r = run(t, env, "file", "path", p("hl"), "state", "hard", "src", p("existing"))
	if !r.Changed || get(r, "state") != "hard" {
		t.Errorf("hard: %+v %v", r, r.Data)
	}
	r = run(t, env, "file", "path", p("hl"), "state", "hard", "src", p("existing"))
	if r.Changed {
		t.Errorf("hard again changed")
	}

	// absent.
	env.Check = true
	r = run(t, env, "file", "path", p("a"), "state", "absent")
	if !r.Changed {
		t.Errorf("check absent")
	}
	env.Check = false
	r = run(t, env, "file", "path", p("a"), "state", "absent")
	if !r.Changed || get(r, "state") != "absent" || get(r, "path") != p("a") {
		t.Errorf("absent: %+v", r)
	}
	if _, err := os.Stat(p("a")); err == nil {
		t.Error("still there")
	}
	r = run(t, env, "file", "path", p("a"), "state", "absent")
	if r.Changed {
		t.Errorf("absent again changed")
	}
	if _, err := tryRun(env, "file", "path", p("x"), "state", "bogus"); err == nil || err.Error() != "value of state must be one of: absent, directory, file, hard, link, touch, got: bogus" {
		t.Errorf("bad state: %v", err)
	}
}

func TestStat(t *testing.T) {
	dir := t.TempDir()
	env, cnt := testEnv(t, dir)
	f := filepath.Join(dir, "f")
	putFile(t, f, "hello\n", 0640)
	os.Symlink("f", filepath.Join(dir, "l"))
	r := run(t, env, "stat", "path", f)
	st, _ := get(r, "stat").(interface{ Get(string) (any, bool) })
	g := func(k string) any { v, _ := st.Get(k); return v }
	if r.Changed || cnt.Count() != 1 || g("exists") != true || g("isreg") != true || g("mode") != "0640" || g("size") != 6 ||
		g("checksum") != "f572d396fae9206628714fb2ce00f72e94f2258f" || g("pw_name") == nil || g("islnk") != false || g("rgrp") != true || g("wgrp") != false {
		t.Errorf("stat: %v", st)
	}
	r = run(t, env, "stat", "path", filepath.Join(dir, "l"))
	st, _ = get(r, "stat").(interface{ Get(string) (any, bool) })
	if g("islnk") != true || g("lnk_target") != "f" || g("lnk_source") != f {
		t.Errorf("stat link: %v", st)
	}
	r = run(t, env, "stat", "path", filepath.Join(dir, "l"), "follow", true, "checksum_algorithm", "sha256")
	st, _ = get(r, "stat").(interface{ Get(string) (any, bool) })
	if g("isreg") != true || g("checksum") != "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" {
		t.Errorf("stat follow: %v", st)
	}
	r = run(t, env, "stat", "path", filepath.Join(dir, "none"))
	st, _ = get(r, "stat").(interface{ Get(string) (any, bool) })
	if g("exists") != false || len(st.(interface{ Keys() []string }).Keys()) != 1 {
		t.Errorf("stat missing: %v", st)
	}
}
