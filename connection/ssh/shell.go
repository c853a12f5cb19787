package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/fjord-run/fjord/connection"
)

// maxShells is how many persistent shells one connection keeps. Most
// commands a play sends are short scripts without stdin; each would cost
// sshd a session (a fork, the login shell's start, a channel round trip)
// that is far dearer than the script. A persistent shell runs them one
// after another in a subshell: a fork on the host and one round trip.
const maxShells = 2

// shell is one persistent /bin/sh on the host, reading commands on stdin.
// Each command (see shellLine) is followed by a token line on stdout (with
// the exit status) and on stderr, which end its output. The token is
// random per shell, so output cannot fake it.
type shell struct {
	cl    *client
	sess  *ssh.Session
	in    io.WriteCloser
	out   io.Reader
	err   io.Reader
	token []byte
	pid   int
	// base64 says the host has base64(1), which stdin needs.
	base64 bool
	// rest hold bytes read past a token (none, unless a background
	// process of an earlier command wrote late).
	outRest, errRest []byte
}

// maxShellStdin is the most stdin a command may have to run in a
// persistent shell: it travels base64-encoded in a here-document of the
// command line, so it is held in memory on both sides. Larger stdin (a
// big upload) streams through a session.
const maxShellStdin = 256 << 10

// shellCmdOK says whether a command can run in a persistent shell: no sudo
// password to feed (it would have to go on stdin before the command's)
// and its stdout collected in memory, not streamed. Stdin is looked at by
// shellStdin.
func shellCmdOK(cmd *connection.Cmd) bool {
	if cmd.Stdout != nil {
		// Output the caller collects in memory anyway (reading a file
		// back) may come through the shell; a writer that consumes it as
		// it arrives (wait_for's search) needs a session's stream.
		if _, inMemory := cmd.Stdout.(*bytes.Buffer); !inMemory {
			return false
		}
	}
	return cmd.Become == nil || cmd.Become.Password == ""
}

// shellStdin reads r (nil for no stdin) up to maxShellStdin. all says r
// ended within that: data is the whole of it (possibly empty).
func shellStdin(r io.Reader) (data []byte, all bool, err error) {
	if r == nil {
		return nil, true, nil
	}
	data, err = io.ReadAll(io.LimitReader(r, maxShellStdin+1))
	return data, err == nil && len(data) <= maxShellStdin, err
}

// takeShell returns an idle shell of the live client, or starts one while
// the connection has fewer than maxShells; nil when the caller should use
// a session of its own.
func (c *Conn) takeShell(ctx context.Context, cl *client) *shell {
	c.shMu.Lock()
	for len(c.idle) > 0 {
		sh := c.idle[len(c.idle)-1]
		c.idle = c.idle[:len(c.idle)-1]
		if sh.cl == cl && cl.alive() {
			c.shMu.Unlock()
			return sh
		}
		c.shells--
		go sh.close()
	}
	if c.shells >= maxShells || c.noShell {
		c.shMu.Unlock()
		return nil
	}
	c.shells++
	c.shMu.Unlock()
	sh, err := c.startShell(ctx, cl)
	if err != nil {
		c.shMu.Lock()
		c.shells--
		c.shMu.Unlock()
		return nil
	}
	return sh
}

func (c *Conn) putShell(sh *shell) {
	c.shMu.Lock()
	c.idle = append(c.idle, sh)
	c.shMu.Unlock()
}

func (c *Conn) dropShell(sh *shell) {
	c.shMu.Lock()
	c.shells--
	c.shMu.Unlock()
	sh.close()
}

