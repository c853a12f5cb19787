package runner

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/value"
)

// connFor returns the connection for the task's target host (the delegate
// if any), opening it once per run.
func (r *run) connFor(ctx context.Context, tc *taskCtx, delegate string) (connection.Conn, error) {
	target := tc.h.name
	sc := tc.sc
	if delegate != "" && delegate != tc.h.name {
		target = delegate
		dh := r.hostState(delegate)
		if dh == nil {
			// an unknown delegate: localhost names are local, others ssh.
			switch delegate {
			case "localhost", "127.0.0.1", "::1":
				return r.dial(ctx, "local", connection.Options{Host: delegate})
			}
			extra := map[string]string{}
			r.sshArgs(extra)
			return r.dial(ctx, r.defaultConnType(), connection.Options{Host: delegate, Address: delegate,
				Port: r.o.RemotePort, User: r.o.RemoteUser, KeyFile: r.o.PrivateKey, Timeout: r.o.Timeout, HostKeyCheck: r.hostKeyChecking(nil), Extra: extra})
		}
		sc = r.newScope(tc.ex.pr, dh, nil, nil)
	}
	typ := ""
	if v := tc.kw(func(k playbook.Keywords) any { return k.Connection }); v != nil && delegate == "" {
		typ, _ = tc.sc.renderString(v)
	}
	if typ == "" {
		// As the keywords here, a setting that does not render is left
		// unset, and the connection fails or goes by its default.
		if v, ok, _ := sc.Lookup("ansible_connection"); ok && v != nil {
			typ = value.String(v)
		}
	}
	if typ == "" {
		typ = r.defaultConnType()
	}
	o := connection.Options{Host: target, Address: target}
	str := func(names ...string) string {
		for _, n := range names {
			if v, ok, _ := sc.Lookup(n); ok && v != nil {
				return value.String(v)
			}
		}
		return ""
	}
	if a := str("ansible_host", "ansible_ssh_host"); a != "" {
		o.Address = a
	}
	o.Port = r.o.RemotePort
	if p := str("ansible_port", "ansible_ssh_port"); p != "" {
		o.Port, _ = strconv.Atoi(p)
	}
	o.User = str("ansible_user", "ansible_ssh_user")
	if o.User == "" {
		o.User = r.o.RemoteUser
	}
	if v := tc.kw(func(k playbook.Keywords) any { return k.RemoteUser }); v != nil {
		o.User, _ = tc.sc.renderString(v)
	}
	o.Password = str("ansible_password", "ansible_ssh_pass")
	if o.Password == "" {
		o.Password = r.o.ConnPassword
	}
	o.KeyFile = str("ansible_ssh_private_key_file", "ansible_private_key_file")
	if o.KeyFile == "" {
		o.KeyFile = r.o.PrivateKey
	}
	o.Timeout = r.o.Timeout
	o.RemoteTmp = str("ansible_remote_tmp")
	switch strings.ToLower(str("fjord_host_helper")) {
	case "0", "false", "no", "off":
		o.NoHostHelper = true
	}
	o.AskPassphrase = r.o.AskKeyPassphrase
	o.Extra = map[string]string{}
	for _, k := range []string{"ansible_ssh_common_args", "ansible_ssh_extra_args", "ansible_ssh_args", "ansible_host_key_checking", "ansible_ssh_host_key_checking"} {
		if s := str(k); s != "" {
			o.Extra[k] = s
		}
	}
	r.sshArgs(o.Extra)
	o.HostKeyCheck = r.hostKeyChecking(o.Extra)
	return r.dial(ctx, typ, o)
}

// sshArgs fills in the ssh arguments the host does not set itself from
// the command line and ansible.cfg, as ansible's play context does.
func (r *run) sshArgs(extra map[string]string) {
	for _, a := range []struct{ key, v string }{
		{"ansible_ssh_args", r.o.SSHArgs},
		{"ansible_ssh_common_args", r.o.SSHCommonArgs},
		{"ansible_ssh_extra_args", r.o.SSHExtraArgs},
	} {
		if _, ok := extra[a.key]; !ok && a.v != "" {
			extra[a.key] = a.v
		}
	}
}

// hostKeyChecking is Ansible's host_key_checking: on unless the host's
// ansible_ssh_host_key_checking / ansible_host_key_checking or, when it
// has neither, Options.HostKeyChecking (ansible.cfg /
// ANSIBLE_HOST_KEY_CHECKING) says false (any spelling boolean() takes).
func (r *run) hostKeyChecking(extra map[string]string) bool {
	v, ok := extra["ansible_ssh_host_key_checking"]
	if !ok {
		v, ok = extra["ansible_host_key_checking"]
	}
	if !ok {
		return r.o.HostKeyChecking == nil || *r.o.HostKeyChecking
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "n", "no", "off", "0", "false", "f", "0.0":
		return false
	}
	return true
}

func (r *run) defaultConnType() string {
	if r.o.Connection != "" {
		return r.o.Connection
	}
	return "ssh"
}

func (r *run) dial(ctx context.Context, typ string, o connection.Options) (connection.Conn, error) {
	key := typ
	if typ != "local" {
		key = fmt.Sprintf("%s|%s|%s|%d|%s", typ, o.Host, o.Address, o.Port, o.User)
	}
	r.connMu.Lock()
	if c, ok := r.conns[key]; ok {
		r.connMu.Unlock()
		return c, nil
	}
	r.connMu.Unlock()
	d, ok := connection.Lookup(typ)
	if !ok {
		return nil, &connection.UnreachableError{Host: o.Host, Err: fmt.Errorf("the connection plugin '%s' was not found", typ)}
	}
	c, err := d.Dial(ctx, o)
	if err != nil {
		if !connection.IsUnreachable(err) {
			err = &connection.UnreachableError{Host: o.Host, Err: err}
		}
		return nil, err
	}
	r.connMu.Lock()
	defer r.connMu.Unlock()
	if prev, ok := r.conns[key]; ok {
		c.Close()
		return prev, nil
	}
	r.conns[key] = c
	return c, nil
}

// dropConn forgets a cached connection that no longer works, so that the
// next task dials anew.
func (r *run) dropConn(c connection.Conn) {
	r.connMu.Lock()
	for k, v := range r.conns {
		if v == c {
			delete(r.conns, k)
		}
	}
	r.connMu.Unlock()
	c.Close()
}
