package labtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"
)

// TestDownLeavesNoProcess checks that when `fjord lab down` returns, /proc
// shows no process of the lab: none in a host's PID, network or mount
// namespace or in its cgroups, and not its systemd-nspawn, not even as a
// zombie. The lab is made and unmade by the fjord binary, as a user
// would, so that nspawn outlives `fjord lab up` and is reaped by this
// machine's PID 1 rather than by the test. Besides the hosts' own
// processes, one runs detached inside a host and one joins a host's
// network namespace from outside, as `nsenter` or `ip netns exec` would.
func TestDownLeavesNoProcess(t *testing.T) {
	labtest.Require(t, "ssh", "nsenter")
	bin := labtest.Fjord(t)
	const name = "itdown"
	m := &lab.Manager{}
	if _, err := m.Open(name); err == nil {
		mustRun(t, time.Minute, bin, "lab", "down", "--name", name)
	}
	mustRun(t, 5*time.Minute, bin, "lab", "up", "--name", name, "--hosts", "d1,d2")
	downed := false
	defer func() {
		if !downed {
			labtest.Run(t, time.Minute, bin, "lab", "down", "--name", name)
		}
	}()
	st, err := m.Open(name)
	if err != nil {
		t.Fatal(err)
	}

	mustRun(t, 30*time.Second, "ssh", "-F", st.SSHConfig, "-o", "BatchMode=yes", "d1",
		"setsid sleep 600 </dev/null >/dev/null 2>&1 &")
	d2 := st.Hosts[1]
	joined := exec.Command("nsenter", "--net=/proc/"+strconv.Itoa(d2.Init.PID)+"/ns/net", "sleep", "600")
	if err := joined.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = joined.Wait() }()
	defer func() { _ = joined.Process.Kill() }()

	var marks []labMark
	for _, h := range st.Hosts {
		mk := labMark{host: h.Name, machine: h.Machine, ns: map[string]bool{}, procs: []lab.Proc{h.Nspawn, h.Init}}
		for _, k := range []string{"pid", "net", "mnt"} {
			l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", h.Init.PID, k))
			if err != nil {
				t.Fatalf("%s: init's %s namespace: %v", h.Name, k, err)
			}
			mk.ns[l] = true
		}
		marks = append(marks, mk)
	}
	before := labProcs(marks)
	if !strings.Contains(strings.Join(before, " "), "(sleep)") {
		t.Fatalf("the sleeps are not among the lab's processes before down: %v", before)
	}
	t.Logf("%d processes of the lab before down", len(before))

	t0 := time.Now()
	mustRun(t, time.Minute, bin, "lab", "down", "--name", name)
	downed = true
	took := time.Since(t0)
	left := labProcs(marks)
	t.Logf("down took %s; %d processes of the lab left when it returned", took.Round(time.Millisecond), len(left))
	if len(left) > 0 {
		t.Errorf("processes of the lab still in /proc when down returned: %s", strings.Join(left, "; "))
	}
}

// labMark is what identifies one host's processes: its namespaces, its
// cgroup (named after its machine) and its recorded processes.
type labMark struct {
	host, machine string
	ns            map[string]bool
	procs         []lab.Proc
}

// labProcs lists the processes in /proc, zombies included, that belong
// to a host of marks.
func labProcs(marks []labMark) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if i < 0 || j < i {
			continue
		}
		f := strings.Fields(s[j+1:])
		if len(f) < 20 {
			continue
		}
		start, _ := strconv.ParseUint(f[19], 10, 64)
		cg, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cgroup"))
		for _, mk := range marks {
			var why []string
			for _, k := range []string{"pid", "net", "mnt"} {
				if l, err := os.Readlink(filepath.Join("/proc", e.Name(), "ns", k)); err == nil && mk.ns[l] {
					why = append(why, k+" namespace")
				}
			}
			if strings.Contains(string(cg), "/fjord.lab/"+mk.machine) {
				why = append(why, "cgroup")
			}
			for _, p := range mk.procs {
				if p.PID == pid && p.Start == start {
					why = append(why, "recorded")
				}
			}
			if len(why) > 0 {
				out = append(out, fmt.Sprintf("%d (%s) state %s of %s: %s", pid, s[i+1:j], f[0], mk.host, strings.Join(why, ", ")))
			}
		}
	}
	return out
}
