package playbook

import (
	"strings"
	"testing"
)

// A keyword's literal value that ansible-core could never convert is a
// load error at the value (ansible fails such a task on every host as it
// runs, or at load for a string field); a templated value waits for the
// run. A keyword written where it does not belong is refused.
func TestKeywordValues(t *testing.T) {
	task := func(kv string) string {
		return "- hosts: all\n  tasks:\n    - debug: msg=hi\n      " + kv + "\n"
	}
	cases := []struct {
		site, want string
	}{
		{task("notify: {a: 1}"), "site.yml:4:15: the field 'notify' must be a list or a string, got a mapping ({'a': 1})"},
		{task("register: [1]"), "site.yml:4:17: The field 'register' is supposed to be a string type, however the incoming data structure is a <class 'ansible.parsing.yaml.objects.AnsibleSequence'>"},
		{task("delegate_to: {a: b}"), "site.yml:4:20: The field 'delegate_to' is supposed to be a string type, however the incoming data structure is a <class 'ansible.parsing.yaml.objects.AnsibleMapping'>"},
		{task("become: [1]"), "site.yml:4:15: the field 'become' has an invalid value ([1]), and could not be converted to an bool"},
		{task("ignore_errors: {a: 1}"), "the field 'ignore_errors' has an invalid value ({'a': 1}), and could not be converted to an bool"},
		{task("retries: {a: 1}"), "the field 'retries' has an invalid value ({'a': 1}), and could not be converted to an int"},
		{task("throttle: x"), "site.yml:4:17: the field 'throttle' has an invalid value ('x'), and could not be converted to an int"},
		{task("tags: {a: 1}"), "the field 'tags' must be a list or a string"},
		{task("listen: x"), "site.yml:4:7: 'listen' is not a valid attribute for a Task"},
		{task("hosts: x"), "'hosts' is not a valid attribute for a Task"},
		{"- hosts: all\n  serial: {a: 1}\n  tasks: []\n", "site.yml:2:11: the field 'serial' has an invalid value ({'a': 1}), and could not be converted to an int"},
		{"- hosts: all\n  serial: [1, x]\n  tasks: []\n", "the field 'serial' has an invalid value ([1, 'x'])"},
		{"- hosts: all\n  become: {a: 1}\n  tasks: []\n", "site.yml:2:11: the field 'become' has an invalid value"},
		{"- hosts: all\n  delegate_to: x\n  tasks: []\n", `site.yml:2:3: "delegate_to" is not a valid attribute for a play`},
		{"- hosts: all\n  roles: [{role: r, become: [1]}]\n", "site.yml:2:29: the field 'become' has an invalid value ([1])"},
		{"- hosts: all\n  tasks:\n    - block: []\n      register: x\n", `"register" is not a valid attribute for a block`},
		// accepted: templates, numbers as strings, percentages, scalars
		{task("retries: '{{ n }}'\n      delay: '3'\n      throttle: 2\n      become: yes\n      notify: [a, b]\n      tags: x"), ""},
		{"- hosts: all\n  serial: ['30%', 2, '{{ n }}']\n  tasks: []\n", ""},
		{"- hosts: all\n  handlers:\n    - debug: msg=x\n      listen: [a]\n", ""},
		{"- hosts: all\n  roles: null\n  tasks: ~\n", ""},
	}
	for _, c := range cases {
		files := map[string]string{"site.yml": c.site, "roles/r/tasks/main.yml": "- debug: msg=r\n"}
		_, err := load(t, writeFiles(t, files))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.site, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q:\n got %v\nwant %s", c.site, err, c.want)
		}
	}
}
