package runner_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/runner"
)

// Run a playbook from Go: what `fjord playbook -i localhost, -c local
// site.yml` does, with the output of ansible-playbook's default callback.
func Example() {
	dir, err := os.MkdirTemp("", "fjord-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	site := filepath.Join(dir, "site.yml")
	err = os.WriteFile(site, []byte(`- name: greet
  hosts: all
  gather_facts: false
  vars:
    who: world
  tasks:
    - name: say hello
      debug:
        msg: "hello, {{ who }}, from {{ inventory_hostname }}"
`), 0o644)
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	code := runner.Run(context.Background(), &runner.Options{
		Playbooks:  []string{site},
		Inventory:  []string{"localhost,"},
		Connection: "local",
		Stdout:     &out,
		Stderr:     os.Stderr,
	})
	// The recap ends in spaces, as ansible-playbook's; an example's
	// output cannot show them.
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		fmt.Println(strings.TrimRight(line, " "))
	}
	fmt.Println("exit code", code)
	// Output:
	// PLAY [greet] *******************************************************************
	//
	// TASK [say hello] ***************************************************************
	// ok: [localhost] => {
	//     "msg": "hello, world, from localhost"
	// }
	//
	// PLAY RECAP *********************************************************************
	// localhost                  : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
	// exit code 0
}
