package external

import (
	"reflect"
	"testing"
)

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		src  string
		want Style
	}{
		{"#!/bin/sh\necho '{}'\n", Old},
		{"#!/usr/bin/python\n# WANT_JSON\nimport json\n", WantJSON},
		{"#!/usr/bin/python\nfrom ansible.module_utils.basic import AnsibleModule\n", NewPython},
		{"#!/usr/bin/python\nimport ansible.module_utils.basic\n", NewPython},
		{"from ansible_collections.ns.c.plugins.module_utils.x import y\n", NewPython},
		{"from ..module_utils.x import y\n", NewPython},
		{"#!/usr/bin/python\n#<<INCLUDE_ANSIBLE_MODULE_COMMON>>\n", NewPython},
		{"#!/usr/bin/python\nargs = '<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>'\n", JSONArgs},
		{"#Requires -Module Ansible.ModuleUtils.Legacy\n", PowerShell},
		{"\x7fELF\x02\x01\x01\x00", Binary},
	} {
		if got := Detect([]byte(c.src)); got != c.want {
			t.Errorf("Detect(%q) = %s, want %s", c.src, got, c.want)
		}
	}
}

func TestShebang(t *testing.T) {
	for _, c := range []struct {
		src    string
		interp string
		args   []string
		ok     bool
	}{
		{"#!/bin/sh\n", "/bin/sh", []string{}, true},
		{"#!/usr/bin/env python3 -u\nx", "/usr/bin/env", []string{"python3", "-u"}, true},
		{"#! /usr/bin/python\n", "/usr/bin/python", []string{}, true},
		{"echo hi\n", "", nil, false},
	} {
		interp, args, ok := Shebang([]byte(c.src))
		if args == nil && c.args != nil {
			args = []string{}
		}
		if interp != c.interp || ok != c.ok || !reflect.DeepEqual(args, c.args) {
			t.Errorf("Shebang(%q) = %q %q %v, want %q %q %v", c.src, interp, args, ok, c.interp, c.args, c.ok)
		}
	}
}

func TestScanImports(t *testing.T) {
	src := `#!/usr/bin/python
"""from ansible.module_utils.nope import x"""
DOC = '''
import ansible.module_utils.alsonope
'''
import os, sys
from ansible.module_utils.basic import AnsibleModule  # comment import z
from ansible.module_utils.common.text.converters import (
    to_text,
    to_bytes as b,
)
try:
    import ansible.module_utils.six.moves as m
except ImportError:
    pass
from ..module_utils.helper import thing
from . import sibling
x = "import ansible.module_utils.instring"; import json
`
	got := scanImports([]byte(src), "ansible_collections.ns.coll.plugins.modules")
	want := []pyImport{
		{Names: []string{"os", "sys"}},
		{Names: []string{"ansible.module_utils.basic.AnsibleModule", "ansible.module_utils.basic"}, From: true},
		{Names: []string{"ansible.module_utils.common.text.converters.to_text", "ansible.module_utils.common.text.converters.to_bytes", "ansible.module_utils.common.text.converters"}, From: true},
		{Names: []string{"ansible.module_utils.six.moves"}},
		{Names: []string{"ansible_collections.ns.coll.plugins.module_utils.helper.thing", "ansible_collections.ns.coll.plugins.module_utils.helper"}, From: true},
		{Names: []string{"ansible_collections.ns.coll.plugins.modules.sibling", "ansible_collections.ns.coll.plugins.modules"}, From: true},
		{Names: []string{"json"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scanImports:\n got %v\nwant %v", got, want)
	}
}

func TestFuzzyVersion(t *testing.T) {
	m := distroPython["debian"]
	for v, want := range map[string]string{"12": "/usr/bin/python3", "10": "/usr/bin/python3", "9": "/usr/bin/python", "7": "/usr/bin/python", "10.3": "/usr/bin/python3"} {
		if got := fuzzyVersion(v, m); got != want {
			t.Errorf("fuzzyVersion(%s) = %s, want %s", v, got, want)
		}
	}
}

func TestParseDiscovery(t *testing.T) {
	out := "PLATFORM\nLinux\nFOUND\n/usr/bin/python3.11\n/usr/bin/python3\nENDFOUND\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n"
	p, found, osr := parseDiscovery(out)
	if p != "linux" || !reflect.DeepEqual(found, []string{"/usr/bin/python3.11", "/usr/bin/python3"}) || osr["ID"] != "debian" || osr["VERSION_ID"] != "12" {
		t.Errorf("parseDiscovery = %q %q %q", p, found, osr)
	}
}
