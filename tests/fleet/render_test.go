package fleet_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/lab/labtest"
)

// roleVarFiles are the role files whose variables the templates use; the
// test puts them in group_vars/all.yml, below the test's group_vars.
var roleVarFiles = []string{
	"nginx/defaults/main.yml",
	"haproxy_keepalived/defaults/main.yml", "haproxy_keepalived/vars/main.yml",
	"openvpn/defaults/main.yml", "openvpn/vars/main.yml",
	"galera/defaults/main.yml", "galera/vars/Debian.yml",
}

// TestRenderLikeAnsible renders every template of the shipped roles with
// ansible-playbook and with fjord (local hosts, the same inventory) and
// wants the same bytes: the roles mean the same under both, including the
// options the lab does not exercise (TLS, MySQL backends, stats auth,
// client networks, per-host priority).
func TestRenderLikeAnsible(t *testing.T) {
	ap := labtest.Tool(t, "ansible-playbook", "ansible-core")
	bin := labtest.BuildFjord(t)
	roles := filepath.Join(labtest.RepoRoot(), "roles")
	src := filepath.Join("testdata", "render")
	dir := t.TempDir()
	inv := filepath.Join(dir, "inventory")
	if err := os.CopyFS(inv, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	// The role files have distinct variables: one mapping, concatenated.
	var all bytes.Buffer
	all.WriteString("---\n")
	for _, f := range roleVarFiles {
		b, err := os.ReadFile(filepath.Join(roles, f))
		if err != nil {
			t.Fatal(err)
		}
		all.WriteString(strings.TrimPrefix(string(b), "---\n"))
	}
	if err := os.WriteFile(filepath.Join(inv, "group_vars", "all.yml"), all.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	pb, err := os.ReadFile(filepath.Join(src, "render.yml"))
	if err != nil {
		t.Fatal(err)
	}
	playbook := filepath.Join(dir, "render.yml")
	if err := os.WriteFile(playbook, bytes.ReplaceAll(pb, []byte("@ROLES@"), []byte(roles)), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(filepath.Join(inv, "render.yml"))

	render := func(name string, argv ...string) map[string]string {
		out := filepath.Join(dir, "out-"+name)
		cmd := exec.Command(argv[0], append(argv[1:], "-i", filepath.Join(inv, "hosts"), playbook, "-e", "out_dir="+out)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		files := map[string]string{}
		err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(out, p)
			files[rel] = string(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	want := render("ansible", ap)
	got := render("fjord", bin, "playbook")
	if len(want) < 15 {
		t.Fatalf("ansible-playbook rendered %d files, want every template for every host", len(want))
	}
	if g := want["db1/galera.cnf"]; !strings.Contains(g, "gcomm://192.168.10.1,192.168.10.2,10.8.0.5") {
		t.Errorf("db1/galera.cnf from ansible-playbook lacks the tunnel address of db3:\n%s", g)
	}
	for f, w := range want {
		if g, ok := got[f]; !ok {
			t.Errorf("%s: rendered by ansible-playbook, not by fjord", f)
		} else if g != w {
			t.Errorf("%s differs:\n--- ansible-playbook\n%s\n--- fjord\n%s", f, w, g)
		}
	}
	for f := range got {
		if _, ok := want[f]; !ok {
			t.Errorf("%s: rendered by fjord, not by ansible-playbook", f)
		}
	}
}
