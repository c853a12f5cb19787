//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package runner

import (
	"context"
	"os"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// echoOff turns echo off on f (discarding unread input, as getpass's
// TCSAFLUSH does) and returns what puts it back.
func echoOff(f *os.File) (func(), error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, tcGet)
	if err != nil {
		return nil, err
	}
	t := *old
	t.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(fd, tcSetFlush, &t); err != nil {
		return nil, err
	}
	return func() { _ = unix.IoctlSetTermios(fd, tcSetFlush, old) }, nil
}

// interactive is ansible pause's is_interactive: f is a terminal and
// this process is in its foreground group.
func interactive(f *os.File) bool {
	if f == nil || !isTerminal(f) {
		return false
	}
	pg, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil && pg == unix.Getpgrp()
}

// rawTerm is a terminal put in the raw mode pause reads keys in.
type rawTerm struct {
	in        *os.File
	old       *unix.Termios
	intr, del byte
}

// setRaw is ansible pause's setraw (CPython's tty.setraw keeping OPOST,
// so output still turns \n into \r\n), with TCSAFLUSH.
func setRaw(fd int) (*unix.Termios, error) {
	old, err := unix.IoctlGetTermios(fd, tcGet)
	if err != nil {
		return nil, err
	}
	t := *old
	t.Iflag &^= unix.BRKINT | unix.ICRNL | unix.INPCK | unix.ISTRIP | unix.IXON
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Lflag &^= unix.ECHO | unix.ICANON | unix.IEXTEN | unix.ISIG
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return old, unix.IoctlSetTermios(fd, tcSetFlush, &t)
}

// makeRaw puts in (and out, when a terminal) in raw mode, echo back on
// when echo is set, and drops input typed before.
func makeRaw(in, out *os.File, echo bool) (*rawTerm, error) {
	fd := int(in.Fd())
	old, err := setRaw(fd)
	if err != nil {
		return nil, err
	}
	rt := &rawTerm{in: in, old: old, intr: old.Cc[unix.VINTR], del: old.Cc[unix.VERASE]}
	if out != nil && isTerminal(out) {
		_, _ = setRaw(int(out.Fd()))
	}
	if echo {
		t, err := unix.IoctlGetTermios(fd, tcGet)
		if err == nil {
			t.Lflag |= unix.ECHO
			_ = unix.IoctlSetTermios(fd, tcSet, t)
		}
	}
	flushInput(fd)
	return rt, nil
}

// restore puts the terminal back once output has drained (TCSADRAIN).
func (rt *rawTerm) restore() { _ = unix.IoctlSetTermios(int(rt.in.Fd()), tcSetDrain, rt.old) }

// readKey waits for one byte until deadline (zero: none) or stop; ok is
// false when neither brought a key.
func (rt *rawTerm) readKey(deadline time.Time, stop <-chan struct{}) (byte, bool) {
	fd := int(rt.in.Fd())
	for {
		select {
		case <-stop:
			return 0, false
		default:
		}
		wait := 100
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return 0, false
			}
			if ms := int(left/time.Millisecond) + 1; ms < wait {
				wait = ms
			}
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, wait)
		if err != nil && err != unix.EINTR {
			return 0, false
		}
		if n > 0 {
			buf := make([]byte, 1)
			m, err := unix.Read(fd, buf)
			if m == 1 {
				return buf[0], true
			}
			if err != unix.EINTR && err != unix.EAGAIN {
				return 0, false
			}
		}
	}
}

// waitReadable waits until f has input (or its end) or ctx ends.
func waitReadable(ctx context.Context, f *os.File) error {
	fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := unix.Poll(fds, 100)
		if err != nil && err != unix.EINTR {
			return nil // let the read itself report it
		}
		if n > 0 {
			return nil
		}
	}
}
