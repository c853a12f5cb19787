package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
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

// Preflight checks what Up needs and says how to get what is missing.
func Preflight() error {
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

// Up builds (or reuses) the tree, makes the bridge, boots every host and
// waits until each takes SSH logins. On failure it tears down what it
// made.
func (m *Manager) Up(ctx context.Context, spec *Spec) (st *State, tm *Timing, err error) {
	if err := spec.Validate(); err != nil {
		return nil, nil, err
	}
	if spec.Name == "" {
		spec.Name = DefaultName
	}
	if err := Preflight(); err != nil {
		return nil, nil, err
	}
	unlock, err := lock(m.stateDir(), spec.Name)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	dir := filepath.Join(m.stateDir(), spec.Name)
	if _, err := os.Stat(filepath.Join(dir, "state.json")); err == nil {
		return nil, nil, fmt.Errorf("lab %q is already up (fjord lab down --name %s first)", spec.Name, spec.Name)
	}
	// Fail before a long build if no subnet is free; picked for good
	// below, under the lock.
	if _, err := m.pickSubnet(spec); err != nil {
		return nil, nil, err
	}

	tm = &Timing{Hosts: len(spec.Hosts)}
	cache := m.cache()
	base, d, err := cache.Base(ctx)
	if err != nil {
		return nil, nil, err
	}
	tm.RootfsBuild = d
	start := time.Now()
	layer, err := cache.Layer(ctx, base, spec.Packages)
	if err != nil {
		return nil, nil, err
	}
	if len(packageKey(spec.Packages)) > 0 {
		tm.LayerBuild = time.Since(start)
		if tm.LayerBuild < time.Second {
			tm.LayerBuild = 0 // cached
		}
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	// Labs coming up at once must not pick the same subnet: hold the
	// lock until this lab's bridge has it.
	unlockNet, err := lock(m.stateDir(), ".subnets")
	if err != nil {
		return nil, nil, err
	}
	var netOnce sync.Once
	releaseNet := func() { netOnce.Do(unlockNet) }
	defer releaseNet()
	subnet, err := m.pickSubnet(spec)
	if err != nil {
		return nil, nil, err
	}
	specJSON, _ := json.Marshal(specForState(spec))
	st = &State{
		Name: spec.Name, Subnet: subnet.String(), Bridge: bridgeName(spec.Name),
		Gateway: gatewayAddr(subnet).String(), Base: base, Layer: layer,
		Key: filepath.Join(dir, "id_ed25519"), Inventory: filepath.Join(dir, "inventory", "hosts"),
		SSHConfig: filepath.Join(dir, "ssh_config"), KnownHosts: filepath.Join(dir, "known_hosts"),
		Created: time.Now(), Spec: specJSON, dir: dir,
	}
	if err := st.save(); err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			if ctx.Err() != nil {
				m.logf("lab: interrupted; tearing down what was made")
			} else if logs := m.keepConsoles(st); logs != "" {
				err = fmt.Errorf("%w (consoles kept in %s)", err, logs)
			}
			if ctx.Err() == nil {
				m.logf("lab: %v; tearing down what was made", err)
			}
			if derr := m.teardown(context.WithoutCancel(ctx), st); derr != nil {
				err = fmt.Errorf("%w (and tearing down: %v)", err, derr)
			}
			st = nil
		}
	}()

	if err := createBridge(ctx, st.Bridge, subnet); err != nil {
		return st, nil, err
	}
	st.BridgeCreated = true
	if err := st.save(); err != nil {
		return st, nil, err
	}
	releaseNet()

	priv, pub, signer, err := newKey("fjord-lab-" + spec.Name)
	if err != nil {
		return st, nil, err
	}
	if err := os.WriteFile(st.Key, priv, 0o600); err != nil {
		return st, nil, err
	}
	if err := os.WriteFile(st.Key+".pub", []byte(pub+"\n"), 0o644); err != nil {
		return st, nil, err
	}

	lowers := []string{base}
	if layer != "" {
		lowers = []string{layer, base}
	}
	for i, hs := range spec.Hosts {
		hd := filepath.Join(dir, "hosts", hs.Name)
		st.Hosts = append(st.Hosts, &HostState{
			Name: hs.Name, Machine: machineName(spec.Name, hs.Name),
			Address: hostAddr(subnet, i).String(), Groups: hs.Groups,
			Dir: hd, Root: filepath.Join(hd, "root"),
		})
	}
	for _, h := range st.Hosts {
		for _, d := range []string{"upper", "work", "root"} {
			if err := os.MkdirAll(filepath.Join(h.Dir, d), 0o755); err != nil {
				return st, nil, err
			}
		}
		if err := mountOverlay(h.Root, lowers, filepath.Join(h.Dir, "upper"), filepath.Join(h.Dir, "work")); err != nil {
			return st, nil, err
		}
		h.Mounted = true
		if err := st.save(); err != nil {
			return st, nil, err
		}
		if err := writeHostFiles(h, st, pub); err != nil {
			return st, nil, fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	if err := writeAccess(st, spec); err != nil {
		return st, nil, err
	}

	m.logf("lab: booting %d host(s) on %s (bridge %s)...", len(st.Hosts), st.Subnet, st.Bridge)
	boot := time.Now()
	for _, h := range st.Hosts {
		if err := startHost(h, st.Bridge); err != nil {
			return st, nil, err
		}
		if err := st.save(); err != nil {
			return st, nil, err
		}
	}
	if err := m.waitAll(ctx, st, st.Hosts, signer); err != nil {
		return st, nil, err
	}
	tm.Boot = time.Since(boot)
	return st, tm, st.save()
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
			errs[i] = waitSSH(ctx, h, signer, timeout)
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
	unlock, err := lock(m.stateDir(), name)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := m.Open(name)
	if err != nil {
		return err
	}
	return m.teardown(ctx, st)
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
		h.Nspawn, h.Init, h.Partitioned = Proc{}, Proc{}, false
		h.Killed = false
		return nil
	})
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
		h.Nspawn, h.Init, h.Partitioned = Proc{}, Proc{}, false
		h.Killed = true
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
			lowers := []string{st.Base}
			if st.Layer != "" {
				lowers = []string{st.Layer, st.Base}
			}
			if err := mountOverlay(h.Root, lowers, filepath.Join(h.Dir, "upper"), filepath.Join(h.Dir, "work")); err != nil {
				return err
			}
			h.Mounted = true
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
	return m.withHost(name, host, func(st *State, h *HostState) error {
		if !h.Running() {
			return fmt.Errorf("host %s is not running", h.Name)
		}
		if err := ip(ctx, "link", "set", vethName(h.Machine), "down"); err != nil {
			return err
		}
		h.Partitioned = true
		return nil
	})
}

