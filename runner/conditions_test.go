package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
)

// runPlaybook runs dir/site.yml on localhost and returns the exit code and
// everything printed.
func runPlaybook(t *testing.T, dir string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := Run(context.Background(), &Options{
		Playbooks:  []string{filepath.Join(dir, "site.yml")},
		Inventory:  []string{"localhost,"},
		Connection: "local",
		ExtraVars:  []*value.Map{value.MapOf("dir", dir)},
		Stdout:     &out,
		Stderr:     &out,
	})
	return code, out.String()
}

// ansibleCondSyntax is how ansible-core 2.14.18 begins the message of a
// condition that does not parse (`when: x ==`); fjord's holds it after the
// place, task and host.
const ansibleCondSyntax = "The conditional check 'x ==' failed. The error was: template error while templating string: "

// A condition that does not parse is a load error naming the keyword's
// file:line:col, the task and the condition, before any host is touched:
// the first task, which would write a file, never runs.
func TestCondSyntaxIsALoadError(t *testing.T) {
	const touch = "- name: touch\n  copy: {content: x, dest: \"{{ dir }}/touched\"}\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string // after "ERROR! <dir>/"
	}{
		{"task when", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n" +
			"    - name: touch\n      copy: {content: x, dest: \"{{ dir }}/touched\"}\n" +
			"    - name: bad when\n      debug: msg=x\n      when: x ==\n"},
			`site.yml:8:7: task "bad when": ` + ansibleCondSyntax},
		{"template in when", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n" +
			"    - name: bad template\n      debug: msg=x\n      when: \"{{ a }\"\n"},
			`site.yml:6:7: task "bad template": The conditional check '{{ a }' failed. The error was: template error while templating string: '}}' expected here`},
		{"second of a list", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n" +
			"    - name: listed\n      debug: msg=x\n      when:\n        - x == 1\n        - x ==\n"},
			`site.yml:6:7: task "listed": ` + ansibleCondSyntax},
		{"unnamed task", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n" +
			"    - debug: msg=x\n      when: x ==\n"},
			`site.yml:5:7: task "debug": ` + ansibleCondSyntax},
		{"block when", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n" +
			"    - name: blk\n      when: x ==\n      block:\n        - debug: msg=x\n"},
			`site.yml:5:7: task "blk": ` + ansibleCondSyntax},
		{"failed_when", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n" +
			"    - name: fw\n      debug: msg=x\n      failed_when: x ==\n"},
			`site.yml:6:7: task "fw": ` + ansibleCondSyntax},
		{"changed_when", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n" +
			"    - name: cw\n      debug: msg=x\n      changed_when: x ==\n"},
			`site.yml:6:7: task "cw": ` + ansibleCondSyntax},
		{"until", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n" +
			"    - name: u\n      debug: msg=x\n      until: x ==\n"},
			`site.yml:6:7: task "u": ` + ansibleCondSyntax},
		{"handler", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks: []\n  handlers:\n" +
			"    - name: h\n      debug: msg=x\n      when: x ==\n"},
			`site.yml:7:7: task "h": ` + ansibleCondSyntax},
		{"role task", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  roles: [r]\n",
			"roles/r/tasks/main.yml": "- name: in role\n  debug: msg=x\n  when: x ==\n"},
			`roles/r/tasks/main.yml:3:3: task "in role": ` + ansibleCondSyntax},
		{"imported tasks", map[string]string{"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n" + "    - import_tasks: more.yml\n",
			"more.yml": touch + "- name: imported\n  debug: msg=x\n  when: x ==\n"},
			`more.yml:5:3: task "imported": ` + ansibleCondSyntax},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			code, out := runPlaybook(t, dir)
			want := "ERROR! " + filepath.Join(dir, c.want)
			if code != ExitParseError || !strings.HasPrefix(out, want) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and output starting\n%s", code, out, ExitParseError, want)
			}
			if _, err := os.Stat(filepath.Join(dir, "touched")); err == nil {
				t.Error("a host was touched before the load error")
			}
		})
	}
}

