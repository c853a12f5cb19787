package inventory

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Differential cases: each inventory is loaded by ansible-core and by us,
// and --list, --graph and pattern selections must agree.
var diffCases = []struct {
	name     string
	files    map[string]string
	source   string
	patterns []string
}{
	{
		name: "ini-typing",
		files: map[string]string{"hosts": `top1 a=1 b=1.5 c=True d="a b" e="'q'" f=['x',2] g="{'k': 1}" h=yes i=0644 j="1" k=-3 l=0x1f m=1e3 n=None
[b]
h2
h1:2222
[a]
h1
h3 x=1 # comment
[a:vars]
v1=23
v2=True
v3 = hello world
v4='quoted'
v5=[1,2]
v6=23 # trailing
v7=a # b
[a:children]
c
[c]
h9
[z:children]
a
[web]
w[01:03]
w[a:c]x
db-[1:5:2].example.com
`},
		source:   "hosts",
		patterns: []string{"all", "*", "b:a", "a:b", "w*", "a:&b", "all:!a", "web[0]", "web[-1]", "web[1:3]", "web[2:]", "~w.[0-9]", "h1,h9", "nosuch", "c:a", "*.example.com", "ungrouped", "localhost", "a[0]:b[1]"},
	},
	{
		name: "yaml",
		files: map[string]string{"inv.yml": `all:
  vars:
    av: 1
    list: [1, "two", 3.5]
  hosts:
    direct1:
  children:
    web:
      hosts:
        w1:
          x: yes
          nested: {a: 1, b: [x]}
        w[1:2]:
        w5:2200:
      vars:
        ansible_group_priority: 5
        wv: "s"
    db:
      hosts: d1
      children:
        dbsub:
          hosts:
            d2:
    web2:
      children:
        web:
`},
		source:   "inv.yml",
		patterns: []string{"all", "web", "web2", "db", "db:!dbsub", "w*"},
	},
	{
		name: "precedence",
		files: map[string]string{
			"inv/hosts": `[web]
w1 hv=host
w2
[db]
w1
d1
[prod:children]
web
db
[web:vars]
x=web
[db:vars]
x=db
ansible_group_priority=10
[all:vars]
x=all
only_all=1
`,
			"inv/group_vars/all.yml":        "gva: 1\nx: gv_all\n",
			"inv/group_vars/web.yml":        "x: gv_web\nwebonly: true\n",
			"inv/group_vars/prod/a.yml":     "p: a\nprod_a: 1\n",
			"inv/group_vars/prod/b.yaml":    "p: b\n",
			"inv/group_vars/prod/skip.txt":  "p: txt\n",
			"inv/group_vars/db":             "x: gv_db\n",
			"inv/host_vars/w1.json":         `{"hv": "host_vars", "n": 1.0}`,
			"inv/host_vars/d1/main.yml":     "dv: 1\n",
			"inv/host_vars/d1/more/z.yml":   "dv: 2\n",
			"inv/group_vars/ungrouped.yml":  "ug: 1\n",
			"inv/group_vars/.hidden.yml":    "h: 1\n",
			"inv/host_vars/w2.yml":          "",
			"inv/group_vars/prod/~backup~":  "p: backup\n",
			"inv/group_vars/prod/c.ini.yml": "c: 1\n",
		},
		source:   "inv/hosts",
		patterns: []string{"all", "prod", "prod:&db", "prod:!db"},
	},
	{
		name: "directory",
		files: map[string]string{
			"d/01.ini":    "[ignored]\nx1\n",
			"d/10-hosts":  "[g1]\nh1\n",
			"d/20.yml":    "g2:\n  hosts:\n    h2:\n",
			"d/30.json":   `{"g3": {"hosts": {"h3": {"v": 1}}, "children": {"g1": null}}}`,
			"d/README.md": "# nothing\n",
			"d/x.bak":     "[bak]\nb1\n",
			"d/script*": `#!/bin/sh
if [ "$1" = "--list" ]; then
  echo '{"g4": {"hosts": ["h4", "h5"], "vars": {"sv": "s"}}, "g5": ["h6"], "_meta": {"hostvars": {"h4": {"hv": 4}}}}'
else
  echo '{}'
fi
`,
			"d/group_vars/g1.yml": "g1v: 1\n",
		},
		source:   "d",
		patterns: []string{"all", "g3", "g*"},
	},
	{
		name: "script-host-calls",
		files: map[string]string{
			"inv.sh*": `#!/bin/sh
case "$1" in
--list) echo '{"app": {"hosts": ["a1", "a2"], "children": ["sub"]}, "sub": {"hosts": ["s1"]}, "solo": {"k": "v"}}' ;;
--host) echo "{\"me\": \"$2\"}" ;;
esac
`,
		},
		source:   "inv.sh",
		patterns: []string{"all", "app", "solo"},
	},
	{
		name:     "host-list",
		files:    map[string]string{},
		source:   "a,b:2222,[::1]:22,c,",
		patterns: []string{"all", "b"},
	},
}

func TestDifferentialAnsible(t *testing.T) {
	ansibleTool(t, "ansible-inventory")
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, tc.files)
			src := tc.source
			if !strings.Contains(src, ",") {
				src = filepath.Join(dir, src)
			}
			inv, err := Load([]string{src})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range inv.Warnings {
				t.Errorf("warning: %v%s", w, unwrapAll(w))
			}
			want := runAnsible(t, dir, "ansible-inventory", "-i", src, "--list")
			got, err := ListJSON(inv, "")
			if err != nil {
				t.Fatal(err)
			}
			var wv, gv any
			if err := json.Unmarshal([]byte(want), &wv); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(got, &gv); err != nil {
				t.Fatalf("our JSON: %v\n%s", err, got)
			}
			if !reflect.DeepEqual(wv, gv) {
				t.Errorf("--list differs\nansible:\n%s\nfjord:\n%s", want, got)
			} else if strings.TrimSpace(want) != string(got) {
				t.Errorf("--list same data, different text\nansible:\n%s\nfjord:\n%s", want, got)
			}
			wantGraph := runAnsible(t, dir, "ansible-inventory", "-i", src, "--graph")
			if g := Graph(inv, "all"); strings.TrimSpace(wantGraph) != g {
				t.Errorf("--graph differs\nansible:\n%s\nfjord:\n%s", wantGraph, g)
			}
			for _, p := range tc.patterns {
				out := runAnsible(t, dir, "ansible", "-i", src, p, "--list-hosts")
				var want []string
				for _, l := range strings.Split(out, "\n")[1:] {
					if l = strings.TrimSpace(l); l != "" {
						want = append(want, l)
					}
				}
				hs, err := inv.Select(p)
				if err != nil {
					t.Errorf("Select(%q): %v", p, err)
					continue
				}
				if g, w := names(hs), strings.Join(want, ","); g != w {
					t.Errorf("Select(%q) = %s, ansible lists %s", p, g, w)
				}
			}
		})
	}
}
