package sshtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
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
)

// TestFaultLoop interrupts playbook runs that copy and template files of
// 1 KB to 50 MB over real sshds, at random moments, in four ways: the
// host's sshd session processes killed, the TCP connection closed under
// both ends, SIGINT to fjord, SIGKILL to fjord. After each interruption
// every target must be, byte for byte and with mode and owner, either the
// version it had or the one the run was writing; a rerun must converge
// and leave no temporary file. FJORD_FAULT_RUNS sets the loop's length
// (default 50); FJORD_FAULT_SEED replays one sequence; FJORD_FAULT_KINDS
// (comma-separated) narrows the interruptions to some kinds.
func TestFaultLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("fault loop: not under -short")
	}
	l := Start(t, 2)
	bin := fjord(t)
	runs := 50
	if s := os.Getenv("FJORD_FAULT_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("FJORD_FAULT_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (FJORD_FAULT_SEED replays it)", seed)
	rnd := rand.New(rand.NewSource(seed))

	proj := filepath.Join(l.Dir, "fault")
	out := filepath.Join(l.Dir, "fault-out")
	vers := makeFaultProject(t, proj)
	proxies := make([]*tcpProxy, len(l.Servers))
	for i, s := range l.Servers {
		proxies[i] = startProxy(t, s.Addr())
	}
	inv := faultInventory(t, l, proxies)

	run := func(ver int, interrupt func(*exec.Cmd)) (int, string, time.Duration) {
		cmd := exec.Command(bin, "playbook", "-i", inv, "-e", "out="+out, "-e", fmt.Sprintf("ver=%d", ver), "site.yml")
		cmd.Dir = proj
		cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG=/nonexistent", "ANSIBLE_NOCOLOR=1")
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		if interrupt != nil {
			go func() { interrupt(cmd); close(done) }()
		} else {
			close(done)
		}
		timer := time.AfterFunc(5*time.Minute, func() { cmd.Process.Kill() })
		err := cmd.Wait()
		timer.Stop()
		<-done
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, buf.String(), time.Since(start)
	}

	// Version 0 everywhere, timed: interruptions fall within a run's span.
	code, log, full := run(0, nil)
	if code != 0 {
		t.Fatalf("first run exit %d:\n%s", code, log)
	}
	if v := checkTargets(l, out, vers, 0, 0); len(v) > 0 {
		t.Fatalf("first run: %s", strings.Join(v, "\n"))
	}
	t.Logf("an uninterrupted run takes %v", full)

	kinds := []string{"sshd-session-killed", "tcp-closed", "sigint-fjord", "sigkill-fjord"}
	if s := os.Getenv("FJORD_FAULT_KINDS"); s != "" {
		kinds = strings.Split(s, ",")
	}
	counts := map[string]int{}
	files, violations := 0, 0
	cur := 0
	for i := 0; i < runs; i++ {
		next := 1 - cur
		kind := kinds[rnd.Intn(len(kinds))]
		delay := time.Duration(rnd.Int63n(int64(full + full/10)))
		interrupted := false
		code, log, _ := run(next, func(cmd *exec.Cmd) {
			select {
			case <-time.After(delay):
			case <-waitExit(cmd):
				return
			}
			interrupted = true
			switch kind {
			case "sshd-session-killed":
				for _, s := range l.Servers {
					killSessions(s)
				}
			case "tcp-closed":
				for _, p := range proxies {
					p.closeAll()
				}
			case "sigint-fjord":
				cmd.Process.Signal(os.Interrupt)
			case "sigkill-fjord":
				cmd.Process.Kill()
			}
		})
		if interrupted {
			counts[kind]++
		} else {
			counts["finished-first"]++
		}
		// Every target, at this moment, is whole: old or new. And every
		// kind of interruption is one the host's shell sees (stdin ends,
		// its pipes break, or fjord's cancel sends TERM before KILL), so
		// no temp outlives it even before a later write sweeps.
		v := checkTargets(l, out, vers, cur, next)
		v = append(v, leftTemps(out)...)
		files += len(l.Servers) * len(vers[0])
		if len(v) > 0 {
			violations += len(v)
			t.Errorf("run %d (%s after %v, exit %d): %s\n%s", i, kind, delay, code, strings.Join(v, "\n"), log)
		}
		// The rerun converges and sweeps what the interruption left.
		if code, log, _ := run(next, nil); code != 0 {
			t.Fatalf("run %d: rerun exit %d:\n%s", i, code, log)
		}
		v = checkTargets(l, out, vers, next, next)
		v = append(v, leftTemps(out)...)
		files += len(l.Servers) * len(vers[0])
		if len(v) > 0 {
			violations += len(v)
			t.Errorf("run %d rerun after %s: %s", i, kind, strings.Join(v, "\n"))
		}
		cur = next
	}
	summary := fmt.Sprintf("fault loop: runs %d, interrupted: sshd-session-killed %d, tcp-closed %d, sigint-fjord %d, sigkill-fjord %d, finished-first %d; files checked %d, violations %d",
		runs, counts["sshd-session-killed"], counts["tcp-closed"], counts["sigint-fjord"], counts["sigkill-fjord"], counts["finished-first"], files, violations)
	t.Log(summary)
	fmt.Println(summary)
}

