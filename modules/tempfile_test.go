package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTempFile(t *testing.T) {
	dir := t.TempDir()
	env, cnt := testEnv(t, dir)
	r := run(t, env, "tempfile", "path", dir, "prefix", "pre.", "suffix", ".suf")
	p, _ := get(r, "path").(string)
	if r.Failed || !r.Changed || filepath.Dir(p) != dir || !strings.HasPrefix(filepath.Base(p), "pre.") ||
		!strings.HasSuffix(p, ".suf") || len(filepath.Base(p)) != len("pre.XXXXXXXX.suf") {
		t.Fatalf("file: %+v %v", r, r.Data)
	}
	if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("stat %v %v", fi, err)
	}
	if get(r, "state") != "file" || get(r, "mode") != "0600" || cnt.Count() != 1 {
		t.Errorf("result %v, %d trips", r.Data, cnt.Count())
	}
	r = run(t, env, "ansible.builtin.tempfile", "state", "directory", "path", dir)
	p, _ = get(r, "path").(string)
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 || !strings.HasPrefix(filepath.Base(p), "ansible.") {
		t.Errorf("dir %s: %v %v", p, fi, err)
	}
	env.Environment = map[string]string{"TMPDIR": dir}
	r = run(t, env, "tempfile")
	if p, _ := get(r, "path").(string); filepath.Dir(p) != dir {
		t.Errorf("TMPDIR not used: %s", p)
	}
	r = run(t, env, "tempfile", "path", filepath.Join(dir, "missing"))
	if !r.Failed {
		t.Errorf("missing dir: %+v", r)
	}
	if info, _ := Lookup("tempfile"); info.CheckMode {
		t.Error("tempfile claims check mode; Ansible's has none")
	}
}
