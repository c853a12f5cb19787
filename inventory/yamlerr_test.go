package inventory

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// group_vars/host_vars files: a syntax error is at the line and column
// Ansible shows (yaml.v3's own "line N" is the line above for parser
// errors), and aliases that expand without end are refused at the alias.
func TestVarsFileYAMLErrors(t *testing.T) {
	cases := []struct {
		name, file, src string
		want            string // file:line:col: msg
	}{
		{"key out of indentation", "group_vars/all.yml", "a: 1\nb:\n  c: 2\n d: 3\n",
			"group_vars/all.yml:4:2: YAML syntax error: did not find expected key"},
		{"list item out of indentation", "host_vars/h.yml", "a:\n  - 1\n  b: 2\n",
			"host_vars/h.yml:3:3: YAML syntax error: did not find expected '-' indicator"},
		{"bad mapping value", "group_vars/all.yml", "a: 1\nb: c: d\n",
			"group_vars/all.yml:2:5: YAML syntax error: mapping values are not allowed in this context"},
		{"recursive alias", "group_vars/all.yml", "a: &a\n  b: *a\n", "group_vars/all.yml:2:6: recursive alias"},
		{"billion laughs", "host_vars/h.yml", laughsYAML, "host_vars/h.yml:4:25: excessive aliasing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{"hosts": "[g]\nh\n", c.file: c.src})
			inv, err := Load([]string{filepath.Join(dir, "hosts")})
			if err != nil {
				t.Fatal(err)
			}
			h, _ := inv.Host("h")
			_, err = inv.HostVars(h, "")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if got := strings.TrimPrefix(e.Error(), dir+"/"); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// The YAML inventory walks groups through aliases: a group that is its
// own child is refused before the walk, not followed forever.
func TestYAMLInventoryAliases(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"loop.yml":   "all:\n  children: &c\n    g1:\n      children: *c\n",
		"laughs.yml": "all:\n  vars:\n" + indent(laughsYAML, "    "),
		"shared.yml": "all:\n  children:\n    a: &g {hosts: {h1: {x: 1}}}\n    b: *g\n",
	})
	for file, want := range map[string]string{
		"loop.yml":   "loop.yml:4:17: recursive alias",
		"laughs.yml": "laughs.yml:6:29: excessive aliasing",
	} {
		inv, err := Load([]string{filepath.Join(dir, file)})
		if err != nil {
			t.Fatal(err)
		}
		var e *Error
		if len(inv.Warnings) == 0 || !errors.As(inv.Warnings[0], &e) {
			t.Fatalf("%s: warnings %v, want a positioned failure", file, inv.Warnings)
		}
		if got := strings.TrimPrefix(e.Error(), dir+"/"); got != want {
			t.Errorf("%s: got %s, want %s", file, got, want)
		}
	}
	inv := loadString(t, "shared.yml", "all:\n  children:\n    a: &g {hosts: {h1: {x: 1}}}\n    b: *g\n")
	if h, ok := inv.Host("h1"); !ok || len(h.groups) < 2 {
		t.Fatalf("h1 = %v, want it in groups a and b", h)
	}
}

// laughsYAML is a billion-laughs document: 9^9 strings from ~400 bytes.
const laughsYAML = `l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]
l1: &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0]
l2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]
l3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]
l4: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]
l5: &l5 [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4]
l6: &l6 [*l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5]
l7: &l7 [*l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6]
l8: &l8 [*l7, *l7, *l7, *l7, *l7, *l7, *l7, *l7, *l7]
`

func indent(s, by string) string {
	return by + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+by) + "\n"
}
