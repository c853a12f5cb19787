package playbook

import (
	"strings"
	"testing"
)

// Module arguments that hold no template are decoded and validated at
// load, at the task; templated ones, and tasks module_defaults can add to,
// wait for the run.
func TestLiteralArgsCheckedAtLoad(t *testing.T) {
	cases := []struct {
		tasks, want string
	}{
		{"- file: {path: /tmp/x, state: nonsense}", `site.yml:3:7: task "file": value of state must be one of:`},
		{"- name: mode\n  copy: {dest: /tmp/x, content: a, force: maybe}", `task "mode": argument 'force' is of type <class 'str'> and we were unable to convert to bool`},
		{"- file: {path: /tmp/x, state: '{{ s }}'}", ""},
		{"- file: {state: touch}", "missing required arguments: path"},
		{"- file: {state: touch}\n  module_defaults: {file: {path: /tmp/x}}", ""},
		{"- block:\n    - file: {state: touch}\n  module_defaults: {file: {path: /tmp/x}}", ""},
		{"- debug: {msg: [1]}", ""},
		{"- lineinfile: {path: /tmp/x, regexp: 'a(b', line: x}", `task "lineinfile": `},
		{"- lineinfile: {path: /tmp/x, regexp: '{{ r }}', line: x}", ""},
	}
	for _, c := range cases {
		indented := "    " + strings.ReplaceAll(c.tasks, "\n", "\n    ")
		site := "- hosts: all\n  tasks:\n" + indented + "\n"
		_, err := load(t, writeFiles(t, map[string]string{"site.yml": site}))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.tasks, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s:\n got %v\nwant %s", c.tasks, err, c.want)
		}
	}
}
