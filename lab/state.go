package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// State is what a lab has made, written as it is made: Down and the
// fault-injection commands act on this and nothing else.
type State struct {
	Name    string `json:"name"`
	Subnet  string `json:"subnet"`
	Bridge  string `json:"bridge"`
	Gateway string `json:"gateway"` // the bridge's address
	// BridgeCreated: the bridge is ours to delete.
	BridgeCreated bool         `json:"bridge_created"`
	Base          string       `json:"base"`
	Layer         string       `json:"layer,omitempty"`
	Key           string       `json:"key"` // private key whose public half is in every host's authorized_keys
	Inventory     string       `json:"inventory"`
	SSHConfig     string       `json:"ssh_config"`
	KnownHosts    string       `json:"known_hosts"`
	Created       time.Time    `json:"created"`
	Hosts         []*HostState `json:"hosts"`
	// Spec is the lab file the lab was made from.
	Spec json.RawMessage `json:"spec,omitempty"`

	dir string
}

// HostState is one host as made.
type HostState struct {
	Name    string   `json:"name"`
	Machine string   `json:"machine"` // nspawn machine name; the bridge end of its veth is vb-<machine>
	Address string   `json:"address"`
	Groups  []string `json:"groups,omitempty"`
	Dir     string   `json:"dir"`
	Root    string   `json:"root"`    // overlay mount point
	Mounted bool     `json:"mounted"` // Root is an overlay mount of ours
	// Nspawn is the systemd-nspawn process and Init the host's PID 1 as
	// seen from here, each with its start time so a recycled PID is never
	// taken for ours.
	Nspawn      Proc `json:"nspawn"`
	Init        Proc `json:"init"`
	Partitioned bool `json:"partitioned,omitempty"`
	Killed      bool `json:"killed,omitempty"` // down by `lab kill`, not `lab stop`
	// Cgroups the lab made for the host (none on a systemd machine).
	Cgroups []string `json:"cgroups,omitempty"`
	HostKey string   `json:"host_key"` // public key line
	// Binds are the spec's, kept for booting the host again.
	Binds []string `json:"binds,omitempty"`
}

// Proc is a process recorded by PID and start time (clock ticks since
// boot, /proc/PID/stat field 22).
type Proc struct {
	PID   int    `json:"pid,omitempty"`
	Start uint64 `json:"start,omitempty"`
}

// Alive reports whether the recorded process is still the one recorded.
func (p Proc) Alive() bool {
	if p.PID <= 0 {
		return false
	}
	st, err := procStart(p.PID)
	return err == nil && st == p.Start
}

// Signal sends sig to the process if it is still the one recorded.
func (p Proc) Signal(sig syscall.Signal) error {
	if !p.Alive() {
		return nil
	}
	return syscall.Kill(p.PID, sig)
}

func procOf(pid int) (Proc, error) {
	st, err := procStart(pid)
	if err != nil {
		return Proc{}, err
	}
	return Proc{PID: pid, Start: st}, nil
}

// procStart reads a process's start time; a zombie counts as gone.
func procStart(pid int) (uint64, error) {
	state, start, _, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	if state == "Z" || state == "X" {
		return 0, errors.New("exited")
	}
	return start, nil
}

// procStat reads a process's state letter, start time and command name
// from /proc/PID/stat; a zombie is still there until it is reaped.
func procStat(pid int) (state string, start uint64, comm string, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, "", err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	j := strings.IndexByte(s, '(')
	if i < 0 || j < 0 || j > i {
		return "", 0, "", errors.New("bad stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return "", 0, "", errors.New("bad stat")
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	return f[0], start, s[j+1 : i], err
}

// Running reports whether the host's nspawn and init are both alive.
func (h *HostState) Running() bool { return h.Nspawn.Alive() && h.Init.Alive() }

// Status is a word for `fjord lab status`.
func (h *HostState) Status() string {
	switch {
	case h.Running() && h.Partitioned:
		return "partitioned"
	case h.Running():
		return "running"
	case h.Nspawn.PID == 0 && h.Killed:
		return "killed"
	case h.Nspawn.PID == 0:
		return "stopped"
	default:
		return "down"
	}
}

// Host finds a host by name.
func (s *State) Host(name string) (*HostState, error) {
	for _, h := range s.Hosts {
		if h.Name == name {
			return h, nil
		}
	}
	names := make([]string, len(s.Hosts))
	for i, h := range s.Hosts {
		names[i] = h.Name
	}
	return nil, fmt.Errorf("lab %s has no host %q (hosts: %s)", s.Name, name, strings.Join(names, ", "))
}

// Dir is the lab's state directory.
func (s *State) Dir() string { return s.dir }

// save writes the state atomically.
func (s *State) save() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	p := filepath.Join(s.dir, "state.json")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

func loadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return nil, err
	}
	s := &State{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "state.json"), err)
	}
	s.dir = dir
	return s, nil
}

// lock takes an exclusive lock on a lab so two commands never act on it
// at once; the returned function releases it.
func lock(root, name string) (func(), error) {
	dir := filepath.Join(root, ".locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, name+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		// Another command holds it; wait for it rather than fail.
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
	}
	return func() { f.Close() }, nil
}
