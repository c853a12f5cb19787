// Package ssh is the "ssh" connection (also registered as "paramiko" and
// "smart", which Ansible users write for the same thing): one TCP+SSH
// connection per host on golang.org/x/crypto/ssh, opened once and shared
// by every command of the run.
//
// Commands without stdin whose output is collected (nearly all a play
// sends: module checks, stats, user commands) run in one of up to two
// persistent /bin/sh processes per connection, one after another, each
// ended by a random token on stdout and stderr: no session, no login
// shell start per command, which is most of what a command costs over
// SSH. fjord's own scripts run in a subshell there; a user's command
// (Cmd.Isolated) in a /bin/sh of its own, as in a session. Commands that
// stream stdin (uploads, a sudo password) or stdout (downloads) take a
// session of their own.
//
// Where OpenSSH's ssh(1) reads ~/.ssh/config, the command line and
// ~/.ssh/known_hosts, this package reads the same files and the subset of
// options Ansible inventories use: HostName, Port, User, IdentityFile,
// ProxyJump, ProxyCommand, UserKnownHostsFile, StrictHostKeyChecking, ConnectTimeout,
// ServerAliveInterval, from ~/.ssh/config or from -o/-J/-i/-p/-l in
// ansible_ssh_common_args and ansible_ssh_extra_args.
//
// Host keys are checked unless Options.HostKeyCheck is false or the
// options say StrictHostKeyChecking=no: an unknown or changed key makes the
// host unreachable with a message saying which, never a silent accept.
package ssh