func (c *Conn) startShell(ctx context.Context, cl *client) (*shell, error) {
	sess, err := c.newSession(ctx, cl)
	if err != nil {
		return nil, err
	}
	sh := &shell{cl: cl, sess: sess}
	fail := func(err error) (*shell, error) {
		sess.Close()
		return nil, err
	}
	if sh.in, err = sess.StdinPipe(); err != nil {
		return fail(err)
	}
	if sh.out, err = sess.StdoutPipe(); err != nil {
		return fail(err)
	}
	if sh.err, err = sess.StderrPipe(); err != nil {
		return fail(err)
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return fail(err)
	}
	sh.token = []byte("\x02fjord-" + hex.EncodeToString(tok) + ":")
	// The login shell sshd starts leads its own process group; exec keeps
	// its pid for /bin/sh, so a cancel can kill its tree. After the pid
	// comes whether the host has base64 (for stdin, see shellLine).
	if err := sess.Start("printf '%s%d %s\\n' " + connection.Quote(string(sh.token)) +
		" $$ \"$(command -v base64 >/dev/null 2>&1 && echo b64)\"; exec /bin/sh"); err != nil {
		return fail(err)
	}
	if _, err := io.WriteString(sh.in, "__t="+connection.Quote(string(sh.token))+"\n"); err != nil {
		return fail(err)
	}
	// Whatever a login script printed comes before the token.
	_, rest, err := readToken(sh.out, nil, sh.token, nil)
	if err != nil {
		return fail(fmt.Errorf("starting a shell: %w", err))
	}
	pidLine, rest, err := readLine(sh.out, rest)
	if err != nil {
		return fail(err)
	}
	pid, b64, _ := strings.Cut(string(pidLine), " ")
	if sh.pid, err = strconv.Atoi(pid); err != nil {
		return fail(fmt.Errorf("starting a shell: bad pid %q", pidLine))
	}
	sh.base64 = b64 == "b64"
	sh.outRest = rest
	return sh, nil
}

func (sh *shell) close() {
	sh.in.Close()
	sh.sess.Close()
}

// execShell runs cmd in a persistent shell with stdin (nil for none, as
// shellStdin read it). ok is false when no shell could be had and the
// caller should open a session instead.
func (c *Conn) execShell(ctx context.Context, cmd *connection.Cmd, stdin []byte, cl *client) (res *connection.Result, ok bool, err error) {
	script, _, err := connection.Script(cmd, c.t.ep.user)
	if err != nil {
		return nil, true, err
	}
	sh := c.takeShell(ctx, cl)
	if sh == nil {
		return nil, false, nil
	}
	if err := ctx.Err(); err != nil {
		c.putShell(sh)
		return nil, true, err
	}
	if stdin != nil && !sh.base64 {
		c.putShell(sh)
		return nil, false, nil
	}
	line := shellLine(script, cmd.Isolated, stdin)
	type outcome struct {
		stdout, stderr []byte
		rc             int
		err            error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		var wg sync.WaitGroup
		var errErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.stderr, sh.errRest, errErr = readToken(sh.err, sh.errRest, sh.token, nil)
			if errErr == nil {
				var nl []byte
				nl, sh.errRest, errErr = readLine(sh.err, sh.errRest)
				if errErr == nil && len(nl) != 0 {
					errErr = fmt.Errorf("stray output after the stderr token: %q", nl)
				}
			}
		}()
		if _, werr := io.WriteString(sh.in, line); werr != nil {
			o.err = werr
			sh.sess.Close() // ends the stderr reader too
			wg.Wait()
			done <- o
			return
		}
		o.stdout, sh.outRest, o.err = readToken(sh.out, sh.outRest, sh.token, nil)
		if o.err == nil {
			var rcLine []byte
			rcLine, sh.outRest, o.err = readLine(sh.out, sh.outRest)
			if o.err == nil {
				o.rc, o.err = parseStatus(rcLine, sh.token, cmd.Isolated)
			}
		}
		if o.err != nil {
			sh.sess.Close()
		}
		wg.Wait()
		if o.err == nil {
			o.err = errErr
		}
		done <- o
	}()
	select {
	case o := <-done:
		if o.err != nil {
			c.dropShell(sh)
			return nil, true, c.lost(cl, fmt.Errorf("persistent shell: %w", o.err))
		}
		c.putShell(sh)
		res := &connection.Result{Stdout: o.stdout, Stderr: o.stderr, RC: o.rc}
		if cmd.Stdout != nil {
			// As a session delivers it: to the writer, not the result.
			if _, err := cmd.Stdout.Write(o.stdout); err != nil {
				return nil, true, err
			}
			res.Stdout = nil
		}
		return res, true, nil
	case <-ctx.Done():
		// The command runs under the shell: kill the shell's tree and let
		// the next command start a new shell.
		c.kill(cl, sh.pid, cmd.Become)
		sh.sess.Signal(ssh.SIGKILL)
		c.dropShell(sh)
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
		return nil, true, ctx.Err()
	}
}

