package external

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"lib/hello.sh":   "#!/bin/sh\n",
		"lib/py_mod.py":  "#!/usr/bin/python\n",
		"lib/py_mod.pyc": "",
		"actions/act.py": "",
		"coll/ansible_collections/ns/c/plugins/modules/thing.py":     "x",
		"coll/ansible_collections/ns/c/plugins/modules/sub/deep.py":  "x",
		"coll/ansible_collections/ns/c/plugins/modules/withact.py":   "x",
		"coll/ansible_collections/ns/c/plugins/action/withact.py":    "x",
		"coll2/ansible_collections/ns/c/plugins/modules/shadowed.py": "x",
		"coll/ansible_collections/ns/c/meta/runtime.yml": `plugin_routing:
  modules:
    old_thing: {redirect: ns.c.thing}
    gone: {tombstone: {removal_version: "2.0.0", warning_text: Use ns.c.thing.}}
    to_native: {redirect: ansible.builtin.copy}
`,
	})
	f := &Finder{Library: []string{filepath.Join(dir, "lib")}, Actions: []string{filepath.Join(dir, "actions")},
		Collections: []string{filepath.Join(dir, "coll", "ansible_collections"), filepath.Join(dir, "coll2", "ansible_collections")},
		Native:      func(n string) bool { return n == "ansible.builtin.copy" }}
	for _, c := range []struct {
		name        string
		collections []string
		fqcn, path  string
		native, err string
	}{
		{name: "hello", fqcn: "ansible.legacy.hello", path: "lib/hello.sh"},
		{name: "ansible.legacy.py_mod", fqcn: "ansible.legacy.py_mod", path: "lib/py_mod.py"},
		{name: "ns.c.thing", fqcn: "ns.c.thing", path: "coll/ansible_collections/ns/c/plugins/modules/thing.py"},
		{name: "ns.c.sub.deep", fqcn: "ns.c.sub.deep", path: "coll/ansible_collections/ns/c/plugins/modules/sub/deep.py"},
		{name: "thing", collections: []string{"ansible.builtin", "ns.c"}, fqcn: "ns.c.thing", path: "coll/ansible_collections/ns/c/plugins/modules/thing.py"},
		{name: "ns.c.old_thing", fqcn: "ns.c.thing", path: "coll/ansible_collections/ns/c/plugins/modules/thing.py"},
		{name: "ns.c.to_native", native: "ansible.builtin.copy"},
		{name: "ns.c.gone", err: "ns.c.gone has been removed. Use ns.c.thing."},
		{name: "ns.c.withact", err: "controller-side action plugin"},
		{name: "act", err: "the action act is a controller-side action plugin"},
		{name: "ns.c.shadowed"}, // the first directory holding ns.c is the collection
		{name: "nowhere_at_all_xyz"},
		{name: "ns.nope.x"},
	} {
		fd, err := f.Find(c.name, c.collections)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Find(%s): err %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Find(%s): %v", c.name, err)
			continue
		}
		switch {
		case c.fqcn == "" && c.native == "":
			if fd != nil {
				t.Errorf("Find(%s) = %+v, want nothing", c.name, fd)
			}
		case fd == nil:
			t.Errorf("Find(%s) found nothing", c.name)
		case c.native != "":
			if fd.Native != c.native {
				t.Errorf("Find(%s).Native = %q, want %q", c.name, fd.Native, c.native)
			}
		case fd.FQCN != c.fqcn || fd.Path != filepath.Join(dir, c.path):
			t.Errorf("Find(%s) = %s %s, want %s %s", c.name, fd.FQCN, fd.Path, c.fqcn, c.path)
		}
	}
}

func zipNames(t *testing.T, p *payload) []string {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(p.Zip)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

func TestZipModule(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"utils/role_helper.py":                                      "from ansible.module_utils.fake_core import x\n",
		"core/ansible/module_utils/basic.py":                        "import json\nfrom ansible.module_utils.fake_core import y\n",
		"core/ansible/module_utils/fake_core.py":                    "",
		"core/ansible/module_utils/basic2/__init__.py":              "",
		"core/ansible/release.py":                                   "__version__ = '9.9.9'\n__author__ = 'Someone'\n",
		"ac/ansible_collections/ns/c/plugins/module_utils/cu.py":    "from .other import z\n",
		"ac/ansible_collections/ns/c/plugins/module_utils/other.py": "",
	})
	rootOnce.Do(func() {})
	old := root
	root = filepath.Join(dir, "core")
	defer func() { root = old }()
	src := []byte(`from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.role_helper import h
from ansible_collections.ns.c.plugins.module_utils.cu import thing
`)
	p, err := zipModule("ansible_collections.ns.c.plugins.modules.m", src,
		searchPath{utils: []string{filepath.Join(dir, "utils")}, collections: []string{filepath.Join(dir, "ac", "ansible_collections")}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ansible/__init__.py", "ansible/module_utils/__init__.py", "ansible/module_utils/basic.py",
		"ansible/module_utils/fake_core.py", "ansible/module_utils/role_helper.py",
		"ansible_collections/__init__.py", "ansible_collections/ns/__init__.py", "ansible_collections/ns/c/__init__.py",
		"ansible_collections/ns/c/plugins/__init__.py", "ansible_collections/ns/c/plugins/module_utils/__init__.py",
		"ansible_collections/ns/c/plugins/module_utils/cu.py", "ansible_collections/ns/c/plugins/module_utils/other.py",
		"ansible_collections/ns/c/plugins/modules/__init__.py", "ansible_collections/ns/c/plugins/modules/m.py",
	}
	if got := zipNames(t, p); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("zip holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := zipModule("ansible.modules.m", []byte("from ansible.module_utils.missing import x\n"), searchPath{}); err == nil ||
		!strings.Contains(err.Error(), "Could not find imported module support code for ansible.modules.m") {
		t.Errorf("missing module_utils: %v", err)
	}
}

// A directory under a collection's module_utils is a package even
// without __init__.py (ansible's collection loader gives it an empty
// one), so importing it by name zips an empty __init__.py for it.
func TestZipCollectionNamespaceDir(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"core/ansible/module_utils/basic.py":                                  "",
		"ac/ansible_collections/ns/c/plugins/module_utils/impl/mysql/user.py": "",
	})
	rootOnce.Do(func() {})
	old := root
	root = filepath.Join(dir, "core")
	defer func() { root = old }()
	src := []byte("from ansible_collections.ns.c.plugins.module_utils.impl import mysql\n")
	p, err := zipModule("ansible_collections.ns.c.plugins.modules.m", src,
		searchPath{collections: []string{filepath.Join(dir, "ac", "ansible_collections")}})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(zipNames(t, p), "\n")
	for _, want := range []string{
		"ansible_collections/ns/c/plugins/module_utils/impl/__init__.py",
		"ansible_collections/ns/c/plugins/module_utils/impl/mysql/__init__.py",
	} {
		if !strings.Contains(got+"\n", want+"\n") {
			t.Errorf("zip lacks %s; holds\n%s", want, got)
		}
	}
}