// faultFile is one target's expected state in one version.
type faultFile struct {
	name string
	sum  [32]byte
	mode os.FileMode
	uid  int
}

// makeFaultProject writes the playbook and both versions of every source
// file; it returns, per version, what each target must hold.
func makeFaultProject(t *testing.T, dir string) [2][]faultFile {
	t.Helper()
	sizes := map[string]int{"f1k": 1 << 10, "f64k": 64 << 10, "f300k": 300 << 10, "f5m": 5 << 20, "f50m": 50 << 20}
	names := []string{"f1k", "f64k", "f300k", "f5m", "f50m"}
	modes := [2]os.FileMode{0o644, 0o600}
	uids := [2]int{0, 65534}
	var vers [2][]faultFile
	for v := 0; v < 2; v++ {
		src := filepath.Join(dir, fmt.Sprintf("v%d", v))
		must(t, os.MkdirAll(src, 0o755))
		for _, n := range names {
			data := make([]byte, sizes[n])
			rand.New(rand.NewSource(int64(v*100 + len(n) + sizes[n]))).Read(data)
			must(t, os.WriteFile(filepath.Join(src, n), data, 0o644))
			vers[v] = append(vers[v], faultFile{n, sha256.Sum256(data), modes[v], uids[v]})
		}
		// What t.j2 renders for this version (a 2000-line template).
		var b strings.Builder
		for i := 0; i < 2000; i++ {
			fmt.Fprintf(&b, "line %d of version %d\n", i, v)
		}
		vers[v] = append(vers[v], faultFile{"tmpl.txt", sha256.Sum256([]byte(b.String())), modes[v], uids[v]})
	}
	must(t, os.WriteFile(filepath.Join(dir, "t.j2"), []byte("{% for i in range(2000) %}\nline {{ i }} of version {{ ver }}\n{% endfor %}\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "site.yml"), []byte(fmt.Sprintf(`- hosts: lab
  gather_facts: false
  vars:
    dir: "{{ out }}/{{ inventory_hostname }}"
    mode: "{{ ['0644', '0600'][ver | int] }}"
    owner: "{{ ['root', '65534'][ver | int] }}"
  tasks:
    - file: path={{ dir }} state=directory
    - copy: src=v{{ ver }}/{{ item }} dest={{ dir }}/{{ item }} mode={{ mode }} owner={{ owner }}
      loop: [%s]
    - template: src=t.j2 dest={{ dir }}/tmpl.txt mode={{ mode }} owner={{ owner }}
`, strings.Join(names, ", "))), 0o644))
	return vers
}

// checkTargets says how each target differs from both version a and
// version b (nothing when every target is one of them, whole).
func checkTargets(l *Lab, out string, vers [2][]faultFile, a, b int) []string {
	var bad []string
	for _, s := range l.Servers {
		for i, want := range vers[a] {
			p := filepath.Join(out, s.Name, want.name)
			got, err := readTarget(p)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", p, err))
				continue
			}
			if got != want && got != vers[b][i] {
				bad = append(bad, fmt.Sprintf("%s: neither version (mode %o uid %d sha256 %x)", p, got.mode, got.uid, got.sum[:6]))
			}
		}
	}
	return bad
}

func readTarget(p string) (faultFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return faultFile{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return faultFile{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return faultFile{}, err
	}
	ff := faultFile{name: filepath.Base(p), mode: st.Mode().Perm(), uid: int(st.Sys().(*syscall.Stat_t).Uid)}
	copy(ff.sum[:], h.Sum(nil))
	return ff, nil
}

// leftTemps lists fjord's temporary files under out, after giving the
// host processes an interrupted run orphaned a moment to finish (each
// removes its own temp when its stdin ends).
func leftTemps(out string) []string {
	var left []string
	for wait := 0; wait < 50; wait++ {
		left = nil
		filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
			if err == nil && strings.HasPrefix(info.Name(), ".fjord_tmp") {
				left = append(left, "temp file left: "+p)
			}
			return nil
		})
		if len(left) == 0 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return left
}

// killSessions SIGKILLs the per-connection sshd processes below s's
// listener, leaving the listener and the shells they ran: the shells see
// their stdin end and their output pipes break, as when a host's sshd
// session dies.
func killSessions(s *Server) {
	for _, p := range descendants(s.cmd.Process.Pid) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		if err == nil && strings.TrimSpace(string(b)) == "sshd" {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

func waitExit(cmd *exec.Cmd) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		// Signal 0 fails once Wait (in another goroutine) has reaped it.
		for cmd.Process.Signal(syscall.Signal(0)) == nil {
			time.Sleep(20 * time.Millisecond)
		}
		close(ch)
	}()
	return ch
}

// faultInventory names every server by its proxy's address, with a
// known_hosts that gives the server's key under that name.
func faultInventory(t *testing.T, l *Lab, proxies []*tcpProxy) string {
	t.Helper()
	var inv, kh strings.Builder
	inv.WriteString("[lab]\n")
	for i, s := range l.Servers {
		host, port, _ := net.SplitHostPort(proxies[i].addr)
		fmt.Fprintf(&inv, "%s ansible_host=%s ansible_port=%s\n", s.Name, host, port)
		fmt.Fprintf(&kh, "[%s]:%s %s", host, port, ssh.MarshalAuthorizedKey(s.HostKey.PublicKey()))
	}
	khPath := filepath.Join(l.Dir, "fault_known_hosts")
	must(t, os.WriteFile(khPath, []byte(kh.String()), 0o644))
	fmt.Fprintf(&inv, "\n[lab:vars]\nansible_user=root\nansible_ssh_private_key_file=%s\nansible_ssh_common_args='-o UserKnownHostsFile=%s'\n", l.UserKey, khPath)
	p := filepath.Join(l.Dir, "fault_inventory")
	must(t, os.WriteFile(p, []byte(inv.String()), 0o644))
	return p
}

// tcpProxy relays loopback connections to one sshd, so that a test can
// close a live connection under both its ends, as a dropped link does.
type tcpProxy struct {
	addr  string
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.closeAll() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.relay(c, target)
		}
	}()
	return p
}

func (p *tcpProxy) relay(c net.Conn, target string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	u, err := (&net.Dialer{}).DialContext(ctx, "tcp", target)
	cancel()
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[u] = true, true
	p.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { io.Copy(u, c); u.Close(); wg.Done() }()
	go func() { io.Copy(c, u); c.Close(); wg.Done() }()
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, u)
	p.mu.Unlock()
}

// closeAll closes every relayed connection, both sides.
func (p *tcpProxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
