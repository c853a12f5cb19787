package inventory

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
)

func TestLiteralEval(t *testing.T) {
	tests := []struct {
		in   string
		want any // nil with ok=false means "stays a string"
		ok   bool
	}{
		{"1", 1, true},
		{"-1", -1, true},
		{"+1", 1, true},
		{"- 1", -1, true},
		{"1_000", 1000, true},
		{"0x1f", 31, true},
		{"0o17", 15, true},
		{"0b101", 5, true},
		{"00", 0, true},
		{"0644", nil, false},
		{"1.5", 1.5, true},
		{"1e3", 1000.0, true},
		{".5", 0.5, true},
		{"5.", 5.0, true},
		{"True", true, true},
		{"False", false, true},
		{"None", nil, true},
		{"yes", nil, false},
		{"'a b'", "a b", true},
		{`"a" 'b'`, "ab", true},
		{`u"x"`, "x", true},
		{`r"a\n"`, `a\n`, true},
		{`"a\tb\x41\u00e9"`, "a\tbAé", true},
		{`'''tri'''`, "tri", true},
		{"[1, 'a', [2]]", []any{1, "a", []any{2}}, true},
		{"[1,]", []any{1}, true},
		{"(1, 2)", []any{1, 2}, true},
		{"(1)", 1, true},
		{"()", []any{}, true},
		{"{'k': 1, 2: [3]}", value.MapOf("k", 1, "2", []any{3}), true},
		{"{}", value.NewMap(0), true},
		{"{1, 2}", []any{1, 2}, true},
		{"23 # comment", 23, true},
		{"  7", 7, true},
		{"1+2", nil, false},
		{"1+2j", nil, false},
		{"--1", nil, false},
		{"-True", nil, false},
		{"f'x'", nil, false},
		{"hello world", nil, false},
		{"", nil, false},
		{"[x,2]", nil, false},
		{"'unterminated", nil, false},
		{"1abc", nil, false},
		{"99999999999999999999999", nil, false},
	}
	for _, tc := range tests {
		got, ok := literalEval(tc.in)
		if ok != tc.ok || (ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("literalEval(%q) = %#v, %v; want %#v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestShlexSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{`h x=1 y="a b"`, []string{"h", "x=1", "y=a b"}, false},
		{`h x='"q"'`, []string{"h", `x="q"`}, false},
		{`h x="a\"b" y=a\ b`, []string{"h", `x=a"b`, "y=a b"}, false},
		{`h x="a\qb"`, []string{"h", `x=a\qb`}, false},
		{`h y=a#b z=1`, []string{"h", "y=a"}, false},
		{`h # c`, []string{"h"}, false},
		{`h x=""`, []string{"h", "x="}, false},
		{`h x="open`, nil, true},
		{`h x\`, nil, true},
	}
	for _, tc := range tests {
		got, err := value.ShlexSplit(tc.in, true)
		if (err != nil) != tc.err || (!tc.err && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("ShlexSplit(%q, true) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestExpandHostPattern(t *testing.T) {
	tests := []struct {
		in   string
		want string
		port int
		err  bool
	}{
		{"web1", "web1", 0, false},
		{"web1:2222", "web1", 2222, false},
		{"web[1:3]", "web1,web2,web3", 0, false},
		{"web[01:03]", "web01,web02,web03", 0, false},
		{"web[1:7:3]", "web1,web4,web7", 0, false},
		{"[a:c].x", "a.x,b.x,c.x", 0, false},
		{"w[1:2]-[a:b]:22", "w1-a,w1-b,w2-a,w2-b", 22, false},
		{"web[:2]", "web0,web1,web2", 0, false},
		{"web[3:1]", "", 0, false},
		{"10.0.0.[1:2]", "10.0.0.1,10.0.0.2", 0, false},
		{"[::1]:22", "::1", 22, false},
		{"fe80::1", "fe80::1", 0, false},
		{"192.168.1.1:80", "192.168.1.1", 80, false},
		{"odd:name", "odd:name", 0, false},
		{"web[1:]", "", 0, true},
		{"web[01:100]", "", 0, true},
		{"web[1:2:0]", "", 0, true},
		{"web[x:2]", "", 0, true},
		{"web[1]", "", 0, true},
		{"web[1:3", "", 0, true},
	}
	for _, tc := range tests {
		got, port, _, err := expandHostPattern(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("expandHostPattern(%q): err = %v", tc.in, err)
			continue
		}
		if !tc.err && (strings.Join(got, ",") != tc.want || port != tc.port) {
			t.Errorf("expandHostPattern(%q) = %q:%d; want %q:%d", tc.in, got, port, tc.want, tc.port)
		}
	}
}

func TestINIStructure(t *testing.T) {
	inv := loadString(t, "hosts", `# comment
; other comment
loose1
[web]
w1 ansible_port=2222 x="a b" y=1.5 z=True l="['a']" s="'1'"
w2:2200
[web:vars]
gv=23
[all:children]
prod
[prod:children]
web
later
[later]
l1
[ref_before_def:children]
web
`)
	// groups: creation order, all and ungrouped first
	var gs []string
	for _, g := range inv.Groups() {
		gs = append(gs, g.Name)
	}
	if got := strings.Join(gs, ","); got != "all,ungrouped,web,prod,later,ref_before_def" {
		t.Errorf("groups = %s", got)
	}
	w1, _ := inv.Host("w1")
	checks := map[string]any{"ansible_port": 2222, "x": "a b", "y": 1.5, "z": true, "l": []any{"a"}, "s": "1"}
	for k, want := range checks {
		if got, _ := w1.Vars.Get(k); !reflect.DeepEqual(got, want) {
			t.Errorf("w1 %s = %#v, want %#v", k, got, want)
		}
	}
	if f, _ := w1.Vars.Get("inventory_file"); !strings.HasSuffix(f.(string), "/hosts") {
		t.Errorf("inventory_file = %v", f)
	}
	if d, _ := w1.Vars.Get("inventory_dir"); d != filepath.Dir(mustGet(w1.Vars, "inventory_file").(string)) {
		t.Errorf("inventory_dir = %v", d)
	}
	w2, _ := inv.Host("w2")
	if p, _ := w2.Vars.Get("ansible_port"); p != 2200 {
		t.Errorf("w2 port = %v", p)
	}
	web, _ := inv.Group("web")
	if v, _ := web.Vars.Get("gv"); v != 23 {
		t.Errorf("[web:vars] gv = %#v, want int 23", v)
	}
	if got := strings.Join(w1.GroupNames(), ","); got != "prod,ref_before_def,web" {
		t.Errorf("group_names = %s", got)
	}
	ung, _ := inv.Group("ungrouped")
	if names(ung.Hosts) != "loose1" {
		t.Errorf("ungrouped = %s", names(ung.Hosts))
	}
	gm := inv.GroupsMap()
	if v, _ := gm.Get("prod"); !reflect.DeepEqual(v, []any{"w1", "w2", "l1"}) {
		t.Errorf("groups['prod'] = %v", v)
	}
	if v, _ := gm.Get("all"); !reflect.DeepEqual(v, []any{"loose1", "w1", "w2", "l1"}) {
		t.Errorf("groups['all'] = %v", v)
	}
}

func mustGet(m *value.Map, k string) any {
	v, _ := m.Get(k)
	return v
}

func TestINIErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"bad var", "[web]\nw1 novalue\n", 2, 4, "Expected key=value host variable assignment, got: novalue"},
		{"bad section", "[web server]\n", 1, 1, "Invalid section entry"},
		{"unknown type", "[web:hostz]\n", 1, 1, "has unknown type: hostz"},
		{"vars undefined group", "[ghost:vars]\nx=1\n", 1, 0, "Section [ghost:vars] not valid for undefined group: ghost"},
		{"undefined child", "[p:children]\nmissing\n", 2, 0, "Section [p:children] includes undefined group: missing"},
		{"vars no equals", "[g]\nh\n[g:vars]\njunk\n", 4, 1, "Expected key=value, got: junk"},
		{"quote", "  h x=\"open\n", 1, 3, "No closing quotation"},
		{"trailing colon", "h1:\n", 1, 1, "ending in ':' is not allowed"},
		{"yaml marker", "---\n", 1, 1, "'---' is normally a sign this is a YAML file"},
		{"loop", "[a:children]\nb\n[b:children]\na\n", 4, 1, "recursive dependency loop"},
		{"range", "web[1:]\n", 1, 1, "host range must specify end value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := newInventory()
			err := inv.parseINI("f.ini", []byte(tc.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.File != "f.ini" || e.Line != tc.line || e.Col != tc.col || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("err = %q (line %d col %d), want line %d col %d containing %q", e, e.Line, e.Col, tc.line, tc.col, tc.msg)
			}
		})
	}
}

func TestLoadWarnings(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"bad": "[web]\nw1 novalue\n", "good": "g1\n"})
	inv, err := Load([]string{filepath.Join(dir, "missing"), filepath.Join(dir, "bad"), filepath.Join(dir, "good")})
	if err != nil {
		t.Fatal(err)
	}
	var sws []*SourceWarning
	for _, w := range inv.Warnings {
		var sw *SourceWarning
		if errors.As(w, &sw) {
			sws = append(sws, sw)
		}
	}
	if len(sws) != 2 || !strings.Contains(sws[0].Error(), "Unable to parse "+filepath.Join(dir, "missing")+" as an inventory source") {
		t.Fatalf("warnings = %v", inv.Warnings)
	}
	var pe *Error
	fs := sws[1].Failures
	if len(fs) == 0 || fs[len(fs)-1].Plugin != "ini" || !errors.As(fs[len(fs)-1], &pe) || pe.Line != 2 {
		t.Errorf("bad source failure = %v", unwrapAll(sws[1]))
	}
	if _, ok := inv.Host("g1"); !ok {
		t.Error("good source not loaded")
	}
	if _, err := LoadWith([]string{filepath.Join(dir, "bad")}, Options{AnyUnparsedIsFailed: true}); err == nil {
		t.Error("AnyUnparsedIsFailed: no error")
	}
	if _, err := LoadWith([]string{filepath.Join(dir, "missing")}, Options{UnparsedIsFailed: true}); err == nil {
		t.Error("UnparsedIsFailed: no error")
	}
	inv, _ = Load([]string{filepath.Join(dir, "missing")})
	if len(inv.Warnings) != 2 || inv.Warnings[1].Error() != "No inventory was parsed, only implicit localhost is available" {
		t.Errorf("warnings = %v", inv.Warnings)
	}
}

func TestImplicitLocalhost(t *testing.T) {
	inv := loadString(t, "hosts", "[web]\nw1\n")
	h, ok := inv.Host("localhost")
	if !ok || !h.Implicit {
		t.Fatalf("localhost = %v, %v", h, ok)
	}
	if c, _ := h.Vars.Get("ansible_connection"); c != "local" {
		t.Errorf("ansible_connection = %v", c)
	}
	if hs, _ := inv.Select("all"); names(hs) != "w1" {
		t.Errorf("all = %s", names(hs))
	}
	if hs, _ := inv.Select("localhost"); len(hs) != 1 || hs[0] != h {
		t.Errorf("localhost pattern = %v", hs)
	}
	if len(h.GroupNames()) != 0 {
		t.Errorf("implicit localhost group_names = %v", h.GroupNames())
	}
	inv = loadString(t, "hosts", "[l]\nlocalhost ansible_connection=ssh\n")
	if h, _ := inv.Host("localhost"); h.Implicit {
		t.Error("explicit localhost is implicit")
	}
}

func TestYAMLInventory(t *testing.T) {
	inv := loadString(t, "inv.yaml", `
all:
  hosts:
    a1:
      n: 0644
      b: on
      s: "on"
  children:
    g:
      hosts: h1
      vars:
        ansible_group_priority: 3
    empty:
`)
	a1, _ := inv.Host("a1")
	if v := mustGet(a1.Vars, "n"); v != 420 {
		t.Errorf("n = %#v (YAML 1.1 octal)", v)
	}
	if v := mustGet(a1.Vars, "b"); v != true {
		t.Errorf("b = %#v", v)
	}
	if v := mustGet(a1.Vars, "s"); v != "on" {
		t.Errorf("s = %#v", v)
	}
	g, _ := inv.Group("g")
	if g.Priority != 3 || g.Vars.Len() != 0 || names(g.Hosts) != "h1" {
		t.Errorf("g = %+v", g)
	}
	if _, ok := inv.Group("empty"); !ok {
		t.Error("null child group missing")
	}

	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"bad.yml": "all:\n  hosts:\n    1: {}\n"})
	inv, _ = Load([]string{filepath.Join(dir, "bad.yml")})
	var e *Error
	if len(inv.Warnings) == 0 || !errors.As(inv.Warnings[0], &e) || e.Line != 3 {
		t.Errorf("warnings = %v %s", inv.Warnings, unwrapAll(inv.Warnings[0]))
	}
}

// TestININotUTF8: ansible-core 2.14 reads an INI inventory with
// surrogateescape, so bytes that are not UTF-8 anywhere in it load; the
// names and values keep the bytes, and such a value is never a literal.
func TestININotUTF8(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"hosts": "[w\xffb]\nh\xff2 x=a\xffb y=\"'q\xff'\" z=1\n# c\xfe\n"})
	inv, err := Load([]string{filepath.Join(dir, "hosts")})
	if err != nil {
		t.Fatal(err)
	}
	// The one warning ansible-inventory gives for this file too.
	if len(inv.Warnings) != 1 || !strings.HasPrefix(inv.Warnings[0].Error(), "Invalid characters were found in group names") {
		t.Errorf("warnings = %q", inv.Warnings)
	}
	h, ok := inv.Host("h\xff2")
	if !ok {
		t.Fatalf("host h\\xff2 not loaded: %v", names(inv.Hosts()))
	}
	if g, ok := inv.Group("w\xffb"); !ok || len(g.Hosts) != 1 {
		t.Errorf("group w\\xffb = %v", g)
	}
	for k, want := range map[string]any{"x": "a\xffb", "y": "'q\xff'", "z": 1} {
		if got := mustGet(h.Vars, k); got != want {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
}

func TestWarningMessages(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"bad.ini": "[web]\nw1 novalue\n"})
	src := filepath.Join(dir, "bad.ini")
	inv, err := Load([]string{src})
	if err != nil {
		t.Fatal(err)
	}
	got := WarningMessages(inv.Warnings)
	want := []string{
		"\n* Failed to parse " + src + " with ini plugin: " + src + ":2:4: Expected key=value host variable assignment, got: novalue",
		"Unable to parse " + src + " as an inventory source",
		"No inventory was parsed, only implicit localhost is available",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
