package sshtest

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/fjord-run/fjord/connection"
	fssh "github.com/fjord-run/fjord/connection/ssh"
	"github.com/fjord-run/fjord/internal/testgate"
)

func dial(t *testing.T, o connection.Options) connection.Conn {
	t.Helper()
	c, err := fssh.NewDialer().Dial(context.Background(), o)
	if err != nil {
		t.Fatalf("dial %s: %v", o.Host, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestExec(t *testing.T) {
	l := Start(t, 2)
	for _, s := range l.Servers {
		c := dial(t, l.Options(s))
		res, err := c.Exec(context.Background(), &connection.Cmd{
			Command: `echo "$FOO $(pwd) $(id -un)"; cat; echo err >&2; exit 3`,
			Env:     map[string]string{"FOO": "it's"},
			Dir:     "/tmp",
			Stdin:   strings.NewReader("input\n"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(res.Stdout), "it's /tmp root\ninput\n"; got != want || string(res.Stderr) != "err\n" || res.RC != 3 {
			t.Errorf("%s: got %q %q %d", s.Name, res.Stdout, res.Stderr, res.RC)
		}
		// A command that reads stdin gets EOF when there is none.
		res, err = c.Exec(context.Background(), &connection.Cmd{Command: "cat; echo done"})
		if err != nil || string(res.Stdout) != "done\n" {
			t.Errorf("no stdin: %q %v", res.Stdout, err)
		}
		// A signalled script reports -signal, as the local connection does.
		res, err = c.Exec(context.Background(), &connection.Cmd{Command: "sh -c 'kill -TERM $$'; r=$?; kill -TERM $(sh -c 'echo $PPID')"})
		if err != nil || res.RC != -15 {
			t.Errorf("signalled: %+v %v", res, err)
		}
		// A user's command has a shell of its own: $$ is its shell, whose
		// death by a signal a shell reports as 128+n. exit codes above 128
		// are kept.
		for _, tc := range []struct {
			cmd string
			rc  int
		}{{"kill -TERM $$", 143}, {"exit 255", 255}, {"exit 3", 3}, {"sh -c 'exit 200'", 200}} {
			res, err = c.Exec(context.Background(), &connection.Cmd{Command: tc.cmd, Isolated: true})
			if err != nil || res.RC != tc.rc {
				t.Errorf("isolated %q: %+v %v, want rc %d", tc.cmd, res, err, tc.rc)
			}
		}
		// fjord's scripts keep exit codes above 128 too.
		res, err = c.Exec(context.Background(), &connection.Cmd{Command: "exit 200"})
		if err != nil || res.RC != 200 {
			t.Errorf("exit 200: %+v %v", res, err)
		}
	}
}

func TestConcurrentSessions(t *testing.T) {
	l := Start(t, 1)
	c := dial(t, l.Options(l.Servers[0]))
	const n = 64 // more than sshd's MaxSessions (10)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, err := c.Exec(context.Background(), &connection.Cmd{Command: fmt.Sprintf("sleep 0.05; echo %d", i)})
			if err != nil {
				errs <- err
				return
			}
			if got := strings.TrimSpace(string(res.Stdout)); got != fmt.Sprint(i) {
				errs <- fmt.Errorf("session %d got %q", i, got)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d sessions in %v", n, time.Since(start))
}

func TestPutLargeFile(t *testing.T) {
	l := Start(t, 1)
	c := dial(t, l.Options(l.Servers[0]))
	const size = 50 << 20
	src := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	h := sha1.New()
	// Deterministic, incompressible-looking content without holding it all.
	chunk := make([]byte, 1<<20)
	for i := 0; i < size/len(chunk); i++ {
		for j := range chunk {
			chunk[j] = byte(i*31 + j*7 + j>>8)
		}
		f.Write(chunk)
		h.Write(chunk)
	}
	f.Close()
	want := hex.EncodeToString(h.Sum(nil))
	dst := filepath.Join(l.Dir, "out", "big")
	in, _ := os.Open(src)
	defer in.Close()
	start := time.Now()
	pr, err := connection.Put(context.Background(), c, in, dst, connection.PutOptions{MakeDirs: true, Mode: "0600"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("50 MB put in %v", time.Since(start))
	if pr.Checksum != want || pr.Size != size || pr.Mode != 0o600 {
		t.Errorf("put result %+v, want checksum %s", pr, want)
	}
	fi, err := connection.Stat(context.Background(), c, dst, connection.StatOptions{Checksum: true})
	if err != nil || fi.Checksum != want {
		t.Errorf("remote checksum %+v %v", fi, err)
	}
}

func TestHostKeys(t *testing.T) {
	l := Start(t, 2)
	s := l.Servers[0]
	ctx := context.Background()

	// Unknown: a known_hosts that lacks the host.
	empty := filepath.Join(l.Dir, "known_hosts_empty")
	os.WriteFile(empty, []byte(fmt.Sprintf("%s %s", l.Servers[1].KnownHostsName(), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")), 0o644)
	o := l.Options(s)
	o.KnownHostsFile = empty
	_, err := fssh.NewDialer().Dial(ctx, o)
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "Host key verification failed: no key for "+s.KnownHostsName()) {
		t.Errorf("unknown host key: %v", err)
	}
	// Changed: known_hosts holds another key for the host.
	changed := filepath.Join(l.Dir, "known_hosts_changed")
	os.WriteFile(changed, []byte(fmt.Sprintf("%s ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n", s.KnownHostsName())), 0o644)
	o.KnownHostsFile = changed
	_, err = fssh.NewDialer().Dial(ctx, o)
	var hke *fssh.HostKeyError
	if !connection.IsUnreachable(err) || !errors.As(err, &hke) || hke.Unknown || !strings.Contains(err.Error(), "REMOTE HOST IDENTIFICATION HAS CHANGED") {
		t.Errorf("changed host key: %v", err)
	}
	// Checking off: both connect.
	for _, kh := range []string{empty, changed} {
		o.KnownHostsFile = kh
		o.HostKeyCheck = false
		c, err := fssh.NewDialer().Dial(ctx, o)
		if err != nil {
			t.Errorf("host key checking off: %v", err)
		} else {
			c.Close()
		}
		o.HostKeyCheck = true
		o.Extra = map[string]string{"ansible_ssh_common_args": "-o StrictHostKeyChecking=no"}
		if c, err := fssh.NewDialer().Dial(ctx, o); err != nil {
			t.Errorf("StrictHostKeyChecking=no: %v", err)
		} else {
			c.Close()
		}
		o.Extra = map[string]string{"ansible_host_key_checking": "False"}
		if c, err := fssh.NewDialer().Dial(ctx, o); err != nil {
			t.Errorf("ansible_host_key_checking=False: %v", err)
		} else {
			c.Close()
		}
		o.Extra = nil
	}
	// Hashed known_hosts entries.
	hashed := filepath.Join(l.Dir, "known_hosts_hashed")
	line := knownhostsHashed(s)
	os.WriteFile(hashed, []byte(line), 0o644)
	o = l.Options(s)
	o.KnownHostsFile = hashed
	if c, err := fssh.NewDialer().Dial(ctx, o); err != nil {
		t.Errorf("hashed known_hosts: %v", err)
	} else {
		c.Close()
	}
}

func TestAuthFailures(t *testing.T) {
	l := Start(t, 1)
	s := l.Servers[0]
	ctx := context.Background()
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("HOME", t.TempDir()) // no default keys

	o := l.Options(s)
	o.KeyFile = filepath.Join(l.Dir, "wrong_key")
	NewKeyFile(t, o.KeyFile, "")
	_, err := fssh.NewDialer().Dial(ctx, o)
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "Permission denied (publickey)") {
		t.Errorf("wrong key: %v", err)
	}

	o = l.Options(s)
	o.User = "nosuchuser"
	_, err = fssh.NewDialer().Dial(ctx, o)
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "Permission denied") {
		t.Errorf("wrong user: %v", err)
	}

	// A locked key without a passphrase says so; with it, it works.
	locked := filepath.Join(l.Dir, "locked_key")
	signer := NewKeyFile(t, locked, "sesame")
	l.AuthorizeKey(t, signer.PublicKey())
	o = l.Options(s)
	o.KeyFile = locked
	_, err = fssh.NewDialer().Dial(ctx, o)
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "protected by a passphrase") {
		t.Errorf("locked key: %v", err)
	}
	o.KeyPassphrase = "sesame"
	if c, err := fssh.NewDialer().Dial(ctx, o); err != nil {
		t.Errorf("locked key with passphrase: %v", err)
	} else {
		c.Close()
	}

	// Refused port.
	o = l.Options(s)
	o.Port = closedPort(t)
	_, err = fssh.NewDialer().Dial(ctx, o)
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "Connection refused") {
		t.Errorf("refused: %v", err)
	}
}

func TestCancelHangingCommand(t *testing.T) {
	l := Start(t, 1)
	c := dial(t, l.Options(l.Servers[0]))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Exec(ctx, &connection.Cmd{Command: "sleep 31.5 & sleep 31.5"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancel took %v", d)
	}
	// The connection still works, and the command's whole process group
	// is gone on the host.
	res, err := c.Exec(context.Background(), &connection.Cmd{Command: "sleep 0.2; pgrep -f 'sleep 31[.]5' || echo none"})
	if err != nil || string(res.Stdout) != "none\n" {
		t.Errorf("after cancel: %q %v", res.Stdout, err)
	}
}

func TestHostDiesMidCommand(t *testing.T) {
	l := Start(t, 3)
	conns := make([]connection.Conn, len(l.Servers))
	for i, s := range l.Servers {
		conns[i] = dial(t, l.Options(s))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(conns))
	outs := make([]string, len(conns))
	for i, c := range conns {
		wg.Add(1)
		go func(i int, c connection.Conn) {
			defer wg.Done()
			res, err := c.Exec(context.Background(), &connection.Cmd{Command: "sleep 1; echo done"})
			errs[i] = err
			if res != nil {
				outs[i] = string(res.Stdout)
			}
		}(i, c)
	}
	time.Sleep(300 * time.Millisecond)
	l.Servers[1].Kill()
	wg.Wait()
	if !connection.IsUnreachable(errs[1]) {
		t.Errorf("killed host: err = %v", errs[1])
	}
	for _, i := range []int{0, 2} {
		if errs[i] != nil || outs[i] != "done\n" {
			t.Errorf("host %d: %q %v", i, outs[i], errs[i])
		}
	}
	// A later command on the dead host is unreachable too; after sshd
	// comes back, the connection is dialled again.
	if _, err := conns[1].Exec(context.Background(), &connection.Cmd{Command: "true"}); !connection.IsUnreachable(err) {
		t.Errorf("after kill: %v", err)
	}
	if err := l.Servers[1].Restart(); err != nil {
		t.Fatal(err)
	}
	if res, err := conns[1].Exec(context.Background(), &connection.Cmd{Command: "echo back"}); err != nil || string(res.Stdout) != "back\n" {
		t.Errorf("after restart: %v %v", res, err)
	}
}

func TestProxyJump(t *testing.T) {
	l := Start(t, 2)
	bastion, target := l.Servers[0], l.Servers[1]
	ctx := context.Background()
	o := l.Options(target)
	o.Extra = map[string]string{"ansible_ssh_common_args": fmt.Sprintf("-o ProxyJump=root@%s:%d", bastion.IP, bastion.Port)}
	d := fssh.NewDialer()
	c, err := d.Dial(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Exec(ctx, &connection.Cmd{Command: "echo $SSH_CONNECTION"})
	if err != nil {
		t.Fatal(err)
	}
	// The target sees the connection come from the bastion's sshd, which
	// connects from its own loopback address: 127.0.0.1 to 127.0.0.2.
	f := strings.Fields(string(res.Stdout))
	if len(f) != 4 || f[2] != target.IP {
		t.Errorf("SSH_CONNECTION = %q", res.Stdout)
	}
	// The same through ~/.ssh/config, by host alias.
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	cfg := fmt.Sprintf(`Host bastion
  HostName %s
  Port %d
  User root
  IdentityFile %s

Host web
  HostName %s
  Port %d
  User root
  IdentityFile %s
  ProxyJump bastion
`, bastion.IP, bastion.Port, l.UserKey, target.IP, target.Port, l.UserKey)
	os.WriteFile(filepath.Join(home, ".ssh", "config"), []byte(cfg), 0o600)
	o = connection.Options{Host: "web", Address: "web", HostKeyCheck: true, KnownHostsFile: l.KnownHosts}
	c2, err := d.Dial(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	res, err = c2.Exec(ctx, &connection.Cmd{Command: "echo via config"})
	if err != nil || string(res.Stdout) != "via config\n" {
		t.Errorf("%v %v", res, err)
	}
	// An unreachable bastion makes the target unreachable, naming it.
	o = l.Options(target)
	o.Extra = map[string]string{"ansible_ssh_common_args": fmt.Sprintf("-J root@127.0.0.1:%d", closedPort(t))}
	_, err = d.Dial(ctx, o)
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "jump host") {
		t.Errorf("dead bastion: %v", err)
	}
}

func closedPort(t *testing.T) int {
	p, err := freePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProxyCommand reaches a host through a ProxyCommand: ssh(1) -W via a
// bastion, as users write it in ansible_ssh_common_args or ~/.ssh/config.
func TestProxyCommand(t *testing.T) {
	testgate.Tool(t, "ssh", "apt-get install openssh-client")
	l := Start(t, 2)
	bastion, target := l.Servers[0], l.Servers[1]
	ctx := context.Background()
	proxy := fmt.Sprintf("ssh -i %s -p %d -o BatchMode=yes -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -W %%h:%%p root@%s",
		l.UserKey, bastion.Port, l.KnownHosts, bastion.IP)
	o := l.Options(target)
	o.Extra = map[string]string{"ansible_ssh_common_args": "-o ProxyCommand=\"" + proxy + "\""}
	d := fssh.NewDialer()
	c, err := d.Dial(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Exec(ctx, &connection.Cmd{Command: "echo $SSH_CONNECTION"})
	if err != nil {
		t.Fatal(err)
	}
	// The bastion's sshd opened the TCP connection to the target.
	f := strings.Fields(string(res.Stdout))
	if len(f) != 4 || f[2] != target.IP || f[0] != "127.0.0.1" {
		t.Errorf("SSH_CONNECTION = %q, want a connection from the bastion to %s", res.Stdout, target.IP)
	}
	// A ProxyCommand that fails makes the host unreachable with its words.
	o = l.Options(target)
	o.Extra = map[string]string{"ansible_ssh_common_args": `-o ProxyCommand="echo no route to %h >&2; exit 1"`}
	_, err = d.Dial(ctx, o)
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "no route to "+target.IP) {
		t.Errorf("failing ProxyCommand: %v", err)
	}
}

// TestLockedKey logs in with a passphrase-protected key made by
// ssh-keygen: the passphrase comes from the prompt hook (the terminal in
// `fjord playbook`), asked only for the key file that needs it; without
// one the host is unreachable with a message that says why.
func TestLockedKey(t *testing.T) {
	testgate.Tool(t, "ssh-keygen", "apt-get install openssh-client")
	l := Start(t, 1)
	key := filepath.Join(t.TempDir(), "locked")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "s3cret phrase", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pk, _, _, _, err := ssh.ParseAuthorizedKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	l.AuthorizeKey(t, pk)
	t.Setenv("SSH_AUTH_SOCK", "")
	o := l.Options(l.Servers[0])
	o.KeyFile = key
	var asked []string
	o.AskPassphrase = func(f string) (string, error) {
		asked = append(asked, f)
		return "s3cret phrase", nil
	}
	c := dial(t, o)
	res, err := c.Exec(context.Background(), &connection.Cmd{Command: "echo unlocked"})
	if err != nil || string(res.Stdout) != "unlocked\n" {
		t.Fatalf("exec: %v %v", res, err)
	}
	if len(asked) != 1 || asked[0] != key {
		t.Errorf("passphrase asked for %q, want once for %s", asked, key)
	}
	o.AskPassphrase = nil
	_, err = fssh.NewDialer().Dial(context.Background(), o)
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "protected by a passphrase") {
		t.Errorf("no passphrase: %v", err)
	}
	o.AskPassphrase = func(string) (string, error) { return "wrong", nil }
	_, err = fssh.NewDialer().Dial(context.Background(), o)
	if !connection.IsUnreachable(err) {
		t.Errorf("wrong passphrase: %v", err)
	}
}

// TestStdinThroughShell feeds stdin of every size class to commands: up
// to 256 KiB it travels in the persistent shell (a here-document decoded
// by base64, no session opened; the shell's token variable $__t is seen
// only there), above that in a session. Every byte value arrives intact,
// for fjord's scripts and for a user's isolated command.
func TestStdinThroughShell(t *testing.T) {
	l := Start(t, 1)
	c := dial(t, l.Options(l.Servers[0]))
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, tc := range []struct {
		size  int
		shell bool
	}{{0, true}, {1, true}, {57, true}, {58, true}, {256, true}, {4096, true}, {256 << 10, true}, {256<<10 + 1, false}, {1 << 20, false}} {
		data := make([]byte, tc.size)
		for i := range data {
			data[i] = all[(i*7+i/256)%256]
		}
		sum := sha1.Sum(data)
		want := fmt.Sprintf("%s %d shell=%v\n", hex.EncodeToString(sum[:]), tc.size, tc.shell)
		for _, isolated := range []bool{false, true} {
			res, err := c.Exec(context.Background(), &connection.Cmd{
				Command:  `f=$(mktemp); cat > "$f"; printf '%s %s shell=%s\n' "$(sha1sum < "$f" | cut -d' ' -f1)" "$(wc -c < "$f")" "${__t:+true}"; rm -f "$f"`,
				Stdin:    strings.NewReader(string(data)),
				Isolated: isolated,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Replace(string(res.Stdout), "shell=\n", "shell=false\n", 1)
			if got != want || res.RC != 0 {
				t.Errorf("%d bytes (isolated %v): %q rc %d stderr %q, want %q", tc.size, isolated, got, res.RC, res.Stderr, want)
			}
		}
	}
	// A small Put goes through the shell too and keeps its checksum.
	dst := filepath.Join(l.Dir, "small")
	pr, err := connection.Put(context.Background(), c, strings.NewReader(string(all)), dst, connection.PutOptions{Mode: "0640"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != string(all) || pr.Size != 256 || pr.Mode != 0o640 {
		t.Fatalf("small put: %+v %v", pr, err)
	}
}
