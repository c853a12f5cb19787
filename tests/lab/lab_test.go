// Package labtest boots real lab hosts with `fjord lab` and checks them
// with OpenSSH, with fjord playbooks and with fault injection. It needs
// root, systemd-nspawn and debootstrap (or a cached tree); without them
// it skips, unless FJORD_TEST_REQUIRE=1 makes that a failure.
package labtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"
)

// mustRun runs a command that has to succeed.
func mustRun(t *testing.T, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	out, code := labtest.Run(t, timeout, name, args...)
	if code != 0 {
		t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), code, out)
	}
	return out
}

// leftovers lists what a lab left behind: mounts under its directory,
// its bridge or veths, live recorded processes.
func leftovers(st *lab.State) []string {
	var out []string
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(mi), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], st.Dir()+"/") {
			out = append(out, "mount "+f[4])
		}
	}
	links := []string{st.Bridge}
	for _, h := range st.Hosts {
		links = append(links, "vb-"+h.Machine)
		for _, p := range []lab.Proc{h.Nspawn, h.Init} {
			if p.Alive() {
				out = append(out, fmt.Sprintf("process %d of %s", p.PID, h.Name))
			}
		}
	}
	for _, l := range links {
		if _, err := os.Stat("/sys/class/net/" + l); err == nil {
			out = append(out, "link "+l)
		}
	}
	if _, err := os.Stat(st.Dir()); err == nil {
		out = append(out, "directory "+st.Dir())
	}
	return out
}

const labName = "itest"

// TestLab brings up two hosts and checks them with ssh(1), a fjord
// playbook, partition/heal, kill/start and stop, then that down leaves
// nothing behind.
func TestLab(t *testing.T) {
	labtest.Require(t, "ssh")
	bin := labtest.Fjord(t)
	m := &lab.Manager{}
	if _, err := m.Open(labName); err == nil {
		t.Logf("removing lab %s left by an earlier run", labName)
		mustRun(t, time.Minute, bin, "lab", "down", "--name", labName)
	}

	start := time.Now()
	out := mustRun(t, 10*time.Minute, bin, "lab", "up", "--name", labName, "--hosts", "n1,n2")
	t.Logf("fjord lab up (%s):\n%s", time.Since(start).Round(time.Millisecond), out)
	st, err := m.Open(labName)
	if err != nil {
		t.Fatal(err)
	}
	downed := false
	defer func() {
		if !downed {
			labtest.Run(t, time.Minute, bin, "lab", "down", "--name", labName)
		}
	}()
	ssh := func(host string, args ...string) (string, int) {
		return labtest.Run(t, 30*time.Second, "ssh", append([]string{"-F", st.SSHConfig, "-o", "ConnectTimeout=3", "-o", "BatchMode=yes", host}, args...)...)
	}

	t.Run("ssh", func(t *testing.T) {
		for _, h := range []string{"n1", "n2"} {
			out, code := ssh(h, "hostname; ps -o comm= -p 1")
			if code != 0 || strings.Fields(out)[0] != h || !strings.Contains(out, "systemd") {
				t.Fatalf("ssh %s: exit %d, want its hostname and systemd as PID 1: %q", h, code, out)
			}
		}
		// Hosts reach each other by name over the bridge.
		if out, code := ssh("n1", "timeout 3 bash -c '</dev/tcp/n2/22'"); code != 0 {
			t.Fatalf("n1 cannot reach n2:22: exit %d %s", code, out)
		}
		// Each host has its own host key, checked through known_hosts.
		b, _ := os.ReadFile(st.KnownHosts)
		if n := strings.Count(string(b), "ssh-ed25519"); n != 2 {
			t.Fatalf("known_hosts has %d keys, want 2:\n%s", n, b)
		}
		out = mustRun(t, 30*time.Second, bin, "lab", "ssh", "--name", labName, "n2", "--", "cat", "/etc/hostname")
		if strings.TrimSpace(out) != "n2" {
			t.Fatalf("fjord lab ssh n2 cat /etc/hostname: %q", out)
		}
	})

	t.Run("playbook", func(t *testing.T) {
		if _, err := os.Stat(filepath.Join("..", "..", "connection", "ssh")); err != nil {
			t.Skip("no connection/ssh yet")
		}
		dir := t.TempDir()
		pb := filepath.Join(dir, "site.yml")
		if err := os.WriteFile(pb, []byte(`- hosts: lab
  gather_facts: false
  tasks:
    - copy:
        dest: /etc/fjord-test
        content: "{{ inventory_hostname }} at {{ ansible_host }}\n"
    - command: cat /etc/fjord-test
      register: r
      changed_when: false
    - assert:
        that: r.stdout == inventory_hostname ~ " at " ~ ansible_host
`), 0o644); err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"changed=1", "changed=0"} {
			out := mustRun(t, 2*time.Minute, bin, "playbook", "-i", st.Inventory, pb)
			for _, h := range []string{"n1", "n2"} {
				if !regexpRecap(out, h, want) {
					t.Fatalf("run %d: want %s %s in the recap:\n%s", i+1, h, want, out)
				}
			}
		}
	})

	// The lab's hosts have no Python: a module fjord runs from its
	// Python code fails there, naming itself and the missing
	// interpreter, and native modules in the same play keep working.
	t.Run("no-python", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "library"), 0o755); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{
			"library/probe.py": "#!/usr/bin/python\nfrom ansible.module_utils.basic import AnsibleModule\nAnsibleModule(argument_spec={}).exit_json(changed=False)\n",
			"site.yml": `- hosts: lab
  gather_facts: false
  tasks:
    - probe:
      ignore_errors: true
      register: p
    - stat:
        path: /etc/hostname
      register: s
    - assert:
        that:
          - p is failed
          - s.stat.exists
`,
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out, code := labtest.Run(t, 2*time.Minute, bin, "playbook", "-i", st.Inventory, filepath.Join(dir, "site.yml"))
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		for _, h := range []string{"n1", "n2"} {
			if !strings.Contains(out, "ansible.legacy.probe is a Python module and host "+h+" has no Python interpreter") {
				t.Errorf("no message that %s has no Python for the module:\n%s", h, out)
			}
			if !regexpRecap(out, h, "ignored=1") {
				t.Errorf("want %s ignored=1 in the recap:\n%s", h, out)
			}
		}
	})

	t.Run("partition", func(t *testing.T) {
		mustRun(t, 30*time.Second, bin, "lab", "partition", "--name", labName, "n2")
		if _, code := ssh("n2", "true"); code == 0 {
			t.Fatal("ssh to a partitioned host succeeded")
		}
		if _, code := ssh("n1", "timeout 2 bash -c '</dev/tcp/n2/22'"); code == 0 {
			t.Fatal("n1 reached partitioned n2")
		}
		out := mustRun(t, 30*time.Second, bin, "lab", "status", "--name", labName)
		if !strings.Contains(out, "partitioned") {
			t.Fatalf("status does not say partitioned:\n%s", out)
		}
		mustRun(t, 30*time.Second, bin, "lab", "heal", "--name", labName, "n2")
		if out, code := ssh("n2", "true"); code != 0 {
			t.Fatalf("ssh after heal: exit %d %s", code, out)
		}
	})

	t.Run("kill", func(t *testing.T) {
		if out, code := ssh("n2", "echo kept > /root/disk"); code != 0 {
			t.Fatalf("write: %d %s", code, out)
		}
		before, _ := m.Open(labName)
		h, _ := before.Host("n2")
		t0 := time.Now()
		mustRun(t, 30*time.Second, bin, "lab", "kill", "--name", labName, "n2")
		t.Logf("kill took %s", time.Since(t0).Round(time.Millisecond))
		if h.Init.Alive() || h.Nspawn.Alive() {
			t.Fatal("n2's processes outlived kill")
		}
		if _, code := ssh("n2", "true"); code == 0 {
			t.Fatal("ssh to a killed host succeeded")
		}
		if out, code := ssh("n1", "true"); code != 0 {
			t.Fatalf("n1 hurt by killing n2: %d %s", code, out)
		}
		t0 = time.Now()
		mustRun(t, time.Minute, bin, "lab", "start", "--name", labName, "n2")
		t.Logf("start took %s", time.Since(t0).Round(time.Millisecond))
		if out, code := ssh("n2", "cat /root/disk"); code != 0 || strings.TrimSpace(out) != "kept" {
			t.Fatalf("after restart: exit %d %q, want the disk as it was", code, out)
		}
	})

	t.Run("stop", func(t *testing.T) {
		t0 := time.Now()
		mustRun(t, time.Minute, bin, "lab", "stop", "--name", labName, "n1")
		t.Logf("stop took %s", time.Since(t0).Round(time.Millisecond))
		out := mustRun(t, 30*time.Second, bin, "lab", "status", "--name", labName)
		if !regexpStatus(out, "n1", "stopped") {
			t.Fatalf("status after stop:\n%s", out)
		}
	})

	final, err := m.Open(labName)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	mustRun(t, time.Minute, bin, "lab", "down", "--name", labName)
	downed = true
	t.Logf("down took %s", time.Since(t0).Round(time.Millisecond))
	// Down leaves nothing, including processes recorded before the
	// restart of n2.
	final.Hosts = append(final.Hosts, st.Hosts...)
	if left := leftovers(final); len(left) > 0 {
		t.Fatalf("left behind after down: %s", strings.Join(left, "; "))
	}
}

