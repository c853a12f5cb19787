package connection

import (
	"bytes"
	"context"
	"errors"

	"os/exec"
	"os/user"
	"syscall"
	"time"
)

func init() { Register("local", localDialer{}) }

type localDialer struct{}

func (localDialer) Dial(ctx context.Context, o Options) (Conn, error) {
	l := NewLocal()
	l.noHelper = o.NoHostHelper
	return l, nil
}

// Local runs commands on the controller itself.
type Local struct {
	user     string
	noHelper bool // the host variable fjord_host_helper: false
	helpers  localHelpers
}

// NewLocal returns a connection to the local machine.
func NewLocal() *Local {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return &Local{user: name}
}

// Exec runs cmd with /bin/sh -c in its own process group; cancelling ctx
// kills the whole group, so children of the shell die with it, and the
// rest of its process tree (KillSteps: a become starts a session of its
// own).
func (l *Local) Exec(ctx context.Context, cmd *Cmd) (*Result, error) {
	script, stdin, err := Script(cmd, l.user)
	if err != nil {
		return nil, err
	}
	c := exec.CommandContext(ctx, "/bin/sh", "-c", script)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error {
		if c.Process == nil {
			return nil
		}
		l.kill(c.Process.Pid, cmd.Become)
		return syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	}
	c.WaitDelay = 2 * time.Second
	c.Stdin = stdin
	var stdout, stderr bytes.Buffer
	if cmd.Stdout != nil {
		c.Stdout = cmd.Stdout
	} else {
		c.Stdout = &stdout
	}
	c.Stderr = &stderr
	err = c.Run()
	res := &Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			res.RC = ee.ExitCode()
			if res.RC < 0 {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					res.RC = -int(ws.Signal())
				}
			}
			return res, nil
		}
		if errors.Is(err, exec.ErrWaitDelay) {
			return res, nil
		}
		return nil, &UnreachableError{Host: "localhost", Err: err}
	}
	return res, nil
}

// kill runs KillSteps for a cancelled command whose shell is pid.
func (l *Local) kill(pid int, become *Become) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, step := range KillSteps(pid, become, l.user) {
		k := exec.CommandContext(ctx, "/bin/sh", "-c", step.Script)
		k.Stdin = step.Stdin
		k.Run()
	}
}

// Close ends the connection's in-process file servers (Helper).
func (l *Local) Close() error {
	l.closeHelpers()
	return nil
}

// User is the user commands run as before any become.
func (l *Local) User() string { return l.user }

var (
	_ Conn       = (*Local)(nil)
	_ HelperConn = (*Local)(nil)
)
