// Package iosched_test proves the sysctl_iosched module on real kernel
// block devices: loop devices attached for the test, whose queues offer
// the kernel's schedulers (none, mq-deadline, kyber), set through a
// playbook that fjord runs on localhost. The tests built on fake sysfs
// trees (modules/sysctl_iosched*_test.go) cannot show what the kernel
// does, such as resetting nr_requests when the scheduler changes. Needs
// root and losetup; skipped without them unless FJORD_TEST_REQUIRE=1.
package iosched_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/internal/testgate"
	"github.com/fjord-run/fjord/lab/labtest"
)

// queue is a device's queue attributes as sysfs shows them.
type queue struct{ scheduler, readAhead, nrRequests string }

func (q queue) String() string {
	return fmt.Sprintf("scheduler=%q read_ahead_kb=%s nr_requests=%s", q.scheduler, q.readAhead, q.nrRequests)
}

func readQueue(t *testing.T, dev string) queue {
	t.Helper()
	get := func(a string) string {
		b, err := os.ReadFile(filepath.Join("/sys/block", dev, "queue", a))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	return queue{get("scheduler"), get("read_ahead_kb"), get("nr_requests")}
}

// attach backs a loop device with a file in the test's directory and
// detaches it when the test ends, however it ends.
func attach(t *testing.T, losetup string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "disk-*.img")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(32 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(losetup, "-f", "--show", f.Name()).CombinedOutput()
	if err != nil {
		testgate.Unavailable(t, "losetup -f --show: %v: %s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command(losetup, "-d", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", dev, err, out)
		}
	})
	return strings.TrimPrefix(dev, "/dev/")
}

// resetQueue puts the kernel's defaults for a loop device back: no
// scheduler (which resets nr_requests) and 128 KiB read-ahead.
func resetQueue(t *testing.T, dev string) {
	t.Helper()
	for _, a := range [][2]string{{"scheduler", "none"}, {"read_ahead_kb", "128"}} {
		if err := os.WriteFile(filepath.Join("/sys/block", dev, "queue", a[0]), []byte(a[1]), 0); err != nil {
			t.Error(err)
		}
	}
}

