package galaxy

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/internal/testgate"
)

func TestMeetsRequirement(t *testing.T) {
	for _, tc := range []struct {
		version, req string
		want         bool
	}{
		{"1.2.0", "*", true},
		{"1.2.0", "1.2.0", true},
		{"1.2.0", "==1.2.0", true},
		{"1.2.0", "1.2.1", false},
		{"1.2.0", ">=1.0.0,<2.0.0", true},
		{"2.0.0", ">=1.0.0,<2.0.0", false},
		{"1.10.0", ">1.9.0", true},
		{"1.0.0", "!=1.0.0", false},
		{"2.0.0-beta1", "<2.0.0", true},
		{"2.0.0-beta.2", ">2.0.0-beta.10", false},
		{"*", ">=3.0.0", true},
	} {
		if got := meetsRequirement(tc.version, tc.req); got != tc.want {
			t.Errorf("meetsRequirement(%q, %q) = %v", tc.version, tc.req, got)
		}
	}
	if !pinsPrerelease("2.0.0-beta1") || pinsPrerelease(">=2.0.0-beta1") || pinsPrerelease("2.0.0") {
		t.Error("pinsPrerelease")
	}
}

func TestParseRequirements(t *testing.T) {
	r, err := ParseRequirements([]byte(`
roles:
  - src: https://github.com/org/role-x
  - src: git+https://git.example/repo/thing.git
    version: v2
  - src: https://example/archive/r.tar.gz
  - name: named
    src: ./local.tar.gz
  - role: old
  - plain.galaxy
collections:
  - ns.one
  - name: ns.two
    version: ">=1"
    source: https://galaxy.example/
  - name: git+https://git.example/c.git#sub,main
    type: git
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []RoleReq{
		{Name: "role-x", Src: "https://github.com/org/role-x", Scm: "git", VersionSet: true},
		{Name: "thing", Src: "https://git.example/repo/thing.git", Scm: "git", Version: "v2", VersionSet: true},
		{Name: "r", Src: "https://example/archive/r.tar.gz", VersionSet: true},
		{Name: "named", Src: "./local.tar.gz", VersionSet: true},
		{Name: "old", Src: "old", VersionSet: true},
		{Name: "plain.galaxy", Src: "plain.galaxy"},
	}
	if !reflect.DeepEqual(r.Roles, want) {
		t.Errorf("roles:\n got %+v\nwant %+v", r.Roles, want)
	}
	wantC := []CollectionReq{
		{Name: "ns.one", Version: "*", Type: "galaxy"},
		{Name: "ns.two", Version: ">=1", Type: "galaxy", Source: "https://galaxy.example/"},
		{Name: "git+https://git.example/c.git#sub,main", Version: "*", Type: "git"},
	}
	if !reflect.DeepEqual(r.Collections, wantC) {
		t.Errorf("collections:\n got %+v\nwant %+v", r.Collections, wantC)
	}
	if _, err := ParseRequirements([]byte("other: []\n")); err == nil {
		t.Error("unknown base key accepted")
	}
	if got := RoleNameOfSrc("git+file:///srv/roles/dep.git"); got != "dep" {
		t.Errorf("RoleNameOfSrc = %q", got)
	}
}

func TestParseRoleSpec(t *testing.T) {
	for in, want := range map[string]RoleReq{
		"x.tar.gz":                       {Name: "x.tar.gz", Src: "x.tar.gz"},
		"git+https://h/r.git,v1":         {Name: "r", Src: "https://h/r.git", Scm: "git", Version: "v1", VersionSet: true},
		"https://h/r.tar.gz,1.0,myname":  {Name: "myname", Src: "https://h/r.tar.gz", Version: "1.0", VersionSet: true},
		"git+ssh://git@h/org/thing,main": {Name: "thing", Src: "ssh://git@h/org/thing", Scm: "git", Version: "main", VersionSet: true},
	} {
		got, err := ParseRoleSpec(in)
		if err != nil || got != want {
			t.Errorf("ParseRoleSpec(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if _, err := ParseRoleSpec("a,b,c,d"); err == nil {
		t.Error("four parts accepted")
	}
}

func TestFnmatch(t *testing.T) {
	for _, tc := range []struct {
		pat, name string
		want      bool
	}{
		{"*.pyc", "plugins/x/y.pyc", true},
		{"tests/output", "tests/output", true},
		{"tests/output", "tests/output2", false},
		{"ns-c-*.tar.gz", "ns-c-1.0.0.tar.gz", true},
		{"[!a]x", "bx", true},
		{"[!a]x", "ax", false},
		{"a?c", "a/c", true},
	} {
		if got := fnmatchRE(tc.pat).MatchString(tc.name); got != tc.want {
			t.Errorf("fnmatch(%q, %q) = %v", tc.pat, tc.name, got)
		}
	}
}

func TestYAMLScalarAndJSON(t *testing.T) {
	for in, want := range map[string]string{"v1.0": "v1.0", "1.2": "'1.2'", "": "''", "yes": "'yes'", "it's: x": "'it''s: x'",
		"Sat Dec  5 13:12:34 2026": "Sat Dec  5 13:12:34 2026"} {
		if got := yamlScalar(in); got != want {
			t.Errorf("yamlScalar(%q) = %s, want %s", in, got, want)
		}
	}
	b, err := pyJSON(ordered{{"b", []any{}}, {"a", ordered{{"x", ">=1 ü"}}}, {"n", nil}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n \"b\": [],\n \"a\": {\n  \"x\": \">=1 \\u00fc\"\n },\n \"n\": null\n}"; string(b) != want {
		t.Errorf("pyJSON = %s\nwant %s", b, want)
	}
}

func files(t *testing.T, root string) []string {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestInitRole compares the skeleton with ansible-galaxy role init's.
func TestInitRole(t *testing.T) {
	dir := t.TempDir()
	if _, err := InitRole(dir, "mine", false); err != nil {
		t.Fatal(err)
	}
	if _, err := InitRole(dir, "mine", false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second init: %v", err)
	}
	if _, err := InitRole(dir, "mine", true); err != nil {
		t.Errorf("init --force: %v", err)
	}
	got := files(t, filepath.Join(dir, "mine"))
	testgate.Tool(t, "ansible-galaxy", "apt-get install -y ansible-core")
	ref := t.TempDir()
	cmd := exec.Command("ansible-galaxy", "role", "init", "--init-path", ref, "mine")
	cmd.Env = append(os.Environ(), "HOME="+ref, "ANSIBLE_CONFIG=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ansible-galaxy role init: %v\n%s", err, out)
	}
	if want := files(t, filepath.Join(ref, "mine")); !reflect.DeepEqual(got, want) {
		t.Errorf("skeleton:\n got %q\nwant %q", got, want)
	}
}

func FuzzParseRequirements(f *testing.F) {
	f.Add([]byte("roles:\n  - src: git+https://h/r.git\n    version: v1\ncollections:\n  - name: ns.c\n    version: '>=1'\n"))
	f.Add([]byte("- a.b\n- src: https://h/x.tar.gz,1.0,name\n"))
	f.Add([]byte("collections: [ns.c, {name: ./dir, type: dir}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRequirements(data)
		if err != nil {
			return
		}
		for _, role := range r.Roles {
			if role.Name == "" {
				t.Errorf("role without a name from %q", data)
			}
		}
		for _, c := range r.Collections {
			if c.Name == "" || c.Type == "" || c.Version == "" {
				t.Errorf("incomplete collection %+v from %q", c, data)
			}
		}
	})
}

func FuzzParseRoleSpec(f *testing.F) {
	for _, s := range []string{"x.tar.gz", "git+https://h/r.git,v1", "a,b,c", "git@h:org/r.git"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoleSpec(s)
		if err == nil && strings.Count(s, ",") > 2 {
			t.Errorf("ParseRoleSpec(%q) accepted %+v", s, r)
		}
	})
}

func TestCompareLoose(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.10.0", "1.9.0", 1}, {"1.0", "1.0.0", -1}, {"v2", "v10", -1}, {"1.0a", "1.0b", -1}, {"2.0", "2.0", 0},
	} {
		if got := compareLoose(tc.a, tc.b); (got > 0) != (tc.want > 0) || (got < 0) != (tc.want < 0) {
			t.Errorf("compareLoose(%q, %q) = %d, want sign of %d", tc.a, tc.b, got, tc.want)
		}
	}
}