// readToken reads from r (after the bytes in rest) until tok, returning
// what came before it and what was read after it.
func readToken(r io.Reader, rest, tok []byte, buf []byte) (before, after []byte, err error) {
	b := bytes.NewBuffer(rest)
	chunk := chunks.Get().(*[]byte)
	defer chunks.Put(chunk)
	from := 0
	for {
		data := b.Bytes()
		if i := bytes.Index(data[from:], tok); i >= 0 {
			i += from
			before = append(buf, data[:i]...)
			after = append([]byte(nil), data[i+len(tok):]...)
			return before, after, nil
		}
		if n := len(data) - len(tok) + 1; n > from {
			from = n
		}
		n, err := r.Read(*chunk)
		b.Write((*chunk)[:n])
		if err != nil && n == 0 {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, nil, err
		}
	}
}

// chunks are readToken's read buffers: a command reads two tokens and two
// lines, which would allocate four of them each.
var chunks = sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}

// readLine reads up to a newline, returning the line without it.
func readLine(r io.Reader, rest []byte) (line, after []byte, err error) {
	return readToken(r, rest, []byte{'\n'}, nil)
}

// shellLine is the line a persistent shell runs for one command, with
// stdin from /dev/null unless stdin is given. A fjord script runs in a
// subshell (a fork, no exec); a user's command (Cmd.Isolated) in a /bin/sh
// of its own, so that
// $$, exec and a kill of itself are its own, as in a session. Before the
// status line comes the token and E from an EXIT trap when the command
// exited rather than died of a signal, which a shell's $? cannot tell
// apart from exit 128+n. The trap writes to fd 9, a copy of stdout that
// an exit inside the command can still reach. $__t is the token, set
// when the shell starts.
//
// With stdin (not nil) the command reads it from base64(1) decoding a
// here-document that follows the line: the shell reads its commands from
// the same pipe, in blocks, so raw bytes after the line could be taken
// for commands or swallowed; a here-document is part of the command.
func shellLine(script string, isolated bool, stdin []byte) string {
	var b strings.Builder
	redir := ` </dev/null`
	if stdin != nil {
		b.WriteString(`base64 -d <<'` + stdinEnd + `' | `)
		redir = ""
	}
	if isolated {
		b.WriteString(`/bin/sh -c '__s=$1 __t=$2; shift 2; trap "printf %sE \"\$__t\" >&9" 0; eval "unset __s; $__s"' sh `)
		b.WriteString(connection.Quote(script))
		b.WriteString(` "$__t" 9>&1` + redir)
	} else {
		b.WriteString(`( trap 'printf %sE "$__t" >&9' 0; eval `)
		b.WriteString(connection.Quote(script))
		b.WriteString(` ) 9>&1` + redir)
	}
	b.WriteString("; printf '%s%d\\n' \"$__t\" \"$?\"; printf '%s\\n' \"$__t\" >&2\n")
	if stdin != nil {
		enc := base64.StdEncoding.EncodeToString(stdin)
		for len(enc) > 76 {
			b.WriteString(enc[:76])
			b.WriteByte('\n')
			enc = enc[76:]
		}
		if enc != "" {
			b.WriteString(enc)
			b.WriteByte('\n')
		}
		b.WriteString(stdinEnd + "\n")
	}
	return b.String()
}

// stdinEnd ends a stdin here-document: never a line of base64 output,
// which has no underscore.
const stdinEnd = "__fjord_stdin_end__"

// parseStatus reads the rest of a status line after a token: E and the
// token again when the command exited, then its status. For fjord's own
// scripts a status above 128 without the exit mark is death by signal n,
// reported as -n like the session and local connections report it. A
// user's command may exec another program, which runs no EXIT trap, so
// there the mark proves nothing by its absence and a status above 128 is
// reported as the shell gives it (128+n for a signal).
func parseStatus(line, token []byte, isolated bool) (int, error) {
	exited := false
	if rest, ok := bytes.CutPrefix(line, append([]byte{'E'}, token...)); ok {
		line, exited = rest, true
	}
	rc, err := strconv.Atoi(string(line))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	if rc > 128 && !exited && !isolated {
		return -(rc - 128), nil
	}
	return rc, nil
}