var recapRe = regexp.MustCompile(`(?m)^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)

// run runs the playbook with fjord and returns its output and the
// recap's changed count; a failed run fails the test.
func run(t *testing.T, bin, inv, pb string, flags ...string) (string, string) {
	t.Helper()
	out, code := labtest.Run(t, 2*time.Minute, bin, append(append([]string{"playbook", "-i", inv}, flags...), pb)...)
	m := recapRe.FindStringSubmatch(out)
	if code != 0 || m == nil || m[4] != "0" || m[3] != "0" {
		t.Fatalf("fjord playbook %v: exit %d\n%s", flags, code, out)
	}
	return out, m[2]
}

func TestIoschedLoopDevices(t *testing.T) {
	if os.Geteuid() != 0 {
		testgate.Unavailable(t, "writing sysfs and attaching loop devices needs root")
	}
	losetup := testgate.Tool(t, "losetup", "apt-get install -y mount")
	a, b := attach(t, losetup), attach(t, losetup)
	for _, d := range []string{a, b} {
		if s := readQueue(t, d).scheduler; !strings.Contains(s, "mq-deadline") || !strings.Contains(s, "kyber") {
			testgate.Unavailable(t, "%s offers schedulers %q, want mq-deadline and kyber", d, s)
		}
	}
	// A loop device keeps its queue settings when it is detached: start
	// both from the kernel's defaults for loop devices, whatever an
	// earlier user left, and leave them so.
	for _, d := range []string{a, b} {
		resetQueue(t, d)
		t.Cleanup(func() { resetQueue(t, d) })
	}
	bin := labtest.Fjord(t)
	dir := t.TempDir()
	inv := filepath.Join(dir, "hosts")
	if err := os.WriteFile(inv, []byte("localhost ansible_connection=local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(dir, "rules.d", "60-fjord-iosched-test.rules")
	playbook := func(name, sched string) string {
		p := filepath.Join(dir, name+".yml")
		pb := fmt.Sprintf(`- hosts: localhost
  gather_facts: false
  tasks:
    - name: I/O scheduler on the loop devices
      sysctl_iosched:
        devices: [%s, /dev/%s]
        scheduler: %s
        read_ahead_kb: 1024
        nr_requests: 64
        udev_rules_file: %s
      register: io
    - name: What the module saw
      debug:
        var: io.devices
`, a, b, sched, rules)
		if err := os.WriteFile(p, []byte(pb), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := map[string]queue{a: readQueue(t, a), b: readQueue(t, b)}
	for d, q := range before {
		t.Logf("%s before: %s", d, q)
	}

	// deadline is a legacy name: the blk-mq kernel offers mq-deadline.
	pb := playbook("deadline", "deadline")
	out, changed := run(t, bin, inv, pb, "--check", "--diff")
	if changed == "0" {
		t.Fatalf("--check: changed=0, want the changes reported:\n%s", out)
	}
	for d, q := range before {
		if got := readQueue(t, d); got != q {
			t.Errorf("--check changed %s: %s, was %s", d, got, q)
		}
	}
	if _, err := os.Stat(rules); !os.IsNotExist(err) {
		t.Errorf("--check wrote the rules file (%v)", err)
	}
	if !strings.Contains(out, a+": scheduler=none") || !strings.Contains(out, "scheduler=mq-deadline read_ahead_kb=1024 nr_requests=64") {
		t.Errorf("--check --diff does not show %s's change:\n%s", a, out)
	}

	out, changed = run(t, bin, inv, pb)
	if changed == "0" {
		t.Fatalf("first run: changed=0:\n%s", out)
	}
	if !strings.Contains(out, "deadline is a legacy name") {
		t.Errorf("first run does not note the translation of deadline:\n%s", out)
	}
	want := queue{"none [mq-deadline] kyber", "1024", "64"}
	for _, d := range []string{a, b} {
		got := readQueue(t, d)
		t.Logf("%s after deadline: %s", d, got)
		if got != want {
			t.Errorf("%s: %s, want %s", d, got, want)
		}
	}
	if out, changed = run(t, bin, inv, pb); changed != "0" {
		t.Errorf("second run: changed=%s, want 0:\n%s", changed, out)
	}

	// The rules file has one rule per device, matching the device by its
	// kernel name, with the scheduler name the kernel uses.
	content, err := os.ReadFile(rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{a, b} {
		rule := `ACTION=="add|change", SUBSYSTEM=="block", ENV{DEVTYPE}=="disk", KERNEL=="` + d +
			`", ATTR{queue/scheduler}="mq-deadline", ATTR{queue/nr_requests}="64", ATTR{queue/read_ahead_kb}="1024"`
		if !strings.Contains(string(content), rule+"\n") {
			t.Errorf("rules file lacks %s's rule %s:\n%s", d, rule, content)
		}
	}
	t.Run("udevadm-test", func(t *testing.T) { udevApplies(t, string(content), a, want) })

	// Switching the scheduler makes the kernel reset nr_requests to the
	// new scheduler's default: the module writes it again although it
	// read 64 before the switch.
	pb = playbook("kyber", "kyber")
	out, changed = run(t, bin, inv, pb, "--diff")
	if changed == "0" {
		t.Fatalf("switch to kyber: changed=0:\n%s", out)
	}
	want = queue{"none mq-deadline [kyber]", "1024", "64"}
	for _, d := range []string{a, b} {
		got := readQueue(t, d)
		t.Logf("%s after kyber: %s", d, got)
		if got != want {
			t.Errorf("%s after the switch: %s, want %s", d, got, want)
		}
	}
	if out, changed = run(t, bin, inv, pb); changed != "0" {
		t.Errorf("second kyber run: changed=%s, want 0:\n%s", changed, out)
	}
	if out, changed = run(t, bin, inv, pb, "--check"); changed != "0" {
		t.Errorf("--check on the converged devices: changed=%s, want 0:\n%s", changed, out)
	}
}

// udevApplies installs the rules where udev reads them, puts the device
// back to the kernel's defaults, and has `udevadm test` process an add
// event: the rule matches the device and udev sets what the module set.
func udevApplies(t *testing.T, rules, dev string, want queue) {
	udevadm := testgate.Tool(t, "udevadm", "apt-get install -y udev")
	p := "/etc/udev/rules.d/99-fjord-iosched-test.rules"
	if err := os.WriteFile(p, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(p) })
	resetQueue(t, dev)
	reset := readQueue(t, dev)
	out, err := exec.Command(udevadm, "test", "--action=add", "/sys/block/"+dev).CombinedOutput()
	if err != nil {
		t.Fatalf("udevadm test: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), p+":") {
		t.Errorf("udevadm test applied no rule of %s:\n%s", p, out)
	}
	got := readQueue(t, dev)
	t.Logf("%s reset to %s; after udevadm test --action=add: %s", dev, reset, got)
	if got != want {
		t.Errorf("%s after udev's add event: %s, want %s\n%s", dev, got, want, out)
	}
}