// TestScenario runs `fjord test` on a scenario that passes and on one
// that is not idempotent.
func TestScenario(t *testing.T) {
	labtest.Require(t, "ssh")
	bin := labtest.Fjord(t)
	if _, err := os.Stat(filepath.Join("..", "..", "connection", "ssh")); err != nil {
		t.Skip("no connection/ssh yet")
	}
	for _, c := range []struct {
		dir     string
		code    int
		changed string
	}{
		{"testdata/idempotent", lab.TestPassed, ""},
		{"testdata/notidempotent", lab.TestFailed, "stamp the time"},
	} {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			report := filepath.Join(t.TempDir(), "report.json")
			out, code := labtest.Run(t, 5*time.Minute, bin, "test", "--report", report, c.dir)
			t.Logf("fjord test %s: exit %d\n%s", c.dir, code, out)
			if code != c.code {
				t.Fatalf("exit %d, want %d", code, c.code)
			}
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			var rep lab.Report
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			last := rep.Steps[len(rep.Steps)-1]
			if last.Name != "destroy" || last.Result != "passed" {
				t.Fatalf("last step %+v, want destroy passed", last)
			}
			if c.changed != "" {
				found := false
				for _, s := range rep.Steps {
					for _, ch := range s.Changed {
						found = found || (s.Name == "idempotence" && ch.Task == c.changed)
					}
				}
				if !found {
					t.Fatalf("report does not name %q as changed:\n%s", c.changed, b)
				}
			}
			if _, err := (&lab.Manager{}).Open(rep.Lab); err == nil {
				t.Fatalf("lab %s still up after fjord test", rep.Lab)
			}
		})
	}
}

func regexpRecap(out, host, want string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[0] == host && f[1] == ":" && strings.Contains(line, want+" ") {
			return true
		}
	}
	return false
}

func regexpStatus(out, host, want string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == host && f[2] == want {
			return true
		}
	}
	return false
}
