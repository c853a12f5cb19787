//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package runner

import "golang.org/x/sys/unix"

// The termios requests: tcgetattr, and tcsetattr with TCSANOW,
// TCSAFLUSH and TCSADRAIN, as the BSDs' libc makes them.
const (
	tcGet      = unix.TIOCGETA
	tcSet      = unix.TIOCSETA
	tcSetFlush = unix.TIOCSETAF
	tcSetDrain = unix.TIOCSETAW
)

// fread is <sys/fcntl.h>'s FREAD, which x/sys/unix does not export.
const fread = 0x1

// flushInput is tcflush(fd, TCIFLUSH): on the BSDs TIOCFLUSH takes a
// pointer to which queues to drop.
func flushInput(fd int) { _ = unix.IoctlSetPointerInt(fd, unix.TIOCFLUSH, fread) }
