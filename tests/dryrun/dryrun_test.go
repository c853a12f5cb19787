// Package dryrun_test runs check runs of fjord on local hosts and
// compares what they predict with what the real run then does.
package dryrun_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/lab/labtest"
)

// The playbook's later tasks depend on what earlier ones would do: a
// directory, a file written into it, an edit of that file, a stat of it,
// a command its creates: makes unnecessary, a command that would run and
// a task that uses its result. Under ansible-playbook --check the edit
// fails (the file is not there); fjord predicts each.
const site = `- hosts: all
  gather_facts: false
  vars:
    d: "{{ out }}/{{ inventory_hostname }}"
  tasks:
    - name: make the directory
      file: {path: "{{ d }}/conf.d", state: directory, mode: "0750"}
    - name: write a file into it
      copy: {dest: "{{ d }}/conf.d/app.conf", content: "a=1\nb=2\n"}
    - name: edit that file
      lineinfile: {path: "{{ d }}/conf.d/app.conf", regexp: "^b=", line: "b=3"}
    - name: edit it again to what it would be
      lineinfile: {path: "{{ d }}/conf.d/app.conf", line: "b=3"}
    - name: stat it
      stat: {path: "{{ d }}/conf.d/app.conf"}
      register: st
    - name: the file is there
      assert: {that: [st.stat.exists, not st.stat.isdir]}
    - name: a command the file makes unnecessary
      command: "cat {{ d }}/conf.d/app.conf"
      args: {creates: "{{ d }}/conf.d/app.conf"}
    - name: a link to it
      file: {src: "{{ d }}/conf.d/app.conf", dest: "{{ d }}/app.conf", state: link}
    - name: a command that would run
      shell: "echo hi > {{ d }}/hi"
      register: hi
      environment: {GREETING: hi}
    - name: uses the command's result
      copy: {dest: "{{ d }}/said", content: "{{ hi.cmd }}\n"}
      when: hi is changed
    - name: remove the file that would be written
      file: {path: "{{ d }}/gone", state: absent}
`

func setup(t *testing.T) (bin, dir, out string) {
	bin = labtest.Fjord(t)
	dir = t.TempDir()
	out = filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"site.yml":  site,
		"inventory": "h1 ansible_connection=local\nh2 ansible_connection=local\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return bin, dir, out
}

func run(t *testing.T, bin, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"playbook", "-i", "inventory", "site.yml"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"ANSIBLE_NOCOLOR=1", "HOME=" + dir}, env...)...)
	b, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(b), code
}

// jsonRun is the part of the json callback's document the test reads.
type jsonRun struct {
	Plays []struct {
		Tasks []struct {
			Task  struct{ Name string }
			Hosts map[string]struct {
				Changed bool
				Skipped bool
			}
		}
	}
	DryRun map[string][]struct{ Kind, Task, Text string } `json:"dry_run"`
}

func TestCheckPredictsRealRun(t *testing.T) {
	bin, dir, out := setup(t)

	text, code := run(t, bin, dir, nil, "--check", "--diff", "-e", "out="+out)
	if code != 0 {
		t.Fatalf("check run: exit %d\n%s", code, text)
	}
	if left, _ := os.ReadDir(out); len(left) != 0 {
		t.Fatalf("the check run wrote %v", left)
	}
	for _, want := range []string{
		"DRY RUN SUMMARY",
		"h1: 5 tasks would change, 1 command would run, 0 results predicted from earlier tasks, 1 task with an unknown outcome",
		"  would run: echo hi > " + out + "/h1/hi  [a command that would run]",
		"  would run, outcome unknown: uses the command's result (uses hi)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the check run's output lacks %q:\n%s", want, text)
		}
	}
	plain, _ := run(t, bin, dir, nil, "--check", "-e", "out="+out)
	if strings.Contains(plain, "DRY RUN SUMMARY") || strings.Contains(plain, "would_run") {
		t.Errorf("a plain --check shows the dry run's summary:\n%s", plain)
	}

	// The same check run's json, then the real run's: the tasks the
	// check run says would change or run are those the real run
	// changes, but for those it marks as unknown. Twice: on the fresh
	// hosts, then on the hosts the first real run left (where the copy
	// and the edit undo each other again).
	for round := 1; round <= 2; round++ {
		predictAndRun(t, bin, dir, out, round)
	}
	if b, err := os.ReadFile(filepath.Join(out, "h1", "conf.d", "app.conf")); err != nil || string(b) != "a=1\nb=3\n" {
		t.Errorf("after the real runs app.conf is %q (%v)", b, err)
	}
}

func predictAndRun(t *testing.T, bin, dir, out string, round int) {
	js := []string{"ANSIBLE_STDOUT_CALLBACK=json"}
	checkJSON, _ := run(t, bin, dir, js, "--check", "-e", "out="+out)
	var check jsonRun
	if err := json.Unmarshal([]byte(checkJSON), &check); err != nil {
		t.Fatalf("round %d: check run's json: %v\n%s", round, err, checkJSON)
	}
	predicted, unknown := map[string][]string{}, map[string]map[string]bool{}
	for host, notes := range check.DryRun {
		unknown[host] = map[string]bool{}
		for _, n := range notes {
			switch n.Kind {
			case "change":
				predicted[host] = append(predicted[host], n.Task)
			case "unknown":
				unknown[host][n.Task] = true
			}
		}
	}
	realJSON, code := run(t, bin, dir, js, "-e", "out="+out)
	if code != 0 {
		t.Fatalf("round %d: real run: exit %d\n%s", round, code, realJSON)
	}
	var real jsonRun
	if err := json.Unmarshal([]byte(realJSON), &real); err != nil {
		t.Fatalf("round %d: real run's json: %v\n%s", round, err, realJSON)
	}
	changed := map[string][]string{}
	for _, p := range real.Plays {
		for _, task := range p.Tasks {
			for host, r := range task.Hosts {
				if r.Changed && !unknown[host][task.Task.Name] {
					changed[host] = append(changed[host], task.Task.Name)
				}
			}
		}
	}
	for _, h := range []string{"h1", "h2"} {
		sort.Strings(predicted[h])
		sort.Strings(changed[h])
		if strings.Join(predicted[h], "\n") != strings.Join(changed[h], "\n") {
			t.Errorf("round %d, %s: the check run predicted changes in\n  %q\nthe real run changed (besides tasks marked unknown)\n  %q",
				round, h, predicted[h], changed[h])
		}
		if !unknown[h]["uses the command's result"] {
			t.Errorf("round %d, %s: the task using the command's result is not marked unknown: %v", round, h, check.DryRun[h])
		}
	}
}
