package ssh

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// auth is the authentication one endpoint gets, with notes for the error
// message when every method fails (a locked key, a missing file).
type auth struct {
	methods []ssh.AuthMethod
	notes   []string
	closers []func()
}

func (a *auth) close() {
	for _, c := range a.closers {
		c()
	}
}

// authFor loads the keys for ep in ssh(1)'s spirit: named key files
// first, then the agent's keys, then (when no key file was named) the
// default ~/.ssh/id_*; then the password, also for keyboard-interactive.
func authFor(t *target, ep endpoint) *auth {
	a := &auth{}
	var signers []ssh.Signer
	for _, f := range ep.identities {
		s, note := loadKey(f, t, true)
		if s != nil {
			signers = append(signers, s)
		}
		if note != "" {
			a.notes = append(a.notes, note)
		}
	}
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		if c, err := net.Dial("unix", sock); err == nil {
			if ss, err := agent.NewClient(c).Signers(); err == nil {
				signers = append(signers, ss...)
			}
			a.closers = append(a.closers, func() { c.Close() })
		}
	}
	if t.defaultKeys {
		if home, err := os.UserHomeDir(); err == nil {
			for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
				s, note := loadKey(filepath.Join(home, ".ssh", n), t, false)
				if s != nil {
					signers = append(signers, s)
				}
				if note != "" {
					a.notes = append(a.notes, note)
				}
			}
		}
	}
	if len(signers) > 0 {
		a.methods = append(a.methods, ssh.PublicKeys(signers...))
	}
	if t.password != "" {
		pw := t.password
		a.methods = append(a.methods,
			ssh.Password(pw),
			ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range questions {
					if !echos[i] {
						answers[i] = pw
					}
				}
				return answers, nil
			}))
	}
	return a
}

// loadKey reads a private key file. A missing default key is no note; a
// missing named key or a locked one is.
func loadKey(name string, t *target, named bool) (ssh.Signer, string) {
	pem, err := os.ReadFile(name)
	if err != nil {
		if !named && errors.Is(err, os.ErrNotExist) {
			return nil, ""
		}
		return nil, fmt.Sprintf("cannot read private key %s: %v", name, err)
	}
	s, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		passphrase := t.passphrase
		if passphrase == "" && t.askPass != nil && named {
			var perr error
			if passphrase, perr = t.askPass(name); perr != nil {
				return nil, fmt.Sprintf("private key %s: reading its passphrase: %v", name, perr)
			}
		}
		if passphrase == "" {
			return nil, fmt.Sprintf("private key %s is protected by a passphrase and none was given (load it into ssh-agent, or give the passphrase)", name)
		}
		s, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(passphrase))
		if err != nil {
			return nil, fmt.Sprintf("private key %s: %v", name, err)
		}
	}
	if err != nil {
		return nil, fmt.Sprintf("private key %s: %v", name, err)
	}
	return s, ""
}

// authError rewrites x/crypto's "unable to authenticate" the way ssh(1)
// words it, with what we noticed about the keys.
func authError(ep endpoint, err error, notes []string) error {
	msg := err.Error()
	if i := strings.Index(msg, "unable to authenticate"); i >= 0 {
		methods := "publickey"
		if j := strings.Index(msg, "attempted methods ["); j >= 0 {
			rest := msg[j+len("attempted methods ["):]
			if k := strings.IndexByte(rest, ']'); k >= 0 {
				var ms []string
				for _, m := range strings.Fields(rest[:k]) {
					if m != "none" {
						ms = append(ms, m)
					}
				}
				if len(ms) > 0 {
					methods = strings.Join(ms, ",")
				}
			}
		}
		msg = fmt.Sprintf("%s: Permission denied (%s).", ep, methods)
		if len(notes) > 0 {
			msg += " " + strings.Join(notes, "; ")
		}
		return errors.New(msg)
	}
	return err
}
