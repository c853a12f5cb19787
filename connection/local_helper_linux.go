package connection

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/fjord-run/fjord/connection/hosthelper"
)

// localHelpers serves a local connection's file requests in fjord's own
// process: the host helper's server (hosthelper.Serve) over in-memory
// pipes, so a stat, read or write costs no process at all. A request
// with become keeps the scripts (it must run as another user).
type localHelpers struct {
	mu      sync.Mutex
	servers []localServer
	closed  bool
}

type localServer struct {
	h    *Helper
	done chan struct{} // closed when Serve has returned
}

// Helper implements HelperConn: an idle server of this connection's, or
// a new one (tasks of many hosts delegated to localhost share it).
func (l *Local) Helper(ctx context.Context, b *Become) *Helper {
	if b != nil || l.noHelper || !HelperEnabled() {
		return nil
	}
	hs := &l.helpers
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.closed {
		return nil
	}
	for _, s := range hs.servers {
		if !s.h.Broken() && !s.h.Busy() {
			return s.h
		}
	}
	s, err := startLocalServer()
	if err != nil {
		return nil
	}
	live := hs.servers[:0]
	for _, o := range hs.servers {
		if !o.h.Broken() {
			live = append(live, o)
		}
	}
	hs.servers = append(live, s)
	return s.h
}

func startLocalServer() (localServer, error) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := hosthelper.Serve(inR, outW)
		inR.CloseWithError(err)
		outW.CloseWithError(err)
	}()
	go func() {
		// Serve reads up to the mark before its greeting
		if _, err := io.WriteString(inW, hosthelper.Sync); err != nil {
			inW.CloseWithError(err)
		}
	}()
	h, err := NewHelper(outR, inW, func(abort bool) {
		inW.Close()
		outR.Close()
		if abort {
			// a request cut short: its temporary file is gone when
			// Serve has returned (closeHelpers waits for the rest)
			select {
			case <-done:
			case <-time.After(3 * time.Second):
			}
		}
	}, func(err error) error { return err })
	if err != nil {
		inW.Close()
		outR.Close()
		return localServer{}, err
	}
	return localServer{h: h, done: done}, nil
}

// closeHelpers ends the connection's servers and waits (briefly) for
// them to return: a write in progress removes its temporary file before
// fjord exits.
func (l *Local) closeHelpers() {
	hs := &l.helpers
	hs.mu.Lock()
	servers := hs.servers
	hs.servers, hs.closed = nil, true
	hs.mu.Unlock()
	for _, s := range servers {
		s.h.Close()
	}
	deadline := time.After(2 * time.Second)
	for _, s := range servers {
		select {
		case <-s.done:
		case <-deadline:
			return
		}
	}
}
