package inventory

import (
	"github.com/fjord-run/fjord/value"
	"path/filepath"
	"reflect"
	"testing"
)

func TestHostVarsPrecedence(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"inv/hosts": `[web]
w1 lvl=host_inline
[prod:children]
web
[all:vars]
lvl=all_inline
from_all=1
[prod:vars]
lvl=prod_inline
[web:vars]
lvl=web_inline
`,
		"inv/group_vars/all.yml":   "lvl: all_invdir\ninv_all: 1\n",
		"pb/group_vars/all.yml":    "lvl: all_pbdir\npb_all: 1\n",
		"inv/group_vars/prod.yml":  "lvl: prod_invdir\n",
		"pb/group_vars/prod.yml":   "lvl: prod_pbdir\n",
		"inv/group_vars/web/1.yml": "lvl: web_invdir_1\nd: [1]\n",
		"inv/group_vars/web/2.yml": "lvl: web_invdir_2\nd: {k: v}\n",
		"pb/group_vars/web.yaml":   "lvl: web_pbdir\n",
		"inv/host_vars/w1":         "lvl: host_invdir\n",
		"pb/host_vars/w1.json":     `{"lvl": "host_pbdir"}`,
	})
	inv, err := Load([]string{filepath.Join(dir, "inv/hosts")})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := inv.Host("w1")
	pb := filepath.Join(dir, "pb")

	vars, err := inv.HostVars(h, pb)
	if err != nil {
		t.Fatal(err)
	}
	if v := mustGet(vars, "lvl"); v != "host_pbdir" {
		t.Errorf("lvl = %v", v)
	}
	for _, k := range []string{"from_all", "inv_all", "pb_all", "d"} {
		if _, ok := vars.Get(k); !ok {
			t.Errorf("%s missing", k)
		}
	}
	if v, _ := inv.HostVars(h, ""); mustGet(v, "lvl") != "host_invdir" {
		t.Errorf("lvl without playbook dir = %v", mustGet(v, "lvl"))
	}

	// Precedence without the host layers, group layers only.
	h2 := &Host{Name: "ghost", Vars: h.Vars.Clone()}
	h2.Vars.Delete("lvl")
	h2.groups = h.groups
	got, err := inv.HostVars(h2, pb)
	if err != nil {
		t.Fatal(err)
	}
	// web beside playbook is the highest group layer.
	if v := mustGet(got, "lvl"); v != "web_pbdir" {
		t.Errorf("group lvl = %v, want web_pbdir", v)
	}
	got, _ = inv.HostVars(h2, "")
	if v := mustGet(got, "lvl"); v != "web_invdir_2" {
		t.Errorf("group lvl without playbook dir = %v, want web_invdir_2", v)
	}
	if v := mustGet(got, "d"); !reflect.DeepEqual(v, mustGet(mustYAML(t, "x: {k: v}"), "x")) {
		t.Errorf("d = %v (later file in group_vars/web/ replaces)", v)
	}
	if _, ok := got.Get("inventory_file"); !ok {
		t.Error("inventory_file missing from HostVars")
	}

	// Caching: a second call gives equal data, and callers may modify it.
	a, _ := inv.HostVars(h, pb)
	a.Set("lvl", "changed")
	b, _ := inv.HostVars(h, pb)
	if mustGet(b, "lvl") != "host_pbdir" {
		t.Error("cache was modified through a returned map")
	}
}

func TestHostVarsOrderAcrossGroups(t *testing.T) {
	// Ansible applies group_vars beside the inventory for every group
	// before any group_vars beside the playbook.
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"hosts":               "[a]\nh\n[b]\nh\n",
		"group_vars/b.yml":    "v: inv_b\n",
		"pb/group_vars/a.yml": "v: pb_a\n",
		"group_vars/all.yml":  "v: inv_all\n",
		"pb/group_vars/all":   "v: pb_all\n",
		"group_vars/bad.yml":  "- not a mapping\n",
		"hosts2":              "[bad]\nh\n",
		"pb/host_vars/h.yml":  "",
	})
	inv, err := Load([]string{filepath.Join(dir, "hosts")})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := inv.Host("h")
	vars, err := inv.HostVars(h, filepath.Join(dir, "pb"))
	if err != nil {
		t.Fatal(err)
	}
	if v := mustGet(vars, "v"); v != "pb_a" {
		t.Errorf("v = %v, want pb_a", v)
	}
	inv, _ = Load([]string{filepath.Join(dir, "hosts2")})
	h, _ = inv.Host("h")
	if _, err := inv.HostVars(h, ""); err == nil {
		t.Error("non-mapping group_vars file: no error")
	}
}

func mustYAML(t *testing.T, s string) *value.Map {
	t.Helper()
	n, err := readYAML("t", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	v, err := fromNodeOrNil(n)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := v.(*value.Map)
	return m
}

func TestVarsDirectoryBeatsExtensions(t *testing.T) {
	// A directory named exactly like the host is found before host.yml,
	// and then host.yml is not read at all (Ansible stops at the first hit).
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"hosts":                   "h\n",
		"host_vars/h/a.yml":       "v: dir\n",
		"host_vars/h/.hidden.yml": "v: hidden\n",
		"host_vars/h/b.txt":       "v: txt\n",
		"host_vars/h.yml":         "v: file\n",
	})
	inv, err := Load([]string{filepath.Join(dir, "hosts")})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := inv.Host("h")
	vars, err := inv.HostVars(h, "")
	if err != nil {
		t.Fatal(err)
	}
	if v := mustGet(vars, "v"); v != "dir" {
		t.Errorf("v = %v, want dir", v)
	}
}
