package ssh

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// dialProxyCommand runs a ProxyCommand with /bin/sh, as ssh(1) does, and
// returns a connection over its stdin and stdout. The command lives as
// long as the connection: closing the connection ends it.
func dialProxyCommand(command string) (net.Conn, error) {
	cmd := exec.Command("/bin/sh", "-c", "exec "+command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	pc := &proxyConn{cmd: cmd, w: stdin, r: stdout, done: make(chan struct{})}
	cmd.Stderr = &pc.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ProxyCommand %q: %w", command, err)
	}
	go func() {
		pc.waitErr = cmd.Wait()
		close(pc.done)
	}()
	return pc, nil
}

// proxyConn is a net.Conn over a ProxyCommand's pipes.
type proxyConn struct {
	cmd     *exec.Cmd
	w       io.WriteCloser
	r       io.ReadCloser
	stderr  lockedBuffer
	done    chan struct{}
	waitErr error
	once    sync.Once
}

func (c *proxyConn) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF && n == 0 {
		return 0, c.ended(err)
	}
	return n, err
}

// Write fails with a broken pipe when the command has ended before the
// SSH handshake got to write; that is the same end as Read's EOF.
func (c *proxyConn) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil {
		err = c.ended(err)
	}
	return n, err
}

// ended says why the command ended, since that is all the user sees:
// its stderr, or else its exit status.
func (c *proxyConn) ended(err error) error {
	select {
	case <-c.done:
	case <-time.After(time.Second):
		return err
	}
	if msg := bytes.TrimSpace(c.stderr.Bytes()); len(msg) > 0 {
		return fmt.Errorf("ProxyCommand ended: %s", msg)
	}
	if c.waitErr != nil {
		return fmt.Errorf("ProxyCommand ended: %v", c.waitErr)
	}
	return err
}

func (c *proxyConn) Close() error {
	c.once.Do(func() {
		c.w.Close()
		if c.cmd.Process != nil {
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
		}
		select {
		case <-c.done:
		case <-time.After(2 * time.Second):
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			<-c.done
		}
	})
	return nil
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "proxycommand" }

func (c *proxyConn) LocalAddr() net.Addr                { return pipeAddr{} }
func (c *proxyConn) RemoteAddr() net.Addr               { return pipeAddr{} }
func (c *proxyConn) SetDeadline(t time.Time) error      { return nil }
func (c *proxyConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *proxyConn) SetWriteDeadline(t time.Time) error { return nil }

// lockedBuffer collects a command's stderr while the connection reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b.Bytes()...)
}
