package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --step with the answers piped in: ansible-playbook 2.14 printed this
// for `printf 'y\nn\n' | ansible-playbook --step` (the question goes to
// stdout when it is not a terminal); the third question finds no answer
// and ends the run with exit code 2.
func TestStepPiped(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "step.yml")
	if err := os.WriteFile(pb, []byte(`- hosts: localhost
  gather_facts: false
  tasks:
    - name: one
      debug: msg=one
    - name: two {{ 1 + 1 }}
      debug: msg=two
    - debug: msg=three
`), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := os.CreateTemp(dir, "answers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.WriteString("y\nn\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out, errs bytes.Buffer
	code := Run(context.Background(), &Options{
		Playbooks: []string{pb}, Inventory: []string{"localhost,"}, Connection: "local",
		Step: true, Stdin: in, Stdout: &out, Stderr: &errs,
	})
	stars := func(n int) string { return strings.Repeat("*", n) }
	want := "\nPLAY [localhost] " + stars(63) + "\n" +
		"Perform task: TASK: one (N)o/(y)es/(c)ontinue: \n" +
		"Perform task: TASK: one (N)o/(y)es/(c)ontinue: " + stars(33) + "\n" +
		"\nTASK [one] " + stars(69) + "\n" +
		"ok: [localhost] => {\n    \"msg\": \"one\"\n}\n" +
		"Perform task: TASK: two {{ 1 + 1 }} (N)o/(y)es/(c)ontinue: \n" +
		"Perform task: TASK: two {{ 1 + 1 }} (N)o/(y)es/(c)ontinue: " + stars(21) + "\n" +
		"Perform task: TASK: debug (N)o/(y)es/(c)ontinue: \n" +
		"PLAY RECAP " + stars(69) + "\n" +
		"localhost                  : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n\n"
	if out.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", out.String(), want)
	}
	if code != ExitHostFailed {
		t.Errorf("exit %d, want %d (stderr %q)", code, ExitHostFailed, errs.String())
	}
}
