package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

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
	base, layer, err := m.trees(ctx, spec.Packages, tm)
	if err != nil {
		return nil, nil, err
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
	st = newState(spec, subnet, base, layer, dir)
	if err := st.save(); err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			err = m.abandon(ctx, st, err)
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
	if tm.Boot, err = m.makeHosts(ctx, st, spec, subnet); err != nil {
		return st, nil, err
	}
	return st, tm, st.save()
}

// trees builds or finds the base tree and the layer for pkgs, timing a
// layer that was built (not one found cached) in tm.
func (m *Manager) trees(ctx context.Context, pkgs []string, tm *Timing) (base, layer string, err error) {
	cache := m.cache()
	base, d, err := cache.Base(ctx)
	if err != nil {
		return "", "", err
	}
	tm.RootfsBuild = d
	start := time.Now()
	layer, err = cache.Layer(ctx, base, pkgs)
	if err != nil {
		return "", "", err
	}
	if len(packageKey(pkgs)) > 0 {
		tm.LayerBuild = time.Since(start)
		if tm.LayerBuild < time.Second {
			tm.LayerBuild = 0 // cached
		}
	}
	return base, layer, nil
}

// newState is the state of lab spec about to be made in dir.
func newState(spec *Spec, subnet netip.Prefix, base, layer, dir string) *State {
	specJSON, _ := json.Marshal(specForState(spec))
	return &State{
		Name: spec.Name, Subnet: subnet.String(), Bridge: bridgeName(spec.Name),
		Gateway: gatewayAddr(subnet).String(), Base: base, Layer: layer,
		Key: filepath.Join(dir, "id_ed25519"), Inventory: filepath.Join(dir, "inventory", "hosts"),
		SSHConfig: filepath.Join(dir, "ssh_config"), KnownHosts: filepath.Join(dir, "known_hosts"),
		Created: time.Now(), Spec: specJSON, dir: dir,
	}
}

// abandon tears down what a failed Up made, keeping the consoles for a
// failure other than an interruption, and returns err saying so.
func (m *Manager) abandon(ctx context.Context, st *State, err error) error {
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
	return err
}

// makeHosts writes the lab's key, gives every host its tree and files,
// boots them all and waits for SSH; it returns how long booting took.
func (m *Manager) makeHosts(ctx context.Context, st *State, spec *Spec, subnet netip.Prefix) (time.Duration, error) {
	pub, signer, err := writeKey(st, spec.Name)
	if err != nil {
		return 0, err
	}
	for i, hs := range spec.Hosts {
		hd := filepath.Join(st.dir, "hosts", hs.Name)
		st.Hosts = append(st.Hosts, &HostState{
			Name: hs.Name, Machine: machineName(spec.Name, hs.Name),
			Address: hostAddr(subnet, i).String(), Groups: hs.Groups,
			Dir: hd, Root: filepath.Join(hd, "root"), Binds: hs.Binds,
		})
	}
	for _, h := range st.Hosts {
		if err := st.prepareHost(h, pub); err != nil {
			return 0, err
		}
	}
	if err := writeAccess(st, spec); err != nil {
		return 0, err
	}
	m.logf("lab: booting %d host(s) on %s (bridge %s)...", len(st.Hosts), st.Subnet, st.Bridge)
	boot := time.Now()
	for _, h := range st.Hosts {
		if err := startHost(h, st.Bridge); err != nil {
			return 0, err
		}
		if err := st.save(); err != nil {
			return 0, err
		}
	}
	if err := m.waitAll(ctx, st, st.Hosts, signer); err != nil {
		return 0, err
	}
	return time.Since(boot), nil
}

// writeKey makes the lab's SSH key pair and writes it beside the state.
func writeKey(st *State, name string) (pub string, signer ssh.Signer, err error) {
	priv, pub, signer, err := newKey("fjord-lab-" + name)
	if err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(st.Key, priv, 0o600); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(st.Key+".pub", []byte(pub+"\n"), 0o644); err != nil {
		return "", nil, err
	}
	return pub, signer, nil
}

// prepareHost makes h's directories, mounts its tree and writes the files
// it boots with (pub being the lab's public key).
func (st *State) prepareHost(h *HostState, pub string) error {
	for _, d := range []string{"upper", "work", "root"} {
		if err := os.MkdirAll(filepath.Join(h.Dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := st.mountRoot(h); err != nil {
		return err
	}
	if err := st.save(); err != nil {
		return err
	}
	if err := writeHostFiles(h, st, pub); err != nil {
		return fmt.Errorf("host %s: %w", h.Name, err)
	}
	return nil
}

// mountRoot mounts h's root: its own upper directory over the package
// layer, if any, over the base tree.
func (st *State) mountRoot(h *HostState) error {
	lowers := []string{st.Base}
	if st.Layer != "" {
		lowers = []string{st.Layer, st.Base}
	}
	if err := mountOverlay(h.Root, lowers, filepath.Join(h.Dir, "upper"), filepath.Join(h.Dir, "work")); err != nil {
		return err
	}
	h.Mounted = true
	return nil
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
