package ssh

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is why a host key was refused. Unknown is true when
// known_hosts has no key for the host, false when it has a different one.
type HostKeyError struct {
	Address string // as known_hosts names it: host or [host]:port
	Unknown bool
	Revoked bool
	Offered ssh.PublicKey
	Known   []knownhosts.KnownKey
	Files   []string
}

func (e *HostKeyError) Error() string {
	fp := ssh.FingerprintSHA256(e.Offered)
	switch {
	case e.Revoked:
		return fmt.Sprintf("Host key verification failed: the %s key %s of %s is marked as revoked", e.Offered.Type(), fp, e.Address)
	case e.Unknown:
		host, port := e.Address, "22"
		if h, p, err := net.SplitHostPort(strings.Trim(e.Address, "")); err == nil {
			host, port = strings.Trim(h, "[]"), p
		}
		return fmt.Sprintf("Host key verification failed: no key for %s in known_hosts (%s); the host offered %s %s. "+
			"Add it (ssh-keyscan -p %s %s >> ~/.ssh/known_hosts) after checking the fingerprint, or set ANSIBLE_HOST_KEY_CHECKING=False",
			e.Address, strings.Join(e.Files, ", "), e.Offered.Type(), fp, port, host)
	}
	var known []string
	for _, k := range e.Known {
		known = append(known, fmt.Sprintf("%s %s at %s:%d", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line))
	}
	return fmt.Sprintf("Host key verification failed: REMOTE HOST IDENTIFICATION HAS CHANGED for %s: it offered %s %s, known_hosts has %s. "+
		"Someone could be eavesdropping (man-in-the-middle), or the host key was just changed; if so, remove the old key with ssh-keygen -R '%s'",
		e.Address, e.Offered.Type(), fp, strings.Join(known, "; "), e.Address)
}

// hostKeyChecker builds the HostKeyCallback for one endpoint and the host
// key algorithms to ask for: those of the keys known_hosts has for it, so
// that a server with several keys offers the one we know.
func hostKeyChecker(t *target, ep endpoint) (ssh.HostKeyCallback, []string, error) {
	if !t.checkKeys {
		return ssh.InsecureIgnoreHostKey(), nil, nil //nolint:gosec // host key checking was turned off by the user
	}
	var files []string
	for _, f := range t.knownHosts {
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		}
	}
	var db ssh.HostKeyCallback
	if len(files) > 0 {
		var err error
		db, err = knownhosts.New(files...)
		if err != nil {
			return nil, nil, fmt.Errorf("reading known_hosts: %w", err)
		}
	} else {
		db = func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }
	}
	addr := ep.addr()
	norm := knownhosts.Normalize(addr)
	shown := files
	if len(shown) == 0 {
		shown = t.knownHosts[:1]
	}

	// Ask the database with a key it cannot hold to learn what it holds.
	probe, _ := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	var algos []string
	var ke *knownhosts.KeyError
	if err := db(addr, fakeAddr(addr), probe); errors.As(err, &ke) {
		seen := map[string]bool{}
		for _, k := range ke.Want {
			for _, a := range algorithmsFor(k.Key.Type()) {
				if !seen[a] {
					seen[a] = true
					algos = append(algos, a)
				}
			}
		}
	}

	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		if _, ok := remote.(pipeAddr); ok {
			// Through a ProxyCommand only the host's name is known, as
			// for ssh(1).
			remote = fakeAddr(addr)
		}
		err := db(addr, remote, key)
		if err == nil {
			return nil
		}
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &ke) && len(ke.Want) == 0:
			if t.acceptNew {
				return nil
			}
			return &HostKeyError{Address: norm, Unknown: true, Offered: key, Files: shown}
		case errors.As(err, &ke):
			return &HostKeyError{Address: norm, Offered: key, Known: ke.Want, Files: shown}
		case errors.As(err, &re):
			return &HostKeyError{Address: norm, Revoked: true, Offered: key, Files: shown}
		}
		return err
	}
	return cb, algos, nil
}

func algorithmsFor(keyType string) []string {
	switch keyType {
	case ssh.KeyAlgoRSA:
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	case ssh.CertAlgoRSAv01:
		return []string{ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01}
	}
	return []string{keyType}
}

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }
