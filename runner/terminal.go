package runner

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
)

// The controller's terminal, as ansible-playbook reads it: --step and
// vars_prompt through Python's input() and getpass, pause byte by byte
// in raw mode (terminal_linux.go). Options.Stdin is the terminal; nil
// means stdin is not one.

// errNoInput is end of input where an answer was wanted: ansible's
// EOFError.
var errNoInput = errors.New("EOF when reading a line")

// write prints s on the progress output under the output lock, as
// ansible's display.display writes to stdout.
func (r *run) write(s string) {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	_, _ = io.WriteString(r.o.Stdout, s)
}

// input asks as Python's input(prompt): with stdin and stdout both
// terminals the prompt goes to stderr (CPython's own line reader),
// otherwise to stdout; the answer is a line of stdin without its end.
func (r *run) input(ctx context.Context, prompt string) (string, error) {
	out := r.o.Stdout
	if f, ok := r.o.Stdout.(*os.File); ok && r.o.Stdin != nil && isTerminal(r.o.Stdin) && isTerminal(f) {
		out = r.o.Stderr
	}
	r.outMu.Lock()
	_, _ = io.WriteString(out, prompt)
	r.outMu.Unlock()
	if r.o.Stdin == nil {
		return "", errNoInput
	}
	return readLine(ctx, r.o.Stdin)
}

// getpass asks as Python's getpass.getpass: on /dev/tty with echo off,
// the prompt written once echo is off, a newline after the answer.
func (r *run) getpass(ctx context.Context, prompt string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		if r.o.Stdin == nil {
			return "", errNoInput
		}
		tty = r.o.Stdin
	} else {
		defer tty.Close()
	}
	restore, err := echoOff(tty)
	if err != nil {
		// getpass's fallback: a visible prompt on stderr
		_, _ = io.WriteString(r.o.Stderr, prompt)
		return readLine(ctx, tty)
	}
	_, _ = io.WriteString(tty, prompt)
	line, err := readLine(ctx, tty)
	restore()
	_, _ = io.WriteString(tty, "\n")
	return line, err
}

// readLine reads up to a newline one byte at a time, so nothing past the
// line is taken from a shared stdin; end of input before any byte is
// errNoInput. Cancelling ctx (Ctrl+C) ends the wait on a file.
func readLine(ctx context.Context, f io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	file, _ := f.(*os.File)
	for {
		if file != nil {
			if err := waitReadable(ctx, file); err != nil {
				return "", err
			}
		}
		n, err := f.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return b.String(), nil
			}
			b.WriteByte(buf[0])
			continue
		}
		if err != nil {
			if b.Len() > 0 && err == io.EOF {
				return b.String(), nil
			}
			return "", errNoInput
		}
	}
}

// stdoutFile is the progress output when it is a file (a terminal pause
// puts in raw mode too).
func stdoutFile(r *run) *os.File {
	f, _ := r.o.Stdout.(*os.File)
	return f
}
