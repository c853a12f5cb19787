package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// makeTree writes a small tree to archive under dir/tree.
func makeTree(t *testing.T, dir string) string {
	t.Helper()
	root := filepath.Join(dir, "tree")
	os.MkdirAll(filepath.Join(root, "app", "conf"), 0o755)
	putFile(t, filepath.Join(root, "app", "README"), "read me\n", 0o644)
	putFile(t, filepath.Join(root, "app", "conf", "a.conf"), "a=1\n", 0o640)
	os.Symlink("conf/a.conf", filepath.Join(root, "app", "link"))
	return root
}

func TestUnarchiveTar(t *testing.T) {
	dir := t.TempDir()
	env, c := testEnv(t, dir)
	root := makeTree(t, dir)
	os.MkdirAll(filepath.Join(dir, "files"), 0o755)
	arch := filepath.Join(dir, "files", "app.tar.gz")
	if out, err := exec.Command("tar", "-czf", arch, "-C", root, "app").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	dest := filepath.Join(dir, "dest")
	os.Mkdir(dest, 0o755)

	env.Check = true
	r := run(t, env, "unarchive", "src", "app.tar.gz", "dest", dest)
	env.Check = false
	if r.Failed || !r.Changed {
		t.Fatalf("check: %+v %v", r, r.Data)
	}
	if _, err := os.Stat(filepath.Join(dest, "app")); err == nil {
		t.Fatal("check mode unpacked")
	}
	c.Reset()
	r = run(t, env, "unarchive", "src", "app.tar.gz", "dest", dest, "list_files", true)
	if r.Failed || !r.Changed || c.Count() != 1 {
		t.Fatalf("first: %+v %v (%d round trips)", r, r.Data, c.Count())
	}
	if readFile(t, filepath.Join(dest, "app", "conf", "a.conf")) != "a=1\n" || modeOf(t, filepath.Join(dest, "app", "conf", "a.conf")) != 0o640 {
		t.Error("content or mode not unpacked")
	}
	if l, _ := os.Readlink(filepath.Join(dest, "app", "link")); l != "conf/a.conf" {
		t.Errorf("link = %q", l)
	}
	files := get(r, "files").([]any)
	if len(files) != 5 || get(r, "handler") != "TgzArchive" {
		t.Errorf("files %v handler %v", files, get(r, "handler"))
	}
	r = run(t, env, "unarchive", "src", "app.tar.gz", "dest", dest)
	if r.Failed || r.Changed {
		t.Errorf("second: %+v", r)
	}
	// A changed file on the host is put back.
	putFile(t, filepath.Join(dest, "app", "README"), "local edit\n", 0o644)
	r = run(t, env, "unarchive", "src", "app.tar.gz", "dest", dest)
	if !r.Changed || readFile(t, filepath.Join(dest, "app", "README")) != "read me\n" {
		t.Errorf("repair: %+v", r)
	}
	// remote_src, mode, exclude, creates.
	dest2 := filepath.Join(dir, "dest2")
	os.Mkdir(dest2, 0o755)
	r = run(t, env, "unarchive", "src", arch, "remote_src", true, "dest", dest2, "mode", "u=rwX,go=", "exclude", "app/README")
	if r.Failed || !r.Changed {
		t.Fatalf("remote_src: %+v %v", r, r.Data)
	}
	if _, err := os.Stat(filepath.Join(dest2, "app", "README")); err == nil {
		t.Error("exclude ignored")
	}
	if m := modeOf(t, filepath.Join(dest2, "app", "conf", "a.conf")); m != 0o600 {
		t.Errorf("mode = %v", m)
	}
	r = run(t, env, "unarchive", "src", arch, "remote_src", true, "dest", dest2, "mode", "u=rwX,go=", "exclude", "app/README")
	if r.Failed || r.Changed {
		t.Errorf("remote_src again: %+v", r)
	}
	// A URL src is downloaded on the host first.
	dest3 := filepath.Join(dir, "dest3")
	os.Mkdir(dest3, 0o755)
	r = run(t, env, "unarchive", "src", "file://"+arch, "remote_src", true, "dest", dest3)
	if r.Failed || !r.Changed || readFile(t, filepath.Join(dest3, "app", "README")) != "read me\n" || get(r, "src") != "file://"+arch {
		t.Fatalf("URL src: %+v %v", r, r.Data)
	}
	r = run(t, env, "unarchive", "src", "file://"+arch, "remote_src", true, "dest", dest3)
	if r.Failed || r.Changed {
		t.Errorf("URL src again: %+v", r)
	}
	if _, err := tryRun(env, "unarchive", "src", "https://example.org/a.tgz", "dest", dest3); err == nil {
		t.Error("URL src without remote_src accepted")
	}
	r = run(t, env, "unarchive", "src", "app.tar.gz", "dest", dest2, "creates", dest)
	if !r.Skipped || r.Changed {
		t.Errorf("creates: %+v", r)
	}
	r = run(t, env, "unarchive", "src", "app.tar.gz", "dest", filepath.Join(dir, "nope"))
	if !r.Failed || !strings.Contains(r.Msg, "must be an existing dir") {
		t.Errorf("missing dest: %+v", r)
	}
	left, _ := filepath.Glob("/tmp/.fjord_unarchive.*")
	left2, _ := filepath.Glob("/tmp/.fjord_archive.*")
	left3, _ := filepath.Glob("/tmp/.fjord_unarchive_dl.*")
	left = append(append(left, left2...), left3...)
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestUnarchiveZip(t *testing.T) {
	if _, err := exec.LookPath("zip"); err != nil {
		t.Skip("zip not installed")
	}
	dir := t.TempDir()
	env, _ := testEnv(t, dir)
	root := makeTree(t, dir)
	os.MkdirAll(filepath.Join(dir, "files"), 0o755)
	arch := filepath.Join(dir, "files", "app.zip")
	cmd := exec.Command("zip", "-qry", arch, "app")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zip: %v %s", err, out)
	}
	dest := filepath.Join(dir, "dest")
	os.Mkdir(dest, 0o755)
	r := run(t, env, "unarchive", "src", "app.zip", "dest", dest)
	if r.Failed || !r.Changed || get(r, "handler") != "ZipArchive" || readFile(t, filepath.Join(dest, "app", "README")) != "read me\n" {
		t.Fatalf("zip: %+v %v", r, r.Data)
	}
	r = run(t, env, "unarchive", "src", "app.zip", "dest", dest)
	if r.Failed || r.Changed {
		t.Errorf("zip again: %+v", r)
	}
	env.Environment = map[string]string{"PATH": pathWithout(t, "unzip")}
	r = run(t, env, "unarchive", "src", "app.zip", "dest", dest)
	if !r.Failed || !strings.Contains(r.Msg, "'unzip'") {
		t.Errorf("no unzip: %+v", r)
	}
}
