package ssh

import (
	"net"
	"syscall"
)

// quickAck makes a TCP connection acknowledge what it reads at once.
//
// sshd leaves Nagle's algorithm on for a session until it runs a command,
// and answers a connection's first channel open with a small packet
// right behind the small ones it sent after authentication: Nagle holds
// that answer until those are acknowledged, and Linux delays the
// acknowledgement by 40 ms (nothing goes back to piggyback on). Every
// connection's first session cost 40 ms of idle waiting. TCP_QUICKACK
// does not stick (the kernel may return to delayed mode), so it is set
// again after each read.
func quickAck(nc net.Conn) net.Conn {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nc
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nc
	}
	return &quickAckConn{TCPConn: tc, rc: rc}
}

type quickAckConn struct {
	*net.TCPConn
	rc syscall.RawConn
}

func (q *quickAckConn) Read(b []byte) (int, error) {
	n, err := q.TCPConn.Read(b)
	if n > 0 {
		q.rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
		})
	}
	return n, err
}
