package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// debug var= of an undefined variable prints "VARIABLE IS NOT DEFINED!",
// and under -v ansible's message after it, doubled as ansible-core
// 2.14.18 prints it (the lines below are its output).
func TestDebugUndefinedVerbose(t *testing.T) {
	dir := t.TempDir()
	book := `- hosts: all
  gather_facts: false
  vars:
    d: {a: 1}
    l: [1]
  tasks:
    - debug: var=nosuch
    - debug: var=d.b
    - debug: var=d.a.b
    - debug: var=l[3]
    - debug: var=nosuch.x
`
	if err := os.WriteFile(filepath.Join(dir, "site.yml"), []byte(book), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`"nosuch": "VARIABLE IS NOT DEFINED!: 'nosuch' is undefined. 'nosuch' is undefined"`,
		`"d.b": "VARIABLE IS NOT DEFINED!: 'dict object' has no attribute 'b'. 'dict object' has no attribute 'b'"`,
		`"d.a.b": "VARIABLE IS NOT DEFINED!: 'int object' has no attribute 'b'. 'int object' has no attribute 'b'"`,
		`"l[3]": "VARIABLE IS NOT DEFINED!: list object has no element 3. list object has no element 3"`,
		`"nosuch.x": "VARIABLE IS NOT DEFINED!: 'nosuch' is undefined. 'nosuch' is undefined"`,
	}
	for _, verbosity := range []int{0, 1} {
		var out bytes.Buffer
		code := Run(context.Background(), &Options{Playbooks: []string{filepath.Join(dir, "site.yml")},
			Inventory: []string{"localhost,"}, Connection: "local", Verbosity: verbosity, Stdout: &out, Stderr: &out})
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, out.String())
		}
		for _, w := range want {
			if verbosity == 0 {
				w = w[:strings.Index(w, "!")+1] + `"`
			}
			if !strings.Contains(out.String(), "    "+w+"\n") {
				t.Errorf("-v=%d: no line %s in\n%s", verbosity, w, out.String())
			}
		}
	}
}
