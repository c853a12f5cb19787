package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
)

// A playbook with sysctl_iosched against a sysfs tree built here, on the
// local connection: the first run changes, the second reports changed=0,
// and check mode with diff shows the per-device line and changes nothing.
func TestPlaybookSysctlIosched(t *testing.T) {
	sys := filepath.Join(t.TempDir(), "sys")
	for _, dev := range []string{"vda", "vdb", "loop0"} {
		q := filepath.Join(sys, "block", dev, "queue")
		if err := os.MkdirAll(q, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, v := range map[string]string{"scheduler": "[none] mq-deadline kyber bfq\n", "read_ahead_kb": "128\n"} {
			if err := os.WriteFile(filepath.Join(q, f), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	rules := filepath.Join(t.TempDir(), "rules.d", "60-fjord-iosched.rules")
	dir := writeFiles(t, map[string]string{"site.yml": `- hosts: all
  gather_facts: false
  tasks:
    - name: database disks
      sysctl_iosched:
        devices: ["vd*"]
        scheduler: deadline
        read_ahead_kb: 4096
        sysfs_root: "{{ sysfs }}"
        udev_rules_file: "{{ rules }}"
      register: io
    - name: show
      assert:
        that:
          - io.devices.vda.scheduler == "mq-deadline"
          - io.notes | length == 1
`})
	play := func(extra ...func(*Options)) (string, int) {
		var out bytes.Buffer
		o := &Options{
			Playbooks:  []string{filepath.Join(dir, "site.yml")},
			Inventory:  []string{"localhost,"},
			Connection: "local",
			Stdout:     &out,
			Stderr:     &out,
		}
		o.ExtraVars = []*value.Map{value.MapOf("sysfs", sys, "rules", rules)}
		for _, f := range extra {
			f(o)
		}
		code := Run(context.Background(), o)
		return out.String(), code
	}
	recap := regexp.MustCompile(`localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0`)
	changed := func(out string) string {
		m := recap.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no clean PLAY RECAP line in:\n%s", out)
		}
		return m[2]
	}

	out, code := play(func(o *Options) { o.Check, o.Diff = true, true })
	if code != 0 || changed(out) != "1" || !strings.Contains(out, "+vda: scheduler=mq-deadline read_ahead_kb=4096") {
		t.Fatalf("check run: code %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(sys, "block", "vda", "queue", "scheduler")); string(b) != "[none] mq-deadline kyber bfq\n" {
		t.Fatalf("check mode wrote the scheduler: %q", b)
	}
	if _, err := os.Stat(rules); !os.IsNotExist(err) {
		t.Fatal("check mode wrote the rules file")
	}

	out, code = play()
	if code != 0 || changed(out) != "1" || !strings.Contains(out, "[WARNING]: scheduler deadline is a legacy name") {
		t.Fatalf("first run: code %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(sys, "block", "vdb", "queue", "scheduler")); string(b) != "mq-deadline\n" {
		t.Fatalf("vdb scheduler %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(sys, "block", "loop0", "queue", "read_ahead_kb")); string(b) != "128\n" {
		t.Fatalf("loop0 touched: %q", b)
	}
	if b, err := os.ReadFile(rules); err != nil || !strings.Contains(string(b), `KERNEL=="vd*", ATTR{queue/scheduler}="mq-deadline", ATTR{queue/read_ahead_kb}="4096"`) {
		t.Fatalf("rules file %q %v", b, err)
	}

	out, code = play()
	if code != 0 || changed(out) != "0" {
		t.Fatalf("second run: code %d\n%s", code, out)
	}
}
