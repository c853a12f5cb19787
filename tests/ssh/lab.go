// Package sshtest starts real OpenSSH servers on loopback for tests: each
// a "host" with its own address, port and throwaway host key, all taking
// one throwaway user key for root, with a known_hosts and an inventory
// that name them. Other test packages import it to run over ssh.
package sshtest

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/internal/testgate"
)

// SSHD is where Debian's openssh-server puts the daemon.
const SSHD = "/usr/sbin/sshd"

// Require returns the sshd path, or skips the test (fails it when
// FJORD_TEST_REQUIRE=1) when sshd or root is missing.
func Require(t testing.TB) string {
	t.Helper()
	why := ""
	if _, err := os.Stat(SSHD); err != nil {
		why = "sshd not installed (" + SSHD + "; apt-get install openssh-server)"
	} else if os.Geteuid() != 0 {
		why = "sshd tests need root (sshd's privilege separation, logins as root)"
	}
	if why != "" {
		testgate.Unavailable(t, "%s", why)
	}
	return SSHD
}

// Lab is a set of sshd servers sharing a user key and a known_hosts.
type Lab struct {
	Dir        string // everything the lab writes lives here
	UserKey    string // private key file that logs in as root on every server
	KnownHosts string // known_hosts with every server's key
	Servers    []*Server

	t      testing.TB
	signer ssh.Signer
	mu     sync.Mutex
	next   int // next loopback address index
}

// Server is one running sshd.
type Server struct {
	Name    string // h1, h2, ...
	IP      string // 127.0.0.N
	Port    int
	HostKey ssh.Signer
	Log     string // sshd's stderr

	lab   *Lab
	extra []string
	cmd   *exec.Cmd
	exit  chan struct{}
}

// Start starts n servers named h1..hn on 127.0.0.1, 127.0.0.2, ... and
// writes the lab's known_hosts. They stop when the test ends.
func Start(t testing.TB, n int, extraConfig ...string) *Lab {
	t.Helper()
	Require(t)
	dir, err := os.MkdirTemp("", "fjord-sshlab-")
	if err != nil {
		t.Fatal(err)
	}
	// Readable by a non-root test user, whose sshd child reads the keys.
	os.Chmod(dir, 0o755)
	l := &Lab{Dir: dir, t: t, UserKey: filepath.Join(dir, "id_ed25519"), KnownHosts: filepath.Join(dir, "known_hosts")}
	t.Cleanup(func() {
		l.StopAll()
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("ssh lab kept in %s", dir)
		}
	})
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	priv, signer := newKey(t)
	l.signer = signer
	writeKey(t, l.UserKey, priv)
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		l.Add(t, extraConfig...)
	}
	return l
}

// Add starts one more server with extra sshd_config lines and rewrites
// known_hosts.
func (l *Lab) Add(t testing.TB, extraConfig ...string) *Server {
	t.Helper()
	l.mu.Lock()
	l.next++
	idx := l.next
	l.mu.Unlock()
	priv, hk := newKey(t)
	s := &Server{Name: fmt.Sprintf("h%d", idx), IP: loopback(idx), HostKey: hk, lab: l, extra: extraConfig}
	writeKey(t, filepath.Join(l.Dir, s.Name+"_host_key"), priv)
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	l.Servers = append(l.Servers, s)
	l.mu.Unlock()
	l.WriteKnownHosts(t)
	return s
}

// loopback is 127.0.0.1 for the first server, then 127.0.0.2...; every
// address in 127/8 reaches lo on Linux.
func loopback(i int) string {
	return fmt.Sprintf("127.0.%d.%d", (i-1)/250, (i-1)%250+1)
}

func (s *Server) start() error {
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort(s.IP)
		if err != nil {
			return err
		}
		s.Port = port
		if last = s.run(); last == nil {
			return nil
		}
	}
	return last
}

// run starts sshd on s.Port and waits for its banner.
func (s *Server) run() error {
	l := s.lab
	cfg := filepath.Join(l.Dir, s.Name+"_sshd_config")
	base := []string{
		"Port " + strconv.Itoa(s.Port),
		"ListenAddress " + s.IP,
		"HostKey " + filepath.Join(l.Dir, s.Name+"_host_key"),
		"AuthorizedKeysFile " + filepath.Join(l.Dir, "authorized_keys"),
		"StrictModes no",
		"UsePAM no",
		"PidFile none",
		"PermitRootLogin yes",
		"KbdInteractiveAuthentication no",
		"MaxStartups 200:30:400",
		"PrintMotd no",
		"LogLevel ERROR",
	}
	// sshd takes the first value of a keyword: extra lines must win.
	lines := append(append([]string{}, s.extra...), base...)
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	s.Log = filepath.Join(l.Dir, s.Name+"_sshd.log")
	logf, err := os.OpenFile(s.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := sshdCommand("-D", "-e", "-f", cfg)
	cmd.Stderr = logf
	cmd.Stdout = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	s.exit = make(chan struct{})
	go func() { cmd.Wait(); close(s.exit) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exit:
			b, _ := os.ReadFile(s.Log)
			return fmt.Errorf("sshd %s exited: %s", s.Name, b)
		default:
		}
		if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "SSH-") {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Kill()
	return fmt.Errorf("sshd %s did not start on %s", s.Name, s.Addr())
}

// sshdCommand runs sshd in a mount namespace of its own where root's
// ~/.bashrc reads as empty when unshare(1) can do it. bash sources
// ~/.bashrc for every command sshd runs, and a developer's (pyenv, nvm...)
// can cost seconds a command; the lab's hosts should not inherit the
// controller's dotfiles.
func sshdCommand(args ...string) *exec.Cmd {
	unshare, err := exec.LookPath("unshare")
	rc := "/root/.bashrc"
	if _, serr := os.Stat(rc); err != nil || serr != nil {
		return exec.Command(SSHD, args...)
	}
	sh := "mount --bind /dev/null " + rc + " 2>/dev/null; exec " + SSHD + ` "$@"`
	return exec.Command(unshare, append([]string{"-m", "--propagation", "private", "/bin/sh", "-c", sh, "sshd"}, args...)...)
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.IP, strconv.Itoa(s.Port)) }

