package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sweepTimeout bounds how long a host's teardown waits for what is left
// of it after its init is gone to be killed and reaped.
const sweepTimeout = 5 * time.Second

// namespacesOf reads the pid, net and mnt namespaces of a running host's
// init, before it is killed: a process that joined one of them from
// outside (nsenter, ip netns exec) is no child of that init and outlives
// it. Namespaces this process shares are left out, so that a wrongly
// recorded init can never make the sweep reach this machine's own
// processes.
func namespacesOf(p Proc) map[string]bool {
	out := map[string]bool{}
	if !p.Alive() {
		return out
	}
	for _, k := range []string{"pid", "net", "mnt"} {
		ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", p.PID, k))
		self, _ := os.Readlink("/proc/self/ns/" + k)
		if err == nil && ns != self {
			out[ns] = true
		}
	}
	// The PID may have been another process's by the time the links
	// were read.
	if !p.Alive() {
		return map[string]bool{}
	}
	return out
}

// leftProc is a process still in /proc that belongs to a host.
type leftProc struct {
	Proc
	comm   string
	zombie bool
}

func (p leftProc) String() string {
	s := fmt.Sprintf("%d (%s)", p.PID, p.comm)
	if p.zombie {
		s += " exited, not yet reaped"
	}
	return s
}

// hostProcs lists what /proc still shows of a host, zombies included: its
// recorded nspawn and init, any process in one of its namespaces ns, and
// any in the cgroups the lab made for it. A zombie counts because until
// its parent reaps it, it is a process of the lab that anyone looking
// at /proc (ps, a test, the next `lab up`) still sees: systemd-nspawn
// outlives `fjord lab up`, so its parent is this machine's PID 1, which
// may reap orphans only a second or more later.
func hostProcs(h *HostState, ns map[string]bool) []leftProc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	cg := ""
	if len(h.Cgroups) > 0 {
		cg = ":/" + cgroupParent + "/" + h.Machine
	}
	var out []leftProc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		state, start, comm, err := procStat(pid)
		if err != nil {
			continue // gone meanwhile
		}
		p := leftProc{Proc{pid, start}, comm, state == "Z" || state == "X"}
		if p.Proc == h.Nspawn || p.Proc == h.Init || inNamespaces(pid, ns) || (cg != "" && inCgroup(pid, cg)) {
			out = append(out, p)
		}
	}
	return out
}

func inNamespaces(pid int, ns map[string]bool) bool {
	if len(ns) == 0 {
		return false
	}
	for _, k := range []string{"pid", "net", "mnt"} {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, k)); err == nil && ns[l] {
			return true
		}
	}
	return false
}

// inCgroup reports whether a line of /proc/PID/cgroup names cg (":/"
// + the path under the hierarchy's root) or a cgroup below it.
func inCgroup(pid int, cg string) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.Index(line, cg); i >= 0 {
			if rest := line[i+len(cg):]; rest == "" || rest[0] == '/' {
				return true
			}
		}
	}
	return false
}

// sweepHost kills whatever is left of a host once its init is gone and
// waits until /proc shows none of it, so that `fjord lab down` and
// `fjord lab kill` return with the host's processes gone rather than
// still exiting. A zombie that its parent (not this process) has not
// reaped by sweepTimeout is let be: it has exited and holds nothing of
// the lab, and a PID 1 that never reaps must not make down fail.
func sweepHost(h *HostState, ns map[string]bool) error {
	deadline := time.Now().Add(sweepTimeout)
	for {
		left := hostProcs(h, ns)
		var live []string
		for _, p := range left {
			if !p.zombie {
				_ = p.Signal(syscall.SIGKILL)
				live = append(live, p.String())
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if len(live) == 0 {
				return nil
			}
			return fmt.Errorf("host %s: processes survive SIGKILL: %s", h.Name, strings.Join(live, ", "))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitGone(p Proc, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for p.Alive() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}
