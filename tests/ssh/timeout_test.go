package sshtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/connection"
)

// leftRunning lists the processes whose command line matches pattern and
// kills them: they are the test's own (the lab's hosts are this machine),
// and a failure should not leave them behind.
func leftRunning(pattern string) string {
	out, _ := exec.Command("pgrep", "-af", pattern).Output()
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if pid, _, ok := strings.Cut(l, " "); ok {
			exec.Command("kill", "-KILL", pid).Run()
		}
	}
	return strings.TrimSpace(string(out))
}

// A cancelled command dies on the host with everything it started, over
// either path (persistent shell, session) and through a become, which
// sudo (use_pty, Debian's default) and su -c start in a session of
// their own, out of reach of a kill of the shell's process group, and
// whose processes the connecting user may not be allowed to kill (root
// becoming another user: the kill has to run as root, not through the
// become). The connection runs the next command.
func TestCancelKillsRemoteTree(t *testing.T) {
	l := Start(t, 1)
	testAccount(t, true)
	root := dial(t, l.Options(l.Servers[0]))
	o := l.Options(l.Servers[0])
	o.User = testUser
	user := dial(t, o)
	for i, tc := range []struct {
		name string
		c    connection.Conn
		cmd  connection.Cmd
	}{
		{"persistent shell", root, connection.Cmd{}},
		{"session", root, connection.Cmd{Stdout: io.Discard}},
		{"sudo to root with a password", user, connection.Cmd{Become: &connection.Become{Password: testPassword}}},
		{"sudo from root to a user", root, connection.Cmd{Become: &connection.Become{User: testUser}}},
		{"su from root to a user", root, connection.Cmd{Become: &connection.Become{Method: "su", User: testUser}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tag := fmt.Sprintf("614.%d", i+1)
			tc.cmd.Command = "sleep " + tag + " & sleep " + tag
			tc.cmd.Isolated = true
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			start := time.Now()
			_, err := tc.c.Exec(ctx, &tc.cmd)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v", err)
			}
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("cancel took %v", d)
			}
			if left := leftRunning("sleep " + strings.ReplaceAll(tag, ".", "[.]")); left != "" {
				t.Errorf("left running on the host:\n%s", left)
			}
			res, err := tc.c.Exec(context.Background(), &connection.Cmd{Command: "echo still here", Isolated: true})
			if err != nil || string(res.Stdout) != "still here\n" {
				t.Errorf("next command: %+v %v", res, err)
			}
		})
	}
}

// The timeout keyword over ssh: the task fails on the host at the
// deadline, the user's command and its children are killed on the host
// (through a become too: h1 becomes fjordtest as root through the
// persistent shell, h1u becomes root as fjordtest with a sudo password
// through a session), and the host runs the next task. A fjord that
// ignored the keyword runs into the 60s cap below.
func TestTaskTimeoutOverSSH(t *testing.T) {
	l := Start(t, 1)
	testAccount(t, true)
	bin := fjord(t)
	s := l.Servers[0]
	dir := filepath.Join(l.Dir, "timeout")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	conn := fmt.Sprintf("ansible_host=%s ansible_port=%d ansible_ssh_private_key_file=%s ansible_ssh_common_args='-o UserKnownHostsFile=%s'",
		s.IP, s.Port, l.UserKey, l.KnownHosts)
	inv := fmt.Sprintf("h1 %s ansible_user=root to_user=%s\nh1u %s ansible_user=%s to_user=root ansible_become_password=%s\n",
		conn, testUser, conn, testUser, testPassword)
	site := `- hosts: all
  gather_facts: false
  tasks:
    - name: a command and its child
      command: sh -c 'sleep 615.1 & sleep 615.2'
      timeout: 2
      register: plain
      ignore_errors: true
    - name: through a become
      shell: sleep 615.3 & sleep 615.4
      become: true
      become_user: "{{ to_user }}"
      timeout: 2
      register: escalated
      ignore_errors: true
    - name: the host is still usable, and nothing is left on it
      shell: pgrep -af 'sleep 61[5][.]' || true
      register: left
    - assert:
        that:
          - plain.msg == "The command action failed to execute in the expected time frame (2) and was terminated"
          - escalated.msg == "The shell action failed to execute in the expected time frame (2) and was terminated"
          - left.stdout == ""
`
	for name, content := range map[string]string{"inventory": inv, "site.yml": site} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "playbook", "-i", "inventory", "site.yml")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG=/nonexistent", "ANSIBLE_NOCOLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	left := leftRunning("sleep 615[.]")
	if err != nil || left != "" {
		t.Errorf("fjord: %v after %v; left running on the host: %q\n%s", err, took, left, out.String())
	}
	recap := map[string]string{}
	for _, m := range recapLine.FindAllStringSubmatch(out.String(), -1) {
		recap[m[1]] = strings.Join(strings.Fields(m[2]), " ")
	}
	for _, h := range []string{"h1", "h1u"} {
		if got, want := recap[h], "ok=4 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=2"; got != want {
			t.Errorf("recap of %s: %q, want %q\n%s", h, got, want, out.String())
		}
	}
}