// Heal undoes Partition.
func (m *Manager) Heal(ctx context.Context, name, host string) error {
	return m.withHost(name, host, func(st *State, h *HostState) error {
		if !h.Running() {
			return fmt.Errorf("host %s is not running", h.Name)
		}
		if err := ip(ctx, "link", "set", vethName(h.Machine), "master", st.Bridge, "up"); err != nil {
			return err
		}
		h.Partitioned = false
		return nil
	})
}

func (m *Manager) withHost(name, host string, f func(*State, *HostState) error) error {
	unlock, err := lock(m.stateDir(), name)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := m.Open(name)
	if err != nil {
		return err
	}
	h, err := st.Host(host)
	if err != nil {
		return err
	}
	ferr := f(st, h)
	if err := st.save(); err != nil {
		return errors.Join(ferr, err)
	}
	return ferr
}

func (st *State) signer() (ssh.Signer, error) {
	b, err := os.ReadFile(st.Key)
	if err != nil {
		return nil, err
	}
	return ssh.ParsePrivateKey(b)
}

// specForState is the lab file as recorded in state.json.
func specForState(s *Spec) any {
	hosts := make([]map[string]any, len(s.Hosts))
	for i, h := range s.Hosts {
		hosts[i] = map[string]any{"name": h.Name, "groups": h.Groups}
	}
	return map[string]any{"name": s.Name, "subnet": s.Subnet, "packages": s.Packages, "hosts": hosts}
}

// keepConsoles moves the hosts' console logs out of a lab about to be
// torn down after a failure, so the failure can be looked into.
func (m *Manager) keepConsoles(st *State) string {
	dir := filepath.Join(m.stateDir(), st.Name+".failed")
	_ = os.RemoveAll(dir)
	kept := false
	for _, h := range st.Hosts {
		src := filepath.Join(h.Dir, "console.log")
		if _, err := os.Stat(src); err != nil {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return ""
		}
		if os.Rename(src, filepath.Join(dir, h.Name+".console.log")) == nil {
			kept = true
		}
	}
	if !kept {
		return ""
	}
	return dir
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
