package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Default locations.
const (
	DefaultStateDir = "/var/lib/fjord/lab"
	DefaultCacheDir = "/var/cache/fjord"
)

// Manager makes and unmakes labs.
type Manager struct {
	StateDir string    // labs' state, one directory per lab; DefaultStateDir if ""
	CacheDir string    // cached trees; DefaultCacheDir if ""
	Log      io.Writer // progress lines; nil: none
	// BootTimeout is how long a host has to take an SSH login.
	BootTimeout time.Duration
}

// Timing is what Up measured.
type Timing struct {
	RootfsBuild time.Duration // 0 when the tree was cached
	LayerBuild  time.Duration
	Boot        time.Duration // from starting the hosts to the last one taking SSH logins
	Hosts       int
}

func (m *Manager) stateDir() string {
	if m.StateDir == "" {
		return DefaultStateDir
	}
	return m.StateDir
}

func (m *Manager) cache() *Cache {
	d := m.CacheDir
	if d == "" {
		d = DefaultCacheDir
	}
	return &Cache{Dir: d, Log: m.Log}
}

func (m *Manager) logf(format string, a ...any) {
	if m.Log != nil {
		fmt.Fprintf(m.Log, format+"\n", a...)
	}
}

// ErrNeedsLinux is what a lab answers on other systems: hosts are
// systemd-nspawn containers on overlayfs mounts, in Linux namespaces.
var ErrNeedsLinux = errors.New("fjord lab needs Linux (hosts are systemd-nspawn containers on overlayfs); on macOS or BSD run it in a Linux VM")

// Supported is ErrNeedsLinux when this is not Linux, else nil.
func Supported() error {
	if runtime.GOOS != "linux" {
		return ErrNeedsLinux
	}
	return nil
}

// Preflight checks what Up needs and says how to get what is missing.
func Preflight() error {
	if err := Supported(); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("fjord lab needs root (it mounts overlays, creates a bridge and boots containers): run it with sudo")
	}
	if _, err := exec.LookPath("systemd-nspawn"); err != nil {
		return errors.New("systemd-nspawn not found: apt-get install -y systemd-container")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("ip not found: apt-get install -y iproute2")
	}
	if _, err := bootstrapTool(); err != nil {
		if _, err2 := os.Stat(filepath.Join(DefaultCacheDir, "rootfs", baseKey(), "etc/fjord-lab/base")); err2 != nil {
			return err
		}
	}
	return nil
}

