package ssh

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fjord-run/fjord/connection"
)

// Defaults, as Ansible's ssh connection has them.
const (
	defaultTimeout   = 10 * time.Second
	defaultKeepalive = 15 * time.Second
)

// endpoint is one SSH server to connect to: the target or a jump host.
type endpoint struct {
	hostname   string // what to connect to and look up in known_hosts
	port       int
	user       string
	identities []string // key files named for it, in order
	// proxyCommand, when set, is run locally and its stdin/stdout carry
	// the connection (ProxyCommand; tokens already expanded).
	proxyCommand string
}

func (e endpoint) addr() string {
	return net.JoinHostPort(e.hostname, strconv.Itoa(e.port))
}

func (e endpoint) String() string { return e.user + "@" + e.addr() }

// target is everything needed to open (and reopen) one host's connection.
type target struct {
	host       string // inventory name, for messages
	ep         endpoint
	jumps      []endpoint
	knownHosts []string // files, existing or not
	checkKeys  bool
	acceptNew  bool // StrictHostKeyChecking=accept-new: unknown keys pass, changed ones do not
	timeout    time.Duration
	keepalive  time.Duration
	password   string
	passphrase string
	askPass    func(keyFile string) (string, error)
	// defaultKeys is whether ~/.ssh/id_* are tried: ssh(1) tries them only
	// when no IdentityFile was named.
	defaultKeys bool
}

// resolve combines the connection options, the ssh(1) arguments in the
// host's variables and ~/.ssh/config into one target. Precedence follows
// what ssh(1) sees from Ansible: inventory user/port/key first, then -o
// options from the args, then the config file; first value wins.
func resolve(o connection.Options) (*target, error) {
	cl, err := parseArgs(o.Extra["ansible_ssh_args"], o.Extra["ansible_ssh_common_args"], o.Extra["ansible_ssh_extra_args"])
	if err != nil {
		return nil, fmt.Errorf("ssh arguments: %w", err)
	}
	home, _ := os.UserHomeDir()
	cfgName := cl.configFile
	if cfgName == "" {
		cfgName = filepath.Join(home, ".ssh", "config")
	}
	cfg, err := readConfigFile(expandTilde(cfgName))
	if err != nil {
		return nil, err
	}
	alias := o.Address
	if alias == "" {
		alias = o.Host
	}
	s := newSettings()
	if o.User != "" {
		s.set("user", []string{o.User})
	}
	if o.Port != 0 {
		s.set("port", []string{strconv.Itoa(o.Port)})
	}
	if o.KeyFile != "" {
		s.set("identityfile", []string{o.KeyFile})
	}
	s.merge(cl.opts)
	cfg.apply(alias, s)

	t := &target{host: o.Host, password: o.Password, passphrase: o.KeyPassphrase, askPass: o.AskPassphrase}
	t.ep, err = endpointFrom(s, alias, home)
	if err != nil {
		return nil, err
	}
	t.defaultKeys = len(t.ep.identities) == 0
	// As in ssh(1), ProxyJump wins when both are given.
	jump := s.get("proxyjump")
	if pc := s.get("proxycommand"); pc != "" && !strings.EqualFold(pc, "none") && (jump == "" || strings.EqualFold(jump, "none")) {
		t.ep.proxyCommand = expandTokens(pc, t.ep.hostname, strconv.Itoa(t.ep.port), t.ep.user, home)
	}
	if jump != "" && !strings.EqualFold(jump, "none") {
		for _, spec := range strings.Split(jump, ",") {
			hs, alias, err := parseJump(spec)
			if err != nil {
				return nil, err
			}
			cfg.apply(alias, hs)
			ep, err := endpointFrom(hs, alias, home)
			if err != nil {
				return nil, err
			}
			// A bastion usually takes the same key as the hosts behind it.
			ep.identities = append(ep.identities, t.ep.identities...)
			t.jumps = append(t.jumps, ep)
		}
	}

	if o.KnownHostsFile != "" {
		t.knownHosts = []string{o.KnownHostsFile}
	} else if v := s.get("userknownhostsfile"); v != "" {
		for _, f := range strings.Fields(v) {
			t.knownHosts = append(t.knownHosts, expandTokens(f, t.ep.hostname, strconv.Itoa(t.ep.port), t.ep.user, home))
		}
	} else {
		t.knownHosts = []string{filepath.Join(home, ".ssh", "known_hosts"), filepath.Join(home, ".ssh", "known_hosts2")}
	}
	if v := s.get("globalknownhostsfile"); v != "" {
		t.knownHosts = append(t.knownHosts, strings.Fields(v)...)
	} else {
		t.knownHosts = append(t.knownHosts, "/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")
	}

	t.checkKeys = o.HostKeyCheck
	if v, ok := o.Extra["ansible_ssh_host_key_checking"]; ok {
		t.checkKeys = !falsy(v)
	} else if v, ok := o.Extra["ansible_host_key_checking"]; ok {
		t.checkKeys = !falsy(v)
	}
	switch v := strings.ToLower(s.get("stricthostkeychecking")); {
	case v == "accept-new":
		t.acceptNew = true
	case falsy(v):
		t.checkKeys = false
	}

	t.timeout = defaultTimeout
	if o.Timeout > 0 {
		t.timeout = time.Duration(o.Timeout) * time.Second
	} else if v := s.get("connecttimeout"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			t.timeout = time.Duration(n) * time.Second
		}
	}
	t.keepalive = defaultKeepalive
	if v := s.get("serveraliveinterval"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			t.keepalive = time.Duration(n) * time.Second
		}
	}
	return t, nil
}

// localUser is the controller's user name, ssh's default remote user and
// its %u. It is looked up once, and only when needed: with cgo the lookup
// starts the C library's name service, some milliseconds every run would
// wait for when the inventory names the user anyway.
var localUser = sync.OnceValue(func() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
})

func endpointFrom(s *settings, alias, home string) (endpoint, error) {
	ep := endpoint{hostname: alias, port: 22}
	if v := s.get("port"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p <= 0 || p > 65535 {
			return ep, fmt.Errorf("bad port %q", v)
		}
		ep.port = p
	}
	if v := s.get("user"); v != "" {
		ep.user = v
	} else {
		ep.user = localUser()
	}
	if v := s.get("hostname"); v != "" {
		ep.hostname = expandTokens(v, alias, strconv.Itoa(ep.port), ep.user, home)
	}
	for _, f := range s.identities {
		ep.identities = append(ep.identities, expandTokens(f, ep.hostname, strconv.Itoa(ep.port), ep.user, home))
	}
	return ep, nil
}

// parseJump reads one ProxyJump hop, [user@]host[:port] or
// ssh://[user@]host[:port], into settings that win over the config.
func parseJump(spec string) (*settings, string, error) {
	s := newSettings()
	spec = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(spec), "ssh://"))
	if spec == "" {
		return nil, "", fmt.Errorf("empty ProxyJump host")
	}
	if u, h, ok := strings.Cut(spec, "@"); ok {
		s.set("user", []string{u})
		spec = h
	}
	host := spec
	if h, p, err := net.SplitHostPort(spec); err == nil {
		host = h
		s.set("port", []string{p})
	} else if strings.HasPrefix(spec, "[") && strings.HasSuffix(spec, "]") {
		host = spec[1 : len(spec)-1]
	}
	return s, host, nil
}

// merge adds other's values under s's first-wins rule.
func (s *settings) merge(other *settings) {
	for k, v := range other.values {
		if _, ok := s.values[k]; !ok {
			s.values[k] = v
		}
	}
	s.identities = append(s.identities, other.identities...)
}
