package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	d := NewDialer()
	connection.Register("ssh", d)
	// Ansible users name the same transport these ways too.
	connection.Register("paramiko", d)
	connection.Register("smart", d)
}

// Dialer opens ssh connections. Jump hosts are shared: every host behind
// the same bastion tunnels through one connection to it.
type Dialer struct {
	mu    sync.Mutex
	jumps map[string]*jumpEntry
}

type jumpEntry struct {
	ready chan struct{} // closed once c or err is set
	c     *client
	err   error
	refs  int
}

// NewDialer returns a Dialer with no shared jump connections.
func NewDialer() *Dialer { return &Dialer{jumps: map[string]*jumpEntry{}} }

// Dial opens the connection to one host: TCP (through jump hosts if
// any), handshake, host key check, authentication, within o.Timeout
// (default 10s). Every failure is a *connection.UnreachableError.
func (d *Dialer) Dial(ctx context.Context, o connection.Options) (connection.Conn, error) {
	t, err := resolve(o)
	if err != nil {
		return nil, unreachable(o.Host, err)
	}
	c := &Conn{d: d, t: t, sem: make(chan struct{}, maxSessions), remoteTmp: o.RemoteTmp, noHelper: o.NoHostHelper}
	if c.remoteTmp == "" {
		c.remoteTmp = "~/.ansible/tmp"
	}
	cl, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	c.cl = cl
	return c, nil
}

func unreachable(host string, err error) error {
	if connection.IsUnreachable(err) {
		return err
	}
	return &connection.UnreachableError{Host: host, Err: fmt.Errorf("Failed to connect to the host via ssh: %w", err)}
}

// client is one live SSH connection.
type client struct {
	*ssh.Client
	ep      endpoint
	done    chan struct{} // closed when the connection has ended
	release func()        // drops the jump host this one tunnels through
	once    sync.Once
}

func (c *client) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

func (c *client) close() {
	c.once.Do(func() {
		c.Client.Close()
		<-c.done
		if c.release != nil {
			c.release()
		}
	})
}

// connect opens one SSH connection to ep, directly or tunnelled through
// via, within t.timeout.
func (d *Dialer) connect(ctx context.Context, t *target, ep endpoint, via *client) (*client, error) {
	// Keys first: decrypting one (bcrypt KDF) is not the host's delay.
	a := authFor(t, ep)
	defer a.close()
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	var nc net.Conn
	var err error
	if via == nil && ep.proxyCommand != "" {
		nc, err = dialProxyCommand(ep.proxyCommand)
	} else if via == nil {
		nd := net.Dialer{KeepAlive: 30 * time.Second}
		nc, err = nd.DialContext(ctx, "tcp", ep.addr())
		if err == nil {
			nc = quickAck(nc)
		}
	} else {
		nc, err = via.DialContext(ctx, "tcp", ep.addr())
	}
	if err != nil {
		return nil, dialError(ep, via, err, ctx)
	}
	// Deadlines do not work on tunnelled connections: closing the
	// connection is what interrupts a stuck handshake, for both kinds.
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	hk, algos, err := hostKeyChecker(t, ep)
	if err != nil {
		nc.Close()
		return nil, err
	}
	var keyErr error
	cfg := &ssh.ClientConfig{
		User:              ep.user,
		HostKeyAlgorithms: algos,
		HostKeyCallback: func(h string, r net.Addr, k ssh.PublicKey) error {
			keyErr = hk(h, r, k)
			return keyErr
		},
		ClientVersion: "SSH-2.0-fjord",
	}
	cfg.Auth = a.methods
	sc, chans, reqs, err := ssh.NewClientConn(nc, ep.addr(), cfg)
	if !stop() {
		// The deadline struck (or ctx ended) while the handshake finished.
		if err == nil {
			sc.Close()
		}
		if keyErr != nil {
			return nil, keyErr
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh: connect to host %s port %d: Connection timed out during banner exchange or authentication (%v)", ep.hostname, ep.port, t.timeout)
		}
	}
	if err != nil {
		nc.Close()
		if keyErr != nil {
			return nil, keyErr
		}
		return nil, authError(ep, err, a.notes)
	}
	c := &client{Client: ssh.NewClient(sc, chans, reqs), ep: ep, done: make(chan struct{})}
	go func() {
		c.Wait()
		close(c.done)
	}()
	go c.keepalive(t.keepalive)
	return c, nil
}

func dialError(ep endpoint, via *client, err error, ctx context.Context) error {
	what := "Connection refused"
	switch {
	case ctx.Err() != nil:
		what = "Connection timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
	case via != nil:
		what = fmt.Sprintf("channel through %s: %v", via.ep, err)
	default:
		what = err.Error()
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			what = oe.Err.Error()
		}
	}
	return fmt.Errorf("ssh: connect to host %s port %d: %s", ep.hostname, ep.port, what)
}

// keepalive asks the server for a reply every interval, as
// ServerAliveInterval does, and drops the connection after three
// intervals without one, so that commands on a dead host fail instead of
// hanging.
func (c *client) keepalive(interval time.Duration) {
	if interval <= 0 {
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
		watchdog := time.AfterFunc(3*interval, func() { c.Client.Close() })
		_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		watchdog.Stop()
		if err != nil {
			c.Client.Close()
			return
		}
	}
}

// jump returns a shared connection to the last of hops, tunnelled
// through the ones before it, and the function that releases it.
func (d *Dialer) jump(ctx context.Context, t *target, hops []endpoint) (*client, func(), error) {
	if len(hops) == 0 {
		return nil, func() {}, nil
	}
	var keys []string
	for _, h := range hops {
		keys = append(keys, h.String())
	}
	key := strings.Join(keys, ">")
	d.mu.Lock()
	e := d.jumps[key]
	if e != nil {
		select {
		case <-e.ready:
			if e.err != nil || !e.c.alive() {
				e = nil // failed or dead: dial afresh
			}
		default:
		}
	}
	if e != nil {
		e.refs++
		d.mu.Unlock()
		<-e.ready
		if e.err != nil {
			d.release(key, e)
			return nil, nil, e.err
		}
		return e.c, func() { d.release(key, e) }, nil
	}
	e = &jumpEntry{ready: make(chan struct{}), refs: 1}
	d.jumps[key] = e
	d.mu.Unlock()

	parent, prel, err := d.jump(ctx, t, hops[:len(hops)-1])
	if err == nil {
		e.c, err = d.connect(ctx, t, hops[len(hops)-1], parent)
		if err != nil {
			prel()
		} else {
			e.c.release = prel
		}
	}
	if err != nil {
		e.err = fmt.Errorf("jump host %s: %w", hops[len(hops)-1], err)
	}
	close(e.ready)
	if e.err != nil {
		d.release(key, e)
		return nil, nil, e.err
	}
	return e.c, func() { d.release(key, e) }, nil
}

func (d *Dialer) release(key string, e *jumpEntry) {
	d.mu.Lock()
	e.refs--
	last := e.refs == 0
	if last && d.jumps[key] == e {
		delete(d.jumps, key)
	}
	d.mu.Unlock()
	if last && e.c != nil {
		e.c.close()
	}
}

var _ connection.Dialer = (*Dialer)(nil)