// KnownHostsName is how known_hosts names the server: [ip]:port.
func (s *Server) KnownHostsName() string { return "[" + s.IP + "]:" + strconv.Itoa(s.Port) }

// Kill stops sshd and every session process it forked, at once (SIGKILL),
// as a host that crashes would.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	pids := append(descendants(s.cmd.Process.Pid), s.cmd.Process.Pid)
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
	<-s.exit
}

// Restart starts the server again on the same port with the same key.
func (s *Server) Restart() error {
	s.Kill()
	return s.run()
}

// StopAll kills every server.
func (l *Lab) StopAll() {
	l.mu.Lock()
	ss := append([]*Server(nil), l.Servers...)
	l.mu.Unlock()
	for _, s := range ss {
		s.Kill()
	}
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			parent[p] = pp
		}
	}
	var out []int
	frontier := []int{pid}
	for len(frontier) > 0 {
		cur := frontier[0]
		frontier = frontier[1:]
		for p, pp := range parent {
			if pp == cur {
				out = append(out, p)
				frontier = append(frontier, p)
			}
		}
	}
	return out
}

// WriteKnownHosts writes every server's key to l.KnownHosts.
func (l *Lab) WriteKnownHosts(t testing.TB) {
	t.Helper()
	var b strings.Builder
	l.mu.Lock()
	for _, s := range l.Servers {
		fmt.Fprintf(&b, "%s %s", s.KnownHostsName(), ssh.MarshalAuthorizedKey(s.HostKey.PublicKey()))
	}
	l.mu.Unlock()
	if err := os.WriteFile(l.KnownHosts, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Options are connection options that reach s as root with the lab key,
// checking its host key against the lab's known_hosts.
func (l *Lab) Options(s *Server) connection.Options {
	return connection.Options{
		Host: s.Name, Address: s.IP, Port: s.Port, User: "root",
		KeyFile: l.UserKey, KnownHostsFile: l.KnownHosts, HostKeyCheck: true,
		Timeout: 10, Extra: map[string]string{},
	}
}

// Inventory writes an INI inventory of every server, in group "lab", and
// returns its path. vars are added to [lab:vars] as key=value lines.
// Hosts are reached as root with the lab key; known_hosts is the lab's,
// given to both fjord and ssh(1) through ansible_ssh_common_args.
func (l *Lab) Inventory(t testing.TB, vars ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[lab]\n")
	l.mu.Lock()
	for _, s := range l.Servers {
		fmt.Fprintf(&b, "%s ansible_host=%s ansible_port=%d\n", s.Name, s.IP, s.Port)
	}
	l.mu.Unlock()
	b.WriteString("\n[lab:vars]\nansible_user=root\n")
	fmt.Fprintf(&b, "ansible_ssh_private_key_file=%s\n", l.UserKey)
	fmt.Fprintf(&b, "ansible_ssh_common_args='-o UserKnownHostsFile=%s'\n", l.KnownHosts)
	for _, v := range vars {
		b.WriteString(v + "\n")
	}
	p := filepath.Join(l.Dir, "inventory")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Signer is the lab's user key.
func (l *Lab) Signer() ssh.Signer { return l.signer }

func newKey(t testing.TB) (ed25519.PrivateKey, ssh.Signer) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return priv, s
}

// NewKeyFile writes a fresh private key (encrypted when passphrase is not
// empty) and returns its signer.
func NewKeyFile(t testing.TB, path, passphrase string) ssh.Signer {
	t.Helper()
	priv, s := newKey(t)
	var blk *pem.Block
	var err error
	if passphrase == "" {
		blk, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		blk, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

func writeKey(t testing.TB, path string, priv ed25519.PrivateKey) {
	t.Helper()
	blk, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
}

// AuthorizeKey adds a public key to the lab's authorized_keys.
func (l *Lab) AuthorizeKey(t testing.TB, k ssh.PublicKey) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(l.Dir, "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(ssh.MarshalAuthorizedKey(k))
}

func freePort(ip string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
