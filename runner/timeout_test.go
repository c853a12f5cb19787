package runner

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The timeout keyword fails the task on the host at the deadline, with
// ansible-core 2.14's result, and kills the command with every process it
// started; the host runs the next task. The keyword is templated, set on
// a task, a block or the play (the innermost wins, 0 turns it off), and
// a value int() refuses fails the task. On a main that ignored the
// keyword the sleeps ran on: the run is cut short at 30s and fails.
func TestTaskTimeout(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `- hosts: all
  gather_facts: false
  vars:
    t: 1
    bad_msg: "the field 'timeout' has an invalid value (nope), and could not be converted to an int.The error was: invalid literal for int() with base 10: 'nope'"
  tasks:
    - command: sh -c 'sleep 611.1 & sleep 611.2'
      timeout: "{{ t }}"
      register: r
      ignore_errors: true
    - shell: pgrep -f 'sleep 61[1][.]' || true
      register: left
    - command: "true"
      timeout: nope
      register: bad
      ignore_errors: true
    - command: "true"
      timeout: -1
    - assert:
        that:
          - r is failed
          - r.msg == "The command action failed to execute in the expected time frame (1) and was terminated"
          - r.changed == false
          - "'rc' not in r"
          - left.stdout == ""
          - bad.msg.startswith(bad_msg)

- hosts: all
  gather_facts: false
  timeout: 1
  tasks:
    - block:
        - name: the block's 0 beats the play's 1
          command: sleep 1.5
        - name: the task's 1 beats the block's 0
          shell: sleep 611.3
          timeout: 1
          register: inner
          ignore_errors: true
      timeout: 0
    - name: the play's
      shell: sleep 611.4
      register: outer
      ignore_errors: true
    - assert:
        that:
          - inner.msg == "The shell action failed to execute in the expected time frame (1) and was terminated"
          - outer.msg == "The shell action failed to execute in the expected time frame (1) and was terminated"
`,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	start := time.Now()
	code := Run(ctx, &Options{
		Playbooks:  []string{filepath.Join(dir, "site.yml")},
		Inventory:  []string{"localhost,"},
		Connection: "local",
		Stdout:     &out,
		Stderr:     &out,
	})
	took := time.Since(start)
	left, _ := exec.Command("pgrep", "-f", "sleep 61[1][.]").Output()
	if len(left) > 0 {
		// Only this test's own sleeps match.
		exec.Command("sh", "-c", "kill -KILL "+strings.Join(strings.Fields(string(left)), " ")).Run()
	}
	if code != 0 || len(left) > 0 || took > 20*time.Second {
		t.Errorf("exit %d after %v, processes left: %q\n%s", code, took, left, out.String())
	}
	if !strings.Contains(out.String(), "localhost                  : ok=9    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=4") {
		t.Errorf("recap:\n%s", out.String())
	}
}

func TestPyInt(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want int
		err  string
	}{
		{3, 3, ""},
		{" 7\n", 7, ""},
		{"-2", -2, ""},
		{2.9, 2, ""},
		{true, 1, ""},
		{"1.5", 0, "invalid literal for int() with base 10: '1.5'"},
		{"", 0, "invalid literal for int() with base 10: ''"},
		{[]any{1}, 0, "int() argument must be a string, a bytes-like object or a real number, not 'list'"},
		{nil, 0, "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"},
	} {
		got, err := pyInt(tc.in)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if got != tc.want || msg != tc.err {
			t.Errorf("pyInt(%#v) = %d, %q; want %d, %q", tc.in, got, msg, tc.want, tc.err)
		}
	}
}
