package runner

import "golang.org/x/sys/unix"

// The termios requests: tcgetattr, and tcsetattr with TCSANOW,
// TCSAFLUSH and TCSADRAIN.
const (
	tcGet      = unix.TCGETS
	tcSet      = unix.TCSETS
	tcSetFlush = unix.TCSETSF
	tcSetDrain = unix.TCSETSW
)

// flushInput is tcflush(fd, TCIFLUSH): input typed but not read is dropped.
func flushInput(fd int) { _ = unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH) }
