package playbook

import (
	"fmt"
	"strings"
	"testing"
)

// laughs is a play whose vars are a billion-laughs document.
func laughs(levels int) string {
	return "- hosts: all\n  vars:\n" + laughsVars(levels, "    ") + "  tasks: [{debug: {msg: hi}}]\n"
}

// laughsVars is a mapping of 9^levels strings from a few hundred bytes.
func laughsVars(levels int, indent string) string {
	var b strings.Builder
	b.WriteString(indent + "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "%sl%d: &l%d [%s]\n", indent, i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9), ", "))
	}
	return b.String()
}

// Every YAML file the loader reads gives its errors as file:line:col,
// where ansible-playbook shows them, and aliases that expand without end
// are refused at the alias instead of exhausting memory or the stack.
func TestLoadYAMLErrors(t *testing.T) {
	items := strings.TrimSuffix(strings.Repeat("x, ", 3000), ", ")
	cases := []struct {
		name  string
		files map[string]string
		want  string // the whole error, less the directory; "" loads
	}{
		{"syntax error", map[string]string{"site.yml": "- hosts: all\n  tasks:\n   - debug: msg=a\n    - debug: msg=b\n"},
			"site.yml:4:5: YAML syntax error: did not find expected '-' indicator"},
		{"syntax error on the first line", map[string]string{"site.yml": "- hosts: all: x\n"},
			"site.yml:1:13: YAML syntax error: mapping values are not allowed in this context"},
		{"syntax error in a tasks file", map[string]string{"site.yml": "- hosts: all\n  tasks: [{import_tasks: t.yml}]\n",
			"t.yml": "- debug:\n    msg: a\n  b\n"},
			"t.yml:4:1: YAML syntax error: could not find expected ':'"},
		{"syntax error in role defaults", map[string]string{"site.yml": "- hosts: all\n  roles: [r]\n",
			"roles/r/defaults/main.yml": "a: [1\nb: 2\n"},
			"roles/r/defaults/main.yml:2:2: YAML syntax error: did not find expected ',' or ']'"},
		{"billion laughs", map[string]string{"site.yml": laughs(9)}, "site.yml:6:29: excessive aliasing"},
		{"laughs in role defaults", map[string]string{"site.yml": "- hosts: all\n  roles: [r]\n",
			"roles/r/defaults/main.yml": laughsVars(8, "")},
			"roles/r/defaults/main.yml:4:25: excessive aliasing"},
		{"self alias", map[string]string{"site.yml": "- hosts: all\n  vars:\n    a: &a [*a]\n"}, "site.yml:3:12: recursive alias"},
		{"alias cycle through a task list", map[string]string{"site.yml": "- hosts: all\n  tasks: &t\n    - block: *t\n"},
			"site.yml:3:14: recursive alias"},
		{"merge into itself", map[string]string{"site.yml": "- hosts: all\n  vars: &v\n    a: 1\n    <<: *v\n"},
			"site.yml:4:9: recursive alias"},
		{"a few laughs", map[string]string{"site.yml": laughs(2)}, ""},
		{"a large list reused", map[string]string{"site.yml": "- hosts: all\n  vars: &v {l: [" + items + "]}\n" +
			"- hosts: all\n  vars: *v\n- hosts: all\n  vars: *v\n"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			_, err := load(t, dir)
			got := ""
			if err != nil {
				got = strings.TrimPrefix(err.Error(), dir+"/")
			}
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}
