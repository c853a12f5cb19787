package sshtest

import (
	"fmt"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func knownhostsHashed(s *Server) string {
	return fmt.Sprintf("%s %s", knownhosts.HashHostname(s.KnownHostsName()), ssh.MarshalAuthorizedKey(s.HostKey.PublicKey()))
}
