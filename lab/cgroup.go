package lab

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// cgroupParent is where the lab makes its hosts' cgroups when this
// machine's PID 1 is not systemd.
const cgroupParent = "fjord.lab"

// systemdHost reports whether PID 1 is systemd and its bus is up, so
// that nspawn can ask it for a scope unit per container.
func systemdHost() bool {
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		return false
	}
	_, err := os.Stat("/run/dbus/system_bus_socket")
	return err == nil
}

// cgroupRoots are the hierarchies nspawn and the host's systemd place
// processes in: the unified one, and on a cgroup v1 (hybrid) machine the
// name=systemd one too.
func cgroupRoots() []string {
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		return []string{"/sys/fs/cgroup"}
	}
	var out []string
	for _, d := range []string{"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"} {
		if _, err := os.Stat(filepath.Join(d, "cgroup.procs")); err == nil {
			out = append(out, d)
		}
	}
	return out
}

// makeCgroups makes one cgroup per hierarchy for a host. Without them
// every container run with --keep-unit would share this process's
// cgroup, and their systemds would create and remove the same
// sub-cgroups under each other (services then fail with 219/CGROUP).
func makeCgroups(machine string) ([]string, error) {
	var out []string
	for _, r := range cgroupRoots() {
		d := filepath.Join(r, cgroupParent, machine)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// removeCgroups removes a host's cgroups and whatever its systemd made
// under them, deepest first; the processes must be gone.
func removeCgroups(dirs []string) error {
	var errs []error
	for _, d := range dirs {
		if !strings.Contains(d, "/"+cgroupParent+"/") {
			continue // not ours
		}
		var all []string
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				all = append(all, p)
			}
			return nil
		})
		sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
		for _, p := range all {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
