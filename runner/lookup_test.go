package runner

import (
	"path/filepath"
	"strings"
	"testing"
)

// A variable that does not resolve (a recursive one, one whose template
// fails) fails the task with its own error, wherever the task read it (an
// argument, a template file, debug's var, vars[...]), and reads as
// undefined to default(); a failure leaves nothing behind for the next
// task of the same host.
func TestUnresolvedVariables(t *testing.T) {
	site := `- hosts: all
  gather_facts: false
  vars:
    rec: "{{ rec }}"
    a: "{{ b }}"
    b: "{{ nope.x }}"
    c: "{{ 1 / 0 }}"
  tasks:
    - debug: msg="{{ rec }}"
      ignore_errors: true
    - debug: msg="{{ a }}"
      ignore_errors: true
    - debug: msg="{{ c | default('dflt') }}"
    - debug: var=c
      ignore_errors: true
    - debug: msg="{{ vars['a'] }}"
      ignore_errors: true
    - template: {src: t.j2, dest: "{{ dir }}/out"}
      ignore_errors: true
    - debug: msg="{{ missing }}"
      ignore_errors: true
`
	dir := writeFiles(t, map[string]string{"site.yml": site, "templates/t.j2": "line\n{{ a }}\n"})
	code, out := runPlaybook(t, dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	// ansible's text alone, which places the error itself
	undef := func(line, msg string) string {
		return `"msg": "The task includes an option with an undefined variable. The error was: ` + msg + `\n\nThe error appears to be in '` +
			filepath.Join(dir, "site.yml") + `': line ` + line + `, column 7"`
	}
	// as ansible's: the variables' templates that met the undefined, outermost first
	const nope = `{{ b }}: {{ nope.x }}: 'nope' is undefined`
	for _, want := range []string{
		`:9:7: task \"debug\": on localhost: recursive loop detected in template string: rec"`,
		undef("11", nope),
		`"msg": "dflt"`,
		`"msg": "division by zero"`,
		undef("16", nope),
		`"msg": "The task includes an option with an undefined variable. The error was: ` + nope,
		undef("20", "'missing' is undefined"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s\n%s", want, out)
		}
	}
}
