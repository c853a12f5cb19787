package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Suite and Mirror are what the base tree is made of.
const (
	Suite  = "bookworm"
	Mirror = "http://deb.debian.org/debian"
)

// basePackages make a host that boots with systemd and takes SSH logins.
var basePackages = []string{
	"openssh-server", "systemd", "systemd-sysv", "dbus", "iproute2", "sudo", "ca-certificates",
	// ps, pgrep, sysctl: what modules and tests expect beyond minbase.
	"procps",
}

// prepVersion changes whenever prepareBase writes something else, so a
// cached tree prepared the old way is not used.
const prepVersion = "3"

// units the lab masks in the base tree: nothing in a lab host needs them
// and they slow boot or reach for the network.
var maskedUnits = []string{
	"apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer", "e2scrub_reap.service",
	"fstrim.timer", "dpkg-db-backup.timer", "systemd-networkd-wait-online.service",
	"console-getty.service", "getty@.service", "systemd-logind.service",
}

// Cache locates the cached trees.
type Cache struct {
	Dir string // /var/cache/fjord
	Log io.Writer
}

func (c *Cache) logf(format string, a ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", a...)
	}
}

// baseKey names the base tree after what goes into it.
func baseKey() string {
	h := sha256.Sum256([]byte(Suite + "\n" + strings.Join(basePackages, ",") + "\n" + prepVersion))
	return Suite + "-" + hex.EncodeToString(h[:])[:12]
}

// BasePath is where the base tree is (or will be) cached.
func (c *Cache) BasePath() string { return filepath.Join(c.Dir, "rootfs", baseKey()) }

// Base returns the base tree, building it first if it is not cached, and
// how long building took (0 when cached).
func (c *Cache) Base(ctx context.Context) (string, time.Duration, error) {
	dst := c.BasePath()
	if _, err := os.Stat(filepath.Join(dst, "etc", "fjord-lab", "base")); err == nil {
		return dst, 0, nil
	}
	// One build at a time; a second `lab up` waits and uses the result.
	unlock, err := lock(c.Dir, ".build")
	if err != nil {
		return "", 0, err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dst, "etc", "fjord-lab", "base")); err == nil {
		return dst, 0, nil
	}
	tool, err := bootstrapTool()
	if err != nil {
		return "", 0, err
	}
	start := time.Now()
	c.logf("lab: building the %s root filesystem with %s (once; cached in %s)...", Suite, filepath.Base(tool), dst)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", 0, err
	}
	tmp := dst + ".tmp"
	if err := removeTree(tmp); err != nil {
		return "", 0, err
	}
	var args []string
	if filepath.Base(tool) == "mmdebstrap" {
		args = []string{"--variant=apt", "--include=" + strings.Join(basePackages, ","),
			"--dpkgopt=force-unsafe-io", Suite, tmp, Mirror}
	} else {
		args = []string{"--variant=minbase", "--include=" + strings.Join(basePackages, ","),
			Suite, tmp, Mirror}
	}
	logPath := dst + ".log"
	if err := runLogged(ctx, logPath, tool, args...); err != nil {
		_ = removeTree(tmp)
		return "", 0, fmt.Errorf("%s failed (see %s): %w", filepath.Base(tool), logPath, err)
	}
	if err := prepareBase(tmp); err != nil {
		_ = removeTree(tmp)
		return "", 0, fmt.Errorf("preparing the base tree: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", 0, err
	}
	d := time.Since(start)
	c.logf("lab: root filesystem built in %s", d.Round(100*time.Millisecond))
	return dst, d, nil
}

// bootstrapTool prefers mmdebstrap (parallel downloads, unsafe dpkg I/O)
// and falls back to debootstrap.
func bootstrapTool() (string, error) {
	if os.Getenv("FJORD_LAB_BOOTSTRAP") != "debootstrap" {
		if p, err := exec.LookPath("mmdebstrap"); err == nil {
			return p, nil
		}
	}
	for _, p := range []string{"debootstrap", "/usr/sbin/debootstrap"} {
		if q, err := exec.LookPath(p); err == nil {
			return q, nil
		}
	}
	return "", errors.New("debootstrap not found: install it (apt-get install -y debootstrap, or mmdebstrap for faster builds)")
}

// prepareBase makes a fresh tree a lab host template: no host keys (each
// host gets its own), the network unit that gives host0 its address,
// units masked, an empty machine-id.
func prepareBase(root string) error {
	keys, _ := filepath.Glob(filepath.Join(root, "etc/ssh/ssh_host_*"))
	for _, k := range keys {
		if err := os.Remove(k); err != nil {
			return err
		}
	}
	files := map[string]string{
		"etc/ssh/sshd_config.d/fjord-lab.conf": "# fjord lab: one host key per host, written by `fjord lab up`.\n" +
			"HostKey /etc/ssh/ssh_host_ed25519_key\nPermitRootLogin prohibit-password\nUseDNS no\n",
		"etc/systemd/system/fjord-lab-net.service": netUnit,
		"etc/machine-id":     "",
		"etc/hostname":       "lab\n",
		"etc/fjord-lab/base": Suite + " prep " + prepVersion + "\n",
		// Hosts have no route off the lab; apt must not try.
		"etc/apt/apt.conf.d/99fjord-lab": "APT::Periodic::Enable \"0\";\n",
	}
	for p, body := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			return err
		}
	}
	wants := filepath.Join(root, "etc/systemd/system/multi-user.target.wants")
	if err := os.MkdirAll(wants, 0o755); err != nil {
		return err
	}
	if err := symlinkForce("/etc/systemd/system/fjord-lab-net.service", filepath.Join(wants, "fjord-lab-net.service")); err != nil {
		return err
	}
	for _, u := range maskedUnits {
		if err := symlinkForce("/dev/null", filepath.Join(root, "etc/systemd/system", u)); err != nil {
			return err
		}
	}
	return nil
}

