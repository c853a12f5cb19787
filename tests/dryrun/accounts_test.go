package dryrun_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/internal/testgate"
	"github.com/fjord-run/fjord/lab/labtest"
)

// accountsSite's tasks depend on an account and a group the run would
// create: under ansible-playbook --check the user task fails ("Group
// ... does not exist"), and so would everything after it. fjord predicts
// the group, the account (its primary group, groups, home, shell), the
// home useradd makes, the authorized_keys file, the cron file and the
// sysctl file each task would write. The user crontab task needs
// crontab(1): where it is missing, the check run must fail it as the
// real run does, hence ignore_errors.
const accountsSite = `- hosts: all
  gather_facts: false
  tasks:
    - name: group
      group: {name: "{{ g }}"}
    - name: user in the group
      user: {name: "{{ u }}", group: "{{ g }}", shell: /bin/sh}
    - name: the same user again
      user: {name: "{{ u }}", group: "{{ g }}", shell: /bin/sh}
    - name: its groups
      user: {name: "{{ u }}", groups: ["{{ g }}"], append: true}
    - name: its .ssh
      file: {path: "/home/{{ u }}/.ssh", state: directory, owner: "{{ u }}", mode: "0700"}
    - name: a key
      authorized_key: {user: "{{ u }}", key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0i8FHmXx2hz4f8g5QiG0BtL3h5eFjzG0z1tM7n8g8p t@x"}
    - name: a file of its own
      copy: {dest: "/home/{{ u }}/hello", content: "hi\n", owner: "{{ u }}", group: "{{ g }}"}
    - name: cron job one
      cron: {name: job1, minute: "5", job: /bin/true, cron_file: "{{ out }}/cron-{{ u }}", user: root}
    - name: cron job two
      cron: {name: job2, minute: "6", job: /bin/false, cron_file: "{{ out }}/cron-{{ u }}", user: root}
    - name: the user's crontab
      cron: {name: ujob, minute: "7", job: /bin/true, user: "{{ u }}"}
      ignore_errors: true
    - name: sysctl one
      sysctl: {name: vm.swappiness, value: "33", sysctl_file: "{{ out }}/sysctl.conf", reload: false}
    - name: sysctl two
      sysctl: {name: vm.dirty_ratio, value: "21", sysctl_file: "{{ out }}/sysctl.conf", reload: false}
`

// taskOutcomes is the json callback's document reduced to each task's
// outcome on the one host: C changed, F failed, . neither.
func taskOutcomes(t *testing.T, doc string) (names []string, outcomes string) {
	t.Helper()
	var r struct {
		Plays []struct {
			Tasks []struct {
				Task  struct{ Name string }
				Hosts map[string]struct{ Changed, Failed bool }
			}
		}
	}
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		t.Fatalf("json: %v\n%s", err, doc)
	}
	var b strings.Builder
	for _, p := range r.Plays {
		for _, task := range p.Tasks {
			for _, h := range task.Hosts {
				names = append(names, task.Task.Name)
				switch {
				case h.Failed:
					b.WriteByte('F')
				case h.Changed:
					b.WriteByte('C')
				default:
					b.WriteByte('.')
				}
			}
		}
	}
	return names, b.String()
}

// TestCheckPredictsAccounts runs accountsSite with --check, then for
// real, twice: each time the tasks the check run reports changed (and
// failed) are those the real run does.
func TestCheckPredictsAccounts(t *testing.T) {
	if os.Geteuid() != 0 {
		testgate.Unavailable(t, "creating an account needs root")
	}
	for _, tool := range []string{"useradd", "userdel", "groupdel"} {
		testgate.Tool(t, tool, "apt-get install -y passwd")
	}
	bin := labtest.Fjord(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	u := fmt.Sprintf("fjdr%d", os.Getpid()%100000)
	g := u + "g"
	cleanup := func() {
		// (a crontab outlives userdel on Debian)
		exec.Command("crontab", "-r", "-u", u).Run()
		exec.Command("userdel", "-r", u).Run()
		exec.Command("groupdel", g).Run()
	}
	cleanup()
	t.Cleanup(cleanup)
	for name, body := range map[string]string{
		"site.yml":  accountsSite,
		"inventory": "h1 ansible_connection=local\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := []string{"-e", "u=" + u, "-e", "g=" + g, "-e", "out=" + out}

	text, code := run(t, bin, dir, nil, append([]string{"--check", "--diff"}, vars...)...)
	if code != 0 {
		t.Fatalf("check run: exit %d\n%s", code, text)
	}
	if err := exec.Command("id", u).Run(); err == nil {
		t.Fatalf("the check run created %s", u)
	}
	if left, _ := os.ReadDir(out); len(left) != 0 {
		t.Fatalf("the check run wrote %v", left)
	}
	for _, want := range []string{
		// the second cron and sysctl tasks diff against the first's
		// prediction
		" #Ansible: job1\n 5 * * * * root /bin/true\n+#Ansible: job2\n",
		" vm.swappiness=33\n+vm.dirty_ratio=21\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the check run's diff lacks %q:\n%s", want, text)
		}
	}

	js := []string{"ANSIBLE_STDOUT_CALLBACK=json"}
	// the fresh host, then the host the first real run left, where
	// only the user crontab task (when crontab is missing) is not ok
	for round, want := range []string{"CC.CCCCCC?CC", ".........?.."} {
		checkJSON, _ := run(t, bin, dir, js, append([]string{"--check"}, vars...)...)
		names, check := taskOutcomes(t, checkJSON)
		realJSON, _ := run(t, bin, dir, js, vars...)
		_, real := taskOutcomes(t, realJSON)
		t.Logf("round %d: check %s, real %s (%s)", round+1, check, real, strings.Join(names, ", "))
		if check != real {
			for i := range names {
				if i < len(check) && i < len(real) && check[i] != real[i] {
					t.Errorf("round %d: task %q: check run %c, real run %c", round+1, names[i], check[i], real[i])
				}
			}
			if len(check) != len(real) {
				t.Errorf("round %d: check run %s, real run %s", round+1, check, real)
			}
		}
		if len(real) != len(want) {
			t.Fatalf("round %d: real run %s, want %s\n%s", round+1, real, want, realJSON)
		}
		for i := range want {
			if want[i] != '?' && real[i] != want[i] {
				t.Errorf("round %d: task %q in the real run: %c, want %c", round+1, names[i], real[i], want[i])
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(out, "cron-"+u)); err != nil || string(b) != "#Ansible: job1\n5 * * * * root /bin/true\n#Ansible: job2\n6 * * * * root /bin/false\n" {
		t.Errorf("the cron file: %q (%v)", b, err)
	}
}
