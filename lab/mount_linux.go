//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// mountOverlay mounts lowers (topmost first) with upper and work at dir.
func mountOverlay(dir string, lowers []string, upper, work string) error {
	opts := "lowerdir=" + strings.Join(lowers, ":") + ",upperdir=" + upper + ",workdir=" + work
	if err := syscall.Mount("overlay", dir, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount overlay on %s: %w (the kernel needs overlayfs; /var/lib/fjord must not itself be on overlayfs)", dir, err)
	}
	return nil
}

// unmount unmounts dir if it is mounted, lazily when it is busy.
func unmount(dir string) error {
	if !isMountPoint(dir) {
		return nil
	}
	err := syscall.Unmount(dir, 0)
	if errors.Is(err, syscall.EBUSY) {
		err = syscall.Unmount(dir, syscall.MNT_DETACH)
	}
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 {
			if p := unescapeMount(f[4]); p == dir || strings.HasPrefix(p, dir+"/") {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// removeTree removes dir after unmounting whatever is mounted in it: a
// build killed midway can leave /proc, /sys or a bind of /dev mounted in
// its tree, and removing through those would remove the real thing.
func removeTree(dir string) error {
	for _, m := range mountsUnder(dir) {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("unmount %s: %w", m, err)
		}
	}
	if left := mountsUnder(dir); len(left) > 0 {
		return fmt.Errorf("not removing %s: %s is still mounted", dir, left[0])
	}
	return os.RemoveAll(dir)
}

// isMountPoint reports whether dir is a mount point in /proc/self/mountinfo.
func isMountPoint(dir string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && unescapeMount(f[4]) == dir {
			return true
		}
	}
	return false
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ensureTun makes /dev/net/tun on this machine if it is missing (the tun
// module not loaded, a minimal /dev): systemd-nspawn gives hosts their
// /dev/net/tun only when this machine has one, and tunnels such as
// OpenVPN need it. Best effort: without it hosts boot all the same.
func ensureTun() {
	const dev = "/dev/net/tun"
	if _, err := os.Stat(dev); err == nil {
		return
	}
	_ = exec.Command("modprobe", "tun").Run()
	if _, err := os.Stat(dev); err == nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(dev), 0o755); err != nil {
		return
	}
	_ = syscall.Mknod(dev, syscall.S_IFCHR|0o666, int(mkdev(10, 200)))
}

// mkdev encodes a device number as Linux does (new_encode_dev) for
// majors below 4096 (tun is 10:200).
func mkdev(major, minor uint32) uint64 {
	return uint64(major)<<8 | uint64(minor&0xff) | uint64(minor&^0xff)<<12
}
