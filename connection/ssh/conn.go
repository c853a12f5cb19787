package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/fjord-run/fjord/connection"
)

// maxSessions is how many sessions one connection runs at once: OpenSSH's
// sshd refuses more than MaxSessions (default 10) per connection, so more
// commands wait here rather than fail there.
const maxSessions = 10

// Conn is one host's SSH connection. Commands run concurrently, each in a
// session of its own. If the connection dies, the next command dials
// again once; a command running when it died fails as unreachable.
type Conn struct {
	d   *Dialer
	t   *target
	sem chan struct{}

	mu     sync.Mutex
	cl     *client
	closed bool

	// persistent shells (shell.go)
	shMu    sync.Mutex
	idle    []*shell
	shells  int  // started and not dropped, idle or busy
	noShell bool // Options said not to use them

	// host helpers (helper.go), by become user
	hMu          sync.Mutex
	helpers      map[string]*helperSlot
	helperFailed map[string]bool
	starting     map[string]*helperStart // starts under way
	helperCtx    context.Context         // ends with the connection
	helperStop   context.CancelFunc
	starts       sync.WaitGroup
	noHelper     bool
	remoteTmp    string
}

// open dials the jump hosts (shared) and then the target.
func (c *Conn) open(ctx context.Context) (*client, error) {
	via, release, err := c.d.jump(ctx, c.t, c.t.jumps)
	if err != nil {
		return nil, unreachable(c.t.host, err)
	}
	cl, err := c.d.connect(ctx, c.t, c.t.ep, via)
	if err != nil {
		release()
		return nil, unreachable(c.t.host, err)
	}
	cl.release = release
	return cl, nil
}

// client returns the live connection, dialling again if it has died.
func (c *Conn) client(ctx context.Context) (*client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, unreachable(c.t.host, errors.New("connection closed"))
	}
	if c.cl != nil && c.cl.alive() {
		return c.cl, nil
	}
	if c.cl != nil {
		go c.cl.close()
		c.cl = nil
	}
	cl, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	c.cl = cl
	return cl, nil
}

// User is the user commands run as before any become.
func (c *Conn) User() string { return c.t.ep.user }

// Exec runs cmd: in a persistent shell when its stdin is small and its
// output is collected (shell.go), else in a new session: connection.Script's
// shell line, stdin streamed from cmd.Stdin, stdout to cmd.Stdout or the
// result. Cancelling ctx kills the remote command with every process it
// started (kill) and closes the session (or the shell).
func (c *Conn) Exec(ctx context.Context, cmd *connection.Cmd) (*connection.Result, error) {
	// A cancelled run starts nothing: a command started only to be
	// killed at once could die before its shell's pid is known, and with
	// it the traps that remove its temporary files.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if shellCmdOK(cmd) {
		in, all, err := shellStdin(cmd.Stdin)
		if err != nil {
			return nil, err
		}
		if all {
			cl, err := c.client(ctx)
			if err != nil {
				return nil, err
			}
			if res, ok, err := c.execShell(ctx, cmd, in, cl); ok {
				return res, err
			}
		}
		if in != nil {
			// A session gets what was read, then the rest.
			c2 := *cmd
			c2.Stdin = io.MultiReader(bytes.NewReader(in), cmd.Stdin)
			cmd = &c2
		}
	}
	script, stdin, err := connection.Script(cmd, c.t.ep.user)
	if err != nil {
		return nil, err
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	if err := ctx.Err(); err != nil {
		return nil, err // (select picks at random between ready cases)
	}
	cl, err := c.client(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := c.newSession(ctx, cl)
	if err != nil {
		return nil, err
	}
	defer sess.Close()

	var stdout, stderr bytes.Buffer
	if cmd.Stdout != nil {
		sess.Stdout = cmd.Stdout
	} else {
		sess.Stdout = &stdout
	}
	pw := &pidWriter{w: &stderr, ready: make(chan struct{})}
	sess.Stderr = pw
	var in io.WriteCloser
	if stdin != nil {
		if in, err = sess.StdinPipe(); err != nil {
			return nil, err
		}
	}
	// The shell sshd starts leads a process group of its own; knowing its
	// pid lets a cancel kill the group and the tree under it, which sshd's
	// own handling of a closed session or a "signal" request does not do.
	if err := sess.Start("echo " + pidMarker + "$$ >&2; " + script); err != nil {
		return nil, c.lost(cl, fmt.Errorf("starting command: %w", err))
	}
	copied := make(chan error, 1)
	if in != nil {
		go func() {
			_, err := io.Copy(in, stdin)
			in.Close() // EOF for the remote command
			copied <- err
		}()
	} else {
		copied <- nil
	}
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()

	select {
	case err = <-waited:
	case <-ctx.Done():
		// The shell's pid comes first on its stderr; a cancel that
		// arrives before it waits for it (or for the end), since a
		// SIGKILL alone would leave what the shell's traps remove.
		select {
		case <-pw.ready:
		case <-waited:
			<-copied
			return nil, ctx.Err()
		case <-time.After(5 * time.Second):
		}
		if pid := pw.pid.Load(); pid > 0 {
			c.kill(cl, int(pid), cmd.Become)
		}
		sess.Signal(ssh.SIGKILL)
		sess.Close()
		select {
		case <-waited:
			<-copied
		case <-time.After(2 * time.Second):
		}
		return nil, ctx.Err()
	}
	// The session is over, so a copy still writing fails at once; one
	// still reading cmd.Stdin ends with the reader.
	<-copied
	pw.flush()
	res := &connection.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var ee *ssh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.RC = ee.ExitStatus()
		if sig := ee.Signal(); sig != "" {
			// As the local connection reports a signalled command.
			if n, ok := signalNumbers[sig]; ok {
				res.RC = -n
			}
		}
	default:
		// No exit status: the connection (or sshd's session process) is
		// gone.
		return nil, c.lost(cl, err)
	}
	return res, nil
}

