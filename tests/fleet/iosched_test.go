package fleet_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"
)

// ioschedRoot is where db1 sees its disk's sysfs directory: a lab host's
// own /sys is read-only, and nspawn mounts it over anything bound below.
const ioschedRoot = "/run/fjord-sys"

// giveDisk attaches a loop device on this machine for host, binds its
// sysfs directory into the host under ioschedRoot and turns on the base
// role's I/O scheduler there for that device alone (no VM tunables: a
// lab host's /proc/sys/vm is read-only). The device is detached, its
// queue reset, when the test ends.
func giveDisk(t *testing.T, h *lab.HostSpec) string {
	t.Helper()
	losetup := labtest.Tool(t, "losetup", "mount")
	img := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 32<<20); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(losetup, "-f", "--show", img).CombinedOutput()
	if err != nil {
		labtest.Unavailable(t, "losetup -f --show: %v: %s", err, out)
	}
	dev := strings.TrimPrefix(strings.TrimSpace(string(out)), "/dev/")
	setQueue(t, dev, "scheduler", "none")
	setQueue(t, dev, "read_ahead_kb", "128")
	t.Cleanup(func() {
		setQueue(t, dev, "scheduler", "none")
		setQueue(t, dev, "read_ahead_kb", "128")
		if out, err := exec.Command(losetup, "-d", "/dev/"+dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", dev, err, out)
		}
	})
	h.Binds = append(h.Binds, "/sys/devices/virtual/block/"+dev+":"+ioschedRoot+"/block/"+dev)
	addVars(t, &h.Vars, `{base_iosched_enabled: true, base_iosched_devices: [`+dev+`],
base_iosched_sysfs_root: `+ioschedRoot+`, base_iosched_read_ahead_kb: 4096, base_iosched_sysctl: {}}`)
	return dev
}

func setQueue(t *testing.T, dev, attr, v string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join("/sys/block", dev, "queue", attr), []byte(v), 0); err != nil {
		t.Error(err)
	}
}

func queue(t *testing.T, dev string) string {
	t.Helper()
	var parts []string
	for _, a := range []string{"scheduler", "read_ahead_kb", "nr_requests"} {
		b, err := os.ReadFile(filepath.Join("/sys/block", dev, "queue", a))
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, a+"="+strings.TrimSpace(string(b)))
	}
	return strings.Join(parts, " ")
}

// addVars adds the mapping in src to the vars node n (empty or a mapping).
func addVars(t *testing.T, n *yaml.Node, src string) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	add := doc.Content[0]
	if n.Kind == 0 {
		*n = *add
		return
	}
	n.Content = append(n.Content, add.Content...)
}
