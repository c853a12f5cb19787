package lab

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// newKey makes an ed25519 key pair: the private key in OpenSSH format and
// the public key as an authorized_keys line.
func newKey(comment string) (priv []byte, pub string, signer ssh.Signer, err error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", nil, err
	}
	blk, err := ssh.MarshalPrivateKey(k, comment)
	if err != nil {
		return nil, "", nil, err
	}
	signer, err = ssh.NewSignerFromKey(k)
	if err != nil {
		return nil, "", nil, err
	}
	pub = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment
	return pem.EncodeToMemory(blk), pub, signer, nil
}

// writeHostFiles writes what makes a host itself into its root (through
// the overlay, so into its upper layer): name, address, host key, the
// lab's key for root, and the lab's other hosts in /etc/hosts.
func writeHostFiles(h *HostState, st *State, labPub string) error {
	priv, pub, _, err := newKey("root@" + h.Name)
	if err != nil {
		return err
	}
	h.HostKey = pub
	var hosts strings.Builder
	hosts.WriteString("127.0.0.1\tlocalhost\n127.0.1.1\t" + h.Name + "\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	for _, o := range st.Hosts {
		fmt.Fprintf(&hosts, "%s\t%s\n", o.Address, o.Name)
	}
	files := []struct {
		path string
		body string
		mode os.FileMode
	}{
		{"etc/hostname", h.Name + "\n", 0o644},
		{"etc/hosts", hosts.String(), 0o644},
		{"etc/fjord-lab/net", "ADDRESS=" + h.Address + "/24\n", 0o644},
		{"etc/ssh/ssh_host_ed25519_key", string(priv), 0o600},
		{"etc/ssh/ssh_host_ed25519_key.pub", pub + "\n", 0o644},
		{"root/.ssh/authorized_keys", labPub + "\n", 0o600},
	}
	for _, f := range files {
		p := filepath.Join(h.Root, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(f.body), f.mode); err != nil {
			return err
		}
		if err := os.Chmod(p, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// startHost boots a host's tree with systemd-nspawn, detached from this
// process, and records nspawn's and the host init's PIDs.
func startHost(h *HostState, bridge string) error {
	ensureTun()
	console, err := os.OpenFile(filepath.Join(h.Dir, "console.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer console.Close()
	fmt.Fprintf(console, "--- fjord lab: boot %s\n", time.Now().Format(time.RFC3339))
	args := []string{"--quiet", "--boot", "--register=no",
		"--directory=" + h.Root, "--machine=" + h.Machine, "--hostname=" + h.Name,
		"--network-bridge=" + bridge,
		"--resolv-conf=off", "--timezone=off", "--link-journal=no",
		"--console=read-only"}
	for _, b := range h.Binds {
		args = append(args, "--bind="+b)
	}
	env := append(os.Environ(), "SYSTEMD_LOG_COLOR=0", "SYSTEMD_COLORS=0")
	var cmd *exec.Cmd
	if systemdHost() {
		// systemd makes each container a scope unit of its own.
		cmd = exec.Command("systemd-nspawn", args...)
	} else {
		// No systemd here to ask for a scope: nspawn stays in the cgroup
		// it starts in (--keep-unit), so start it in one of its own.
		cgs, err := makeCgroups(h.Machine)
		h.Cgroups = cgs
		if err != nil {
			return fmt.Errorf("host %s: making its cgroup: %w", h.Name, err)
		}
		cmd = exec.Command("/bin/sh", append([]string{"-c",
			`for d in $FJORD_LAB_CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 125; done; exec systemd-nspawn "$@"`,
			"systemd-nspawn", "--keep-unit"}, args...)...)
		env = append(env, "FJORD_LAB_CGROUPS="+strings.Join(cgs, " "))
	}
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = console, console
	cmd.Env = env
	// Its own session: the host lives on after `fjord lab up` exits and
	// does not get this terminal's ^C.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("systemd-nspawn: %w (install systemd-container)", err)
	}
	p, err := procOf(cmd.Process.Pid)
	if err != nil {
		return fmt.Errorf("host %s: systemd-nspawn exited at once: %s", h.Name, tail(console.Name(), 3))
	}
	h.Nspawn = p
	h.Init = Proc{}
	h.Partitioned, h.Killed = false, false
	// Reap it in the background while this process lives; afterwards
	// init (PID 1 here) does.
	go func() { _ = cmd.Wait() }()
	return nil
}

// findInit finds the host's PID 1: the child of nspawn in another PID
// namespace.
func findInit(h *HostState) error {
	myNS, _ := os.Readlink("/proc/self/ns/pid")
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", h.Nspawn.PID))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
			if err != nil || ns == myNS {
				continue
			}
			p, err := procOf(pid)
			if err != nil {
				continue
			}
			h.Init = p
			return nil
		}
	}
	return errors.New("host init not found yet")
}

// waitSSH waits until the host takes an SSH login with the lab key and
// shows the host key the lab gave it.
func waitSSH(ctx context.Context, h *HostState, bridge string, signer ssh.Signer, timeout time.Duration) error {
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(h.HostKey))
	if err != nil {
		return err
	}
	cfg := &ssh.ClientConfig{
		User:            "root",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		Timeout:         time.Second,
	}
	deadline := time.Now().Add(timeout)
	var last error
	restarts := 0
	for {
		if h.Init.PID == 0 {
			if err := findInit(h); err != nil {
				last = err
			}
		}
		if !h.Nspawn.Alive() {
			console := tail(filepath.Join(h.Dir, "console.log"), 4)
			// nspawn now and then loses its child while setting up the
			// container ("Child died too early", seen on CI machines
			// with no trace of why); a second start boots it.
			if restarts < 2 && h.Init.PID == 0 && strings.Contains(console, "died too early") {
				restarts++
				time.Sleep(time.Duration(restarts) * 500 * time.Millisecond)
				if err := startHost(h, bridge); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("host %s did not come up: systemd-nspawn exited; console: %s", h.Name, console)
		}
		if h.Init.PID != 0 {
			if last = trySSH(h.Address, cfg); last == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("host %s did not come up: no SSH login on %s:22 within %s (%v)",
				h.Name, h.Address, timeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func trySSH(addr string, cfg *ssh.ClientConfig) error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(addr, "22"), time.Second)
	if err != nil {
		return err
	}
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	sc, chans, reqs, err := ssh.NewClientConn(c, addr, cfg)
	if err != nil {
		c.Close()
		return err
	}
	cl := ssh.NewClient(sc, chans, reqs)
	defer cl.Close()
	s, err := cl.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Run("true")
}

// stopHost halts a host in order (nspawn forwards SIGTERM to systemd as
// a poweroff) and waits; past the timeout it kills it.
func stopHost(h *HostState, timeout time.Duration) error {
	if !h.Nspawn.Alive() {
		return nil
	}
	if h.Init.PID == 0 {
		_ = findInit(h)
	}
	ns := namespacesOf(h.Init)
	if err := h.Nspawn.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	if !waitGone(h.Nspawn, timeout) {
		return killHost(h)
	}
	if err := sweepHost(h, ns); err != nil {
		return err
	}
	return removeCgroups(h.Cgroups)
}

// killHost kills the host's init with SIGKILL, which ends every process
// in its PID namespace at once, as a power cut would, waits for nspawn
// to clean up after it, then kills what joined the host's namespaces
// from outside and waits until /proc shows nothing of the host.
func killHost(h *HostState) error {
	if h.Init.PID == 0 && h.Nspawn.Alive() {
		_ = findInit(h)
	}
	ns := namespacesOf(h.Init)
	if err := h.Init.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	if !waitGone(h.Nspawn, 10*time.Second) {
		if err := h.Nspawn.Signal(syscall.SIGKILL); err != nil {
			return err
		}
		if !waitGone(h.Nspawn, 5*time.Second) {
			return fmt.Errorf("host %s: systemd-nspawn (pid %d) does not exit", h.Name, h.Nspawn.PID)
		}
	}
	if err := sweepHost(h, ns); err != nil {
		return err
	}
	return removeCgroups(h.Cgroups)
}