// Open loads the state of a lab that is up.
func (m *Manager) Open(name string) (*State, error) {
	st, err := loadState(filepath.Join(m.stateDir(), name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lab %q is not up (fjord lab up)", name)
	}
	return st, err
}

// List returns the labs that have state.
func (m *Manager) List() ([]*State, error) {
	ents, err := os.ReadDir(m.stateDir())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []*State
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if st, err := loadState(filepath.Join(m.stateDir(), e.Name())); err == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// waitAll waits for hosts to take SSH logins, in parallel.
func (m *Manager) waitAll(ctx context.Context, st *State, hosts []*HostState, signer ssh.Signer) error {
	timeout := m.BootTimeout
	if timeout == 0 {
		timeout = 90 * time.Second
	}
	var wg sync.WaitGroup
	errs := make([]error, len(hosts))
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = waitSSH(ctx, h, st.Bridge, signer, timeout)
		}()
	}
	wg.Wait()
	// waitSSH recorded each init's PID.
	if err := st.save(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// machineName is the nspawn machine name: short and unique per lab and
// host, since the bridge end of the veth is "vb-" + it (at most 15 bytes).
func machineName(lab, host string) string {
	h := sha256.Sum256([]byte(lab + "/" + host))
	return "fj" + hex.EncodeToString(h[:])[:8]
}

// pickSubnet takes the lab file's subnet, or the default /24, or, when
// another fjord lab holds the default, the next free 10.213.x.0/24.
func (m *Manager) pickSubnet(spec *Spec) (netip.Prefix, error) {
	if spec.Subnet != "" {
		p, err := parseSubnet(spec.Subnet)
		if err != nil {
			return p, err
		}
		if who, err := subnetUser(p); err != nil {
			return p, err
		} else if who != "" {
			return p, &RangeInUseError{Subnet: p.String(), User: who}
		}
		return p, nil
	}
	labs, err := m.List()
	if err != nil {
		return netip.Prefix{}, err
	}
	taken := map[string]string{}
	for _, l := range labs {
		taken[l.Subnet] = l.Name
	}
	def, _ := parseSubnet(DefaultSubnet)
	if _, ok := taken[def.String()]; !ok {
		return def, nil
	}
	b := def.Addr().As4()
	for x := int(b[2]) + 1; x < int(b[2])+16; x++ {
		b[2] = byte(x)
		p := netip.PrefixFrom(netip.AddrFrom4(b), 24)
		if _, ok := taken[p.String()]; ok {
			continue
		}
		if who, _ := subnetUser(p); who == "" {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("no free lab subnet near %s: give one with --subnet", DefaultSubnet)
}

// Down tears a lab down: its hosts' processes, mounts and directories,
// and its bridge.
func (m *Manager) Down(ctx context.Context, name string) error {
	return m.withLab(name, func(st *State) error { return m.teardown(ctx, st) })
}

// withLab runs f on the state of lab name, holding the lab's lock.
func (m *Manager) withLab(name string, f func(*State) error) error {
	unlock, err := lock(m.stateDir(), name)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := m.Open(name)
	if err != nil {
		return err
	}
	return f(st)
}

func (m *Manager) teardown(ctx context.Context, st *State) error {
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, h := range st.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := killHost(h); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, h := range st.Hosts {
		if h.Mounted || isMountPoint(h.Root) {
			if err := unmount(h.Root); err != nil {
				errs = append(errs, err)
				continue
			}
			h.Mounted = false
		}
	}
	if st.BridgeCreated {
		if err := deleteBridge(ctx, st.Bridge); err != nil {
			errs = append(errs, err)
		} else {
			st.BridgeCreated = false
		}
	}
	if err := errors.Join(errs...); err != nil {
		_ = st.save()
		return err
	}
	return removeTree(st.dir)
}

// Stop halts a host in order; Start boots it again with its disk as it
// was; Kill cuts its power.
func (m *Manager) Stop(ctx context.Context, name, host string) error {
	return m.withHost(name, host, func(st *State, h *HostState) error {
		if err := stopHost(h, 30*time.Second); err != nil {
			return err
		}
		h.down(false)
		return nil
	})
}

// down records that h no longer runs, stopped in order or killed.
func (h *HostState) down(killed bool) {
	h.Nspawn, h.Init, h.Partitioned = Proc{}, Proc{}, false
	h.Killed = killed
}

// Kill ends a host's every process at once with SIGKILL to its init.
func (m *Manager) Kill(ctx context.Context, name, host string) error {
	return m.withHost(name, host, func(st *State, h *HostState) error {
		if !h.Running() {
			return fmt.Errorf("host %s is not running", h.Name)
		}
		if err := killHost(h); err != nil {
			return err
		}
		h.down(true)
		return nil
	})
}

// Start boots a stopped or killed host and waits for SSH.
func (m *Manager) Start(ctx context.Context, name, host string) error {
	return m.withHost(name, host, func(st *State, h *HostState) error {
		if h.Running() {
			return nil
		}
		if h.Nspawn.Alive() {
			if err := killHost(h); err != nil {
				return err
			}
		}
		if !isMountPoint(h.Root) {
			if err := st.mountRoot(h); err != nil {
				return err
			}
		}
		signer, err := st.signer()
		if err != nil {
			return err
		}
		if err := startHost(h, st.Bridge); err != nil {
			return err
		}
		if err := st.save(); err != nil {
			return err
		}
		return m.waitAll(ctx, st, []*HostState{h}, signer)
	})
}

// Partition cuts a host off the lab's bridge (its link goes down, as if
// its cable were pulled); Heal puts it back.
func (m *Manager) Partition(ctx context.Context, name, host string) error {
	return m.setLink(ctx, name, host, true)
}

// Heal undoes Partition.
func (m *Manager) Heal(ctx context.Context, name, host string) error {
	return m.setLink(ctx, name, host, false)
}

// setLink takes a running host's veth off the bridge (partitioned) or
// puts it back.
func (m *Manager) setLink(ctx context.Context, name, host string, partitioned bool) error {
	return m.withHost(name, host, func(st *State, h *HostState) error {
		if !h.Running() {
			return fmt.Errorf("host %s is not running", h.Name)
		}
		args := []string{"link", "set", vethName(h.Machine), "master", st.Bridge, "up"}
		if partitioned {
			args = []string{"link", "set", vethName(h.Machine), "down"}
		}
		if err := ip(ctx, args...); err != nil {
			return err
		}
		h.Partitioned = partitioned
		return nil
	})
}

// withHost runs f on host of lab name, holding the lab's lock, and saves
// the state whatever f did.
func (m *Manager) withHost(name, host string, f func(*State, *HostState) error) error {
	return m.withLab(name, func(st *State) error {
		h, err := st.Host(host)
		if err != nil {
			return err
		}
		ferr := f(st, h)
		if err := st.save(); err != nil {
			return errors.Join(ferr, err)
		}
		return ferr
	})
}

func (st *State) signer() (ssh.Signer, error) {
	b, err := os.ReadFile(st.Key)
	if err != nil {
		return nil, err
	}
	return ssh.ParsePrivateKey(b)
}

// Build makes (or finds cached) the base tree and, for pkgs, the package
// layer, without booting anything: CI runs it before the tests so that
// no test's time limit pays for the first build.
func (m *Manager) Build(ctx context.Context, pkgs []string) (base, layer string, tm *Timing, err error) {
	if os.Geteuid() != 0 {
		return "", "", nil, errors.New("fjord lab build needs root: run it with sudo")
	}
	for _, p := range pkgs {
		if !pkgRe.MatchString(p) {
			return "", "", nil, fmt.Errorf("package %q: not a Debian package name", p)
		}
	}
	tm = &Timing{}
	cache := m.cache()
	base, tm.RootfsBuild, err = cache.Base(ctx)
	if err != nil {
		return "", "", nil, err
	}
	start := time.Now()
	layer, err = cache.Layer(ctx, base, pkgs)
	if err != nil {
		return "", "", nil, err
	}
	if layer != "" {
		tm.LayerBuild = time.Since(start)
	}
	return base, layer, tm, nil
}
