package runner

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// An include that every host runs still shows its TASK banner before
// "included:", as ansible-playbook 2.14 does (geerlingguy.nginx's
// `include_tasks: setup-Debian.yml` lost its banner); a looped include
// reports each item's file first, labelled, then runs them. The expected
// output is ansible-playbook's, with blank lines dropped.
func TestIncludeBanner(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `- hosts: all
  gather_facts: false
  tasks:
    - name: "inc {{ 'a' }}"
      include_tasks: t.yml
    - include_tasks: t.yml
      when: false
    - include_tasks: t.yml
      loop: [1, 2]
    - include_tasks: t.yml
      loop: [{n: x}]
      loop_control: {label: "{{ item.n }}"}
    - include_tasks: t.yml
      loop: [{n: y, m: [1]}]
`,
		"t.yml": "- debug: {msg: hi}\n",
	})
	var out bytes.Buffer
	code := Run(context.Background(), &Options{
		Playbooks:  []string{filepath.Join(dir, "site.yml")},
		Inventory:  []string{"localhost,"},
		Connection: "local",
		Stdout:     &out,
		Stderr:     &out,
	})
	got := regexp.MustCompile(`\n+`).ReplaceAllString(strings.ReplaceAll(out.String(), filepath.Join(dir, "t.yml"), "T"), "\n")
	want := `
PLAY [all] *********************************************************************
TASK [inc a] *******************************************************************
included: T for localhost
TASK [debug] *******************************************************************
ok: [localhost] => {
    "msg": "hi"
}
TASK [include_tasks] ***********************************************************
skipping: [localhost]
TASK [include_tasks] ***********************************************************
included: T for localhost => (item=1)
included: T for localhost => (item=2)
TASK [debug] *******************************************************************
ok: [localhost] => {
    "msg": "hi"
}
TASK [debug] *******************************************************************
ok: [localhost] => {
    "msg": "hi"
}
TASK [include_tasks] ***********************************************************
included: T for localhost => (item=x)
TASK [debug] *******************************************************************
ok: [localhost] => {
    "msg": "hi"
}
TASK [include_tasks] ***********************************************************
included: T for localhost => (item={'n': 'y', 'm': [1]})
TASK [debug] *******************************************************************
ok: [localhost] => {
    "msg": "hi"
}
PLAY RECAP *********************************************************************
localhost                  : ok=10   changed=0    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   
`
	if code != 0 || got != want {
		t.Errorf("exit %d, output:\n%s\nwant:\n%s", code, got, want)
	}
}
