package modules

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFetch(t *testing.T) {
	dir := t.TempDir()
	env, c := testEnv(t, dir)
	env.Host = "web1"
	env.Basedir = filepath.Join(dir, "play")
	src := filepath.Join(dir, "remote", "app.conf")
	os.MkdirAll(filepath.Dir(src), 0o755)
	putFile(t, src, "listen 80\n", 0o600)

	c.Reset()
	r := run(t, env, "fetch", "src", src, "dest", "out")
	want := filepath.Join(dir, "play", "out", "web1", src)
	if r.Failed || !r.Changed || get(r, "dest") != want || c.Count() != 2 {
		t.Fatalf("first: %+v %v (%d round trips)", r, r.Data, c.Count())
	}
	if readFile(t, want) != "listen 80\n" || get(r, "checksum") != get(r, "remote_checksum") || get(r, "md5sum") == nil {
		t.Errorf("fetched %q, %v", readFile(t, want), r.Data)
	}
	c.Reset()
	r = run(t, env, "fetch", "src", src, "dest", "out")
	if r.Failed || r.Changed || c.Count() != 1 {
		t.Errorf("second: %+v (%d round trips)", r, c.Count())
	}

	flat := filepath.Join(dir, "flat") + "/"
	r = run(t, env, "fetch", "src", src, "dest", flat, "flat", true)
	if r.Failed || !r.Changed || get(r, "dest") != filepath.Join(dir, "flat", "app.conf") {
		t.Errorf("flat dir: %+v %v", r, r.Data)
	}
	putFile(t, src, "listen 8080\n", 0o600)
	env.Check = true
	r = run(t, env, "fetch", "src", src, "dest", filepath.Join(dir, "flat", "x.conf"), "flat", true)
	env.Check = false
	if !r.Changed {
		t.Errorf("check: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "flat", "x.conf")); err == nil {
		t.Error("check mode wrote the file")
	}
	r = run(t, env, "fetch", "src", src, "dest", filepath.Join(dir, "flat", "x.conf"), "flat", true)
	if r.Failed || !r.Changed || readFile(t, filepath.Join(dir, "flat", "x.conf")) != "listen 8080\n" {
		t.Errorf("flat file: %+v", r)
	}

	r = run(t, env, "fetch", "src", filepath.Join(dir, "nope"), "dest", "out")
	if !r.Failed || r.Msg != "the remote file does not exist, not transferring, ignored" {
		t.Errorf("missing: %+v", r)
	}
	r = run(t, env, "fetch", "src", filepath.Join(dir, "nope"), "dest", "out", "fail_on_missing", false)
	if r.Failed || r.Changed {
		t.Errorf("missing, no fail: %+v", r)
	}
	r = run(t, env, "fetch", "src", dir, "dest", "out")
	if !r.Failed || r.Msg != "remote file is a directory, fetch cannot work on directories" {
		t.Errorf("directory: %+v", r)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "play", "out", "web1", filepath.Dir(src), ".fjord_fetch.*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
