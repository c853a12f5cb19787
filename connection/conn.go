// Package connection is how a module reaches a host: run a command (with
// stdin, environment and become), and through that, upload and read files.
// Implementations: local (this package) and ssh (connection/ssh, later).
// Nothing runs on a host but /bin/sh and coreutils.
package connection

import (
	"context"
	"errors"
	"io"
)

// Conn is one open connection to one host. It is safe for concurrent use:
// an ssh implementation multiplexes sessions over one TCP connection.
type Conn interface {
	// Exec runs cmd.Command with /bin/sh -c on the host and waits for it.
	// A non-zero exit status is not an error: it is in Result.RC. Errors
	// mean the host could not be reached or the command could not start
	// (UNREACHABLE in Ansible's terms, see IsUnreachable).
	Exec(ctx context.Context, cmd *Cmd) (*Result, error)
	// Close releases the connection.
	Close() error
}

// Cmd is one remote command.
type Cmd struct {
	Command string            // shell source, run by /bin/sh -c
	Stdin   io.Reader         // optional
	Env     map[string]string // exported before Command runs
	Dir     string            // optional working directory
	Become  *Become           // nil: run as the connecting user
	Stdout  io.Writer         // optional: stream stdout here instead of Result.Stdout
	// Isolated marks a user's command (command, shell, raw, script): it
	// gets a shell process of its own, so that $$, exec and signals are
	// its own. fjord's own scripts may share a shell (connection/ssh runs
	// them in a subshell of a persistent shell).
	Isolated bool
}

// Become says how to escalate privileges for one command.
type Become struct {
	Method   string // "sudo" (default) or "su"
	User     string // default "root"
	Flags    string // extra flags for the method (become_flags)
	Password string // fed on stdin, never on a command line
	Exe      string // become_exe override
}

// Result is what a finished command returned.
type Result struct {
	RC     int
	Stdout []byte
	Stderr []byte
}

// UnreachableError marks a failure to reach the host (connect, auth, host
// key, dropped connection). The engine reports the host UNREACHABLE.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string { return e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// IsUnreachable tells whether err, or an error it wraps, is an
// *UnreachableError: a module's "reading x: %w" still reports the host
// UNREACHABLE.
func IsUnreachable(err error) bool {
	var ue *UnreachableError
	return errors.As(err, &ue)
}

// Options configure a connection to one host, from its variables
// (ansible_host, ansible_port, ansible_user, ...).
type Options struct {
	Host         string // inventory_hostname
	Address      string // ansible_host, default Host
	Port         int
	User         string
	Password     string
	KeyFile      string
	Timeout      int               // seconds
	Extra        map[string]string // other ansible_ssh_* settings
	HostKeyCheck bool

	// KeyPassphrase unlocks a passphrase-protected KeyFile.
	KeyPassphrase string
	// AskPassphrase, when set, is asked for a locked key's passphrase
	// when KeyPassphrase is empty (the controller's terminal prompt).
	AskPassphrase func(keyFile string) (string, error)
	// KnownHostsFile replaces ~/.ssh/known_hosts (and any
	// UserKnownHostsFile) for host key checks; "" for the default.
	KnownHostsFile string

	// RemoteTmp is remote_tmp (default ~/.ansible/tmp), where a
	// connection keeps the host helper (HelperConn).
	RemoteTmp string
	// NoHostHelper turns the host helper off: scripts serve every file
	// request.
	NoHostHelper bool
}

// Dialer opens connections of one kind ("local", "ssh").
type Dialer interface {
	Dial(ctx context.Context, o Options) (Conn, error)
}

var dialers = map[string]Dialer{}

// Register makes a connection type available by name. It panics on a
// duplicate, since that is a programming error.
func Register(name string, d Dialer) {
	if _, dup := dialers[name]; dup {
		panic("connection: duplicate type " + name)
	}
	dialers[name] = d
}

// Lookup returns the dialer registered under name.
func Lookup(name string) (Dialer, bool) {
	d, ok := dialers[name]
	return d, ok
}