// netUnit gives host0 (the container end of the veth) the address
// written in /etc/fjord-lab/net. No default route: the lab is the
// host's whole world.
const netUnit = `[Unit]
Description=fjord lab network
DefaultDependencies=no
Before=network.target network-online.target ssh.service
Wants=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
EnvironmentFile=/etc/fjord-lab/net
ExecStart=/sbin/ip link set lo up
ExecStart=/sbin/ip link set host0 up
ExecStart=/sbin/ip addr replace ${ADDRESS} dev host0

[Install]
WantedBy=multi-user.target
`

func symlinkForce(target, link string) error {
	_ = os.Remove(link)
	return os.Symlink(target, link)
}

// Layer returns a tree with pkgs installed over base, as an overlay upper
// directory cached by package list, building it if needed. An empty list
// needs no layer ("").
func (c *Cache) Layer(ctx context.Context, base string, pkgs []string) (string, error) {
	pkgs = packageKey(pkgs)
	if len(pkgs) == 0 {
		return "", nil
	}
	h := sha256.Sum256([]byte(filepath.Base(base) + "\n" + strings.Join(pkgs, "\n")))
	dst := filepath.Join(c.Dir, "layers", hex.EncodeToString(h[:])[:16])
	if _, err := os.Stat(filepath.Join(dst, "packages")); err == nil {
		return filepath.Join(dst, "diff"), nil
	}
	unlock, err := lock(c.Dir, ".build")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dst, "packages")); err == nil {
		return filepath.Join(dst, "diff"), nil
	}
	start := time.Now()
	c.logf("lab: building a layer with %s (once; cached in %s)...", strings.Join(pkgs, " "), dst)
	tmp := dst + ".tmp"
	if err := removeTree(tmp); err != nil {
		return "", err
	}
	diff, work, merged := filepath.Join(tmp, "diff"), filepath.Join(tmp, "work"), filepath.Join(tmp, "merged")
	for _, d := range []string{diff, work, merged} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	if err := mountOverlay(merged, []string{base}, diff, work); err != nil {
		return "", err
	}
	defer removeTree(tmp)
	defer unmount(merged)
	// Services are not started while the layer is built; hosts start them
	// at boot.
	policy := filepath.Join(merged, "usr/sbin/policy-rc.d")
	if err := os.WriteFile(policy, []byte("#!/bin/sh\nexit 101\n"), 0o755); err != nil {
		return "", err
	}
	script := layerScript(pkgs)
	logPath := dst + ".log"
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	err = runLogged(ctx, logPath, "systemd-nspawn", "--quiet", "--register=no", "--keep-unit",
		"--resolv-conf=copy-host", "--timezone=off", "--link-journal=no", "-D", merged,
		"--setenv=DEBIAN_FRONTEND=noninteractive", "/bin/sh", "-c", script)
	if err != nil {
		return "", fmt.Errorf("installing %s (see %s): %w", strings.Join(pkgs, " "), logPath, err)
	}
	if err := os.Remove(policy); err != nil {
		return "", err
	}
	// The build's resolv.conf is the controller's, not the hosts'.
	_ = os.Remove(filepath.Join(merged, "etc/resolv.conf"))
	if err := unmount(merged); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "packages"), []byte(strings.Join(pkgs, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := removeTree(work); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	c.logf("lab: layer built in %s", time.Since(start).Round(100*time.Millisecond))
	return filepath.Join(dst, "diff"), nil
}

// RepoPrefix marks a package of a layer that is offered, not installed:
// "repo:nginx" puts nginx's .deb and those of the dependencies the layer
// lacks into a local apt repository on every host (/srv/repo), which is
// then the hosts' only apt source. Roles that install packages do it for
// real on such hosts, with no network (a dry run's test needs hosts
// without the packages).
const RepoPrefix = "repo:"

// layerScript installs pkgs into the layer (offering the repo: ones).
func layerScript(pkgs []string) string {
	var install, offer []string
	for _, p := range pkgs {
		if name, ok := strings.CutPrefix(p, RepoPrefix); ok {
			offer = append(offer, name)
		} else {
			install = append(install, p)
		}
	}
	s := "set -e; apt-get update -qq\n"
	if len(offer) > 0 {
		// apt-ftparchive indexes the repository
		install = append(install, "apt-utils")
	}
	if len(install) > 0 {
		s += "apt-get install -y -qq --no-install-recommends " + strings.Join(install, " ") + "\n"
	}
	if len(offer) == 0 {
		return s + "apt-get clean; rm -rf /var/lib/apt/lists/*\n"
	}
	// Recommends are offered too: apt installs them by default.
	return s + "apt-get clean\napt-get install -y -qq --download-only " + strings.Join(offer, " ") + `
mkdir -p /srv/repo
mv /var/cache/apt/archives/*.deb /srv/repo/
cd /srv/repo
apt-ftparchive packages . > Packages
apt-ftparchive release . > Release
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
echo 'deb [trusted=yes] file:/srv/repo ./' > /etc/apt/sources.list.d/lab-repo.list
apt-get update -qq
apt-get clean
`
}

// runLogged runs a command with its output in logPath.
func runLogged(ctx context.Context, logPath, name string, args ...string) error {
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Stdin = nil
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, tail(logPath, 3))
	}
	return nil
}

// tail returns the last n lines of a file, on one line.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
