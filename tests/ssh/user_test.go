package sshtest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection"
	fssh "github.com/fjord-run/fjord/connection/ssh"
	"github.com/fjord-run/fjord/internal/testgate"
)

const (
	testUser     = "fjordtest"
	testPassword = "fjord-Test-pw1"
)

// testAccount makes sure a local user fjordtest exists with a known
// password (and /bin/sh as its shell); with sudo, it may run anything as
// anyone after giving its password. The sudoers entry goes at cleanup.
func testAccount(t *testing.T, withSudo bool) {
	t.Helper()
	if _, err := exec.Command("id", testUser).Output(); err != nil {
		if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", testUser).CombinedOutput(); err != nil {
			t.Fatalf("useradd: %v %s", err, out)
		}
	}
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(testUser + ":" + testPassword + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v %s", err, out)
	}
	if !withSudo {
		return
	}
	testgate.Tool(t, "sudo", "apt-get install sudo")
	f := "/etc/sudoers.d/fjordtest"
	if err := os.WriteFile(f, []byte(testUser+" ALL=(ALL:ALL) ALL\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(f) })
}

func TestPasswordAuth(t *testing.T) {
	l := Start(t, 1, "PasswordAuthentication yes")
	testAccount(t, false)
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("HOME", t.TempDir())
	o := l.Options(l.Servers[0])
	o.User, o.KeyFile, o.Password = testUser, "", testPassword
	c, err := fssh.NewDialer().Dial(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Exec(context.Background(), &connection.Cmd{Command: "id -un"})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != testUser {
		t.Errorf("id: %v %v", res, err)
	}
	o.Password = "wrong"
	_, err = fssh.NewDialer().Dial(context.Background(), o)
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "Permission denied (password") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestBecomeSudo(t *testing.T) {
	l := Start(t, 1)
	testAccount(t, true)
	o := l.Options(l.Servers[0])
	o.User = testUser
	c := dial(t, o)
	ctx := context.Background()
	become := &connection.Become{Method: "sudo", Password: testPassword}
	res, err := c.Exec(ctx, &connection.Cmd{Command: "id -un; cat", Become: become, Stdin: strings.NewReader("stdin after the password\n")})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Stdout); got != "root\nstdin after the password\n" || res.RC != 0 {
		t.Errorf("sudo: rc %d out %q err %q", res.RC, got, res.Stderr)
	}
	if strings.Contains(string(res.Stdout)+string(res.Stderr), testPassword) {
		t.Error("password in output")
	}
	// Without the password sudo refuses rather than prompting.
	res, err = c.Exec(ctx, &connection.Cmd{Command: "id -un", Become: &connection.Become{}})
	if err != nil || res.RC == 0 {
		t.Errorf("sudo without password: %+v %v", res, err)
	}
	// A file written as root through become, via the exec channel.
	dst := l.Dir + "/become-put"
	pr, err := connection.Put(ctx, c, strings.NewReader("as root\n"), dst, connection.PutOptions{Become: become, Mode: "0600"})
	if err != nil || pr.Owner != "root" {
		t.Errorf("put with become: %+v %v", pr, err)
	}
	// become_user: root to the test user.
	c2 := dial(t, l.Options(l.Servers[0]))
	res, err = c2.Exec(ctx, &connection.Cmd{Command: "id -un", Become: &connection.Become{User: testUser}})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != testUser {
		t.Errorf("become_user: %+v %v", res, err)
	}
}
