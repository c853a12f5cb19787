package playbook

import (
	"path/filepath"
	"strings"
	"testing"
)

// A task's action is resolved in the registry, then where ansible-core
// looks: the playbook's and roles' library/ (an action_plugins/ name is
// refused), the library path, collections.
func TestResolveExternalModules(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `- hosts: all
  collections: [ns.c]
  tasks:
    - top_mod: {a: 1}
    - from_path: x=1
    - short_coll: {}
    - ns.c.short_coll: {}
    - copy: {dest: /tmp/x, content: y}
  roles: [r]
`,
		"library/top_mod.py":       "#!/usr/bin/python\n",
		"roles/r/library/role_mod": "#!/bin/sh\n",
		"roles/r/tasks/main.yml":   "- role_mod:\n- ansible.legacy.top_mod:\n",
		"collections/ansible_collections/ns/c/plugins/modules/short_coll.py": "",
		"elsewhere/from_path.sh": "#!/bin/sh\n",
	})
	pb, err := Load(filepath.Join(dir, "site.yml"), Options{PlaybookDir: dir, Library: []string{filepath.Join(dir, "elsewhere")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var walk func(ns []Node)
	walk = func(ns []Node) {
		for _, n := range ns {
			switch n := n.(type) {
			case *Task:
				if n.Module != nil {
					rel, _ := filepath.Rel(dir, n.Module.External)
					got = append(got, n.Action+"="+n.Module.ID+"@"+rel)
				} else {
					got = append(got, n.Action+"=native")
				}
			case *Block:
				walk(n.Block)
			}
		}
	}
	for _, p := range pb.Plays {
		walk(p.PreTasks)
		walk(p.Tasks)
	}
	want := []string{
		"role_mod=ansible.legacy.role_mod@roles/r/library/role_mod",
		"ansible.legacy.top_mod=ansible.legacy.top_mod@library/top_mod.py",
		"top_mod=ansible.legacy.top_mod@library/top_mod.py",
		"from_path=ansible.legacy.from_path@elsewhere/from_path.sh",
		"short_coll=ns.c.short_coll@collections/ansible_collections/ns/c/plugins/modules/short_coll.py",
		"ns.c.short_coll=ns.c.short_coll@collections/ansible_collections/ns/c/plugins/modules/short_coll.py",
		"copy=native",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("resolved\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestResolveActionPluginRefused(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml":              "- hosts: all\n  tasks:\n    - name: x\n      ctl: {}\n",
		"action_plugins/ctl.py": "",
		"library/ctl.py":        "",
	})
	_, err := load(t, dir)
	if err == nil || !strings.Contains(err.Error(), "site.yml:4:7") || !strings.Contains(err.Error(), "the action ctl is a controller-side action plugin") {
		t.Errorf("error %v", err)
	}
}