// Errors met running a task read "file:line:col: task "name": on host:
// cause": the place is the condition's keyword, the line of the template
// file, or the task for its inline templates. The causes hold what
// ansible-core 2.14.18 says (checked against it by
// tests/differential/cases/074-error-messages).
func TestRunErrorsArePlaced(t *testing.T) {
	site := `- hosts: all
  gather_facts: false
  vars:
    foo: {}
    bad: "x =="
  tasks:
    - name: undefined in when
      debug: msg=x
      when: nope == 1
      register: r
      ignore_errors: true
    - copy: {content: "{{ r.msg }}", dest: "{{ dir }}/out/when-undefined"}
    - name: syntax known at run time
      debug: msg=x
      when: "{{ bad }}"
      register: r
      ignore_errors: true
    - name: failing failed_when
      debug: msg=x
      failed_when: 1 / 0
      register: r
      ignore_errors: true
    - copy: {content: "{{ r.failed_when_result }}", dest: "{{ dir }}/out/failed-when"}
    - name: inline division
      debug:
        msg: "{{ 1 / 0 }}"
      register: r
      ignore_errors: true
    - copy: {content: "{{ r.msg }}", dest: "{{ dir }}/out/inline-div"}
    - name: inline undefined
      debug:
        msg: "{{ foo.bar.baz }}"
      register: r
      ignore_errors: true
    - copy: {content: "{{ r.msg }}", dest: "{{ dir }}/out/inline-undefined"}
    - name: render
      template: {src: "{{ item }}.j2", dest: "{{ dir }}/{{ item }}.txt"}
      loop: [div, attr, undef, parse]
      register: r
      ignore_errors: true
    - copy: {content: "{{ item.msg }}", dest: "{{ dir }}/out/template-{{ item.item }}"}
      loop: "{{ r.results }}"
`
	dir := writeFiles(t, map[string]string{
		"site.yml":           site,
		"out/.keep":          "",
		"templates/div.j2":   "line one\n{{ 1 / 0 }}\n",
		"templates/attr.j2":  "a\nb\n  {{ foo.bar.baz }}\n",
		"templates/undef.j2": "{% if true %}\n{{ nope }}{% endif %}\n",
		"templates/parse.j2": "x\n{% if %}\n",
	})
	code, out := runPlaybook(t, dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	pb, tpl := filepath.Join(dir, "site.yml"), filepath.Join(dir, "templates")
	// This message holds "{{ bad }}", which fjord would template again if
	// read back from the registered result (Ansible would not): read it
	// from the output, where it is JSON.
	want := pb + `:15:7: task \"syntax known at run time\": on localhost: The conditional check '{{ bad }}' failed. The error was: template error while templating string: `
	if !strings.Contains(out, want) {
		t.Errorf("output:\n%s\nwant it to hold\n%s", out, want)
	}
	for _, c := range []struct{ file, want string }{
		{"when-undefined", pb + `:9:7: task "undefined in when": on localhost: The conditional check 'nope == 1' failed. The error was: error while evaluating conditional (nope == 1): 'nope' is undefined`},
		{"failed-when", `The conditional check '1 / 0' failed. The error was: division by zero`}, // ansible keeps it in failed_when_result
		{"inline-div", pb + `:24:7: task "inline division": on localhost: division by zero`},
		{"inline-undefined", `The task includes an option with an undefined variable. The error was: 'dict object' has no attribute 'bar'` + "\n\nThe error appears to be in '" + pb + "': line 30, column 7"},
		{"template-div", tpl + `/div.j2:2:6: task "render": on localhost: division by zero`},
		{"template-attr", tpl + `/attr.j2:3:3: task "render": on localhost: 'dict object' has no attribute 'bar'`},
		{"template-undef", tpl + `/undef.j2:2:1: task "render": on localhost: 'nope' is undefined`},
		{"template-parse", tpl + `/parse.j2:2:1: task "render": on localhost: template error while templating string: Unable to parse controlStructure "if"`},
	} {
		b, err := os.ReadFile(filepath.Join(dir, "out", c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if !strings.HasPrefix(string(b), c.want) {
			t.Errorf("%s:\n got %s\nwant %s...", c.file, b, c.want)
		}
	}
}