// kill kills a cancelled command whose shell has pid, with everything it
// started (connection.KillSteps: through its become, then as the
// connecting user), each step in a session of its own.
func (c *Conn) kill(cl *client, pid int, become *connection.Become) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, step := range connection.KillSteps(pid, become, c.t.ep.user) {
		sess, err := c.newSession(ctx, cl)
		if err != nil {
			return
		}
		if step.Stdin != nil {
			sess.Stdin = step.Stdin
		}
		done := make(chan struct{})
		go func() { sess.Run(step.Script); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
		sess.Close()
	}
}

// pidMarker starts the line on stderr that carries the remote shell's pid.
const pidMarker = "\x01fjord-pid:"

// pidWriter passes stderr on, minus its first line when that line is the
// pid marker, which it records.
type pidWriter struct {
	w     io.Writer
	head  []byte
	done  bool
	pid   atomic.Int64
	ready chan struct{} // closed once the first line was seen
}

func (p *pidWriter) Write(b []byte) (int, error) {
	if p.done {
		return p.w.Write(b)
	}
	p.head = append(p.head, b...)
	i := bytes.IndexByte(p.head, '\n')
	if i < 0 {
		if len(p.head) > 64 {
			p.done = true
			close(p.ready)
			if _, err := p.w.Write(p.head); err != nil {
				return 0, err
			}
		}
		return len(b), nil
	}
	p.done = true
	defer close(p.ready)
	rest := p.head
	if line := p.head[:i]; bytes.HasPrefix(line, []byte(pidMarker)) {
		if n, err := strconv.Atoi(string(line[len(pidMarker):])); err == nil {
			p.pid.Store(int64(n))
		}
		rest = p.head[i+1:]
	}
	if len(rest) > 0 {
		if _, err := p.w.Write(rest); err != nil {
			return 0, err
		}
	}
	p.head = nil
	return len(b), nil
}

// flush passes on a first line cut short by the end of the stream.
func (p *pidWriter) flush() {
	if p.done {
		return
	}
	if len(p.head) > 0 {
		p.w.Write(p.head)
	}
	p.done = true
	close(p.ready)
}

// newSession opens a session, waiting when the server refuses one because
// of its MaxSessions limit.
func (c *Conn) newSession(ctx context.Context, cl *client) (*ssh.Session, error) {
	delay := 5 * time.Millisecond
	for {
		sess, err := cl.NewSession()
		if err == nil {
			return sess, nil
		}
		// sshd refuses a session past MaxSessions with "open failed"; a
		// slot frees a moment after a session closes.
		var oce *ssh.OpenChannelError
		if !errors.As(err, &oce) || !cl.alive() {
			return nil, c.lost(cl, fmt.Errorf("opening session: %w", err))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}

// lost turns a session failure into an UnreachableError when the
// connection turns out to be dead: a quick keepalive round trip tells.
func (c *Conn) lost(cl *client, err error) error {
	if cl.alive() {
		probe := make(chan error, 1)
		go func() {
			_, _, err := cl.SendRequest("keepalive@openssh.com", true, nil)
			probe <- err
		}()
		select {
		case perr := <-probe:
			if perr == nil {
				return err
			}
		case <-cl.done:
		case <-time.After(c.t.timeout):
		}
		cl.Client.Close()
	}
	return &connection.UnreachableError{Host: c.t.host, Err: fmt.Errorf("Failed to connect to the host via ssh: connection to %s lost: %w", cl.ep, err)}
}

// Close closes the connection; the jump hosts it used close with their
// last user.
func (c *Conn) Close() error {
	c.mu.Lock()
	cl := c.cl
	c.cl, c.closed = nil, true
	c.mu.Unlock()
	c.shMu.Lock()
	idle := c.idle
	c.idle, c.noShell = nil, true
	c.shMu.Unlock()
	for _, sh := range idle {
		sh.close()
	}
	c.closeHelpers()
	if cl != nil {
		cl.close()
	}
	return nil
}

var signalNumbers = map[string]int{
	"ABRT": 6, "ALRM": 14, "FPE": 8, "HUP": 1, "ILL": 4, "INT": 2, "KILL": 9,
	"PIPE": 13, "QUIT": 3, "SEGV": 11, "TERM": 15, "USR1": 10, "USR2": 12,
}

var _ connection.Conn = (*Conn)(nil)
