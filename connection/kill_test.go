package connection

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/internal/testgate"
)

// need returns the path of a program a test needs; without it the test
// is skipped, or fails under FJORD_TEST_REQUIRE=1.
func need(t *testing.T, name string) string {
	t.Helper()
	return testgate.Tool(t, name, "")
}

// left lists the processes whose command line matches pattern, and kills
// them (they are the test's own) so that a failure leaves nothing behind.
func left(t *testing.T, pattern string) string {
	t.Helper()
	out, _ := exec.Command("pgrep", "-af", pattern).Output()
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if pid, _, ok := strings.Cut(l, " "); ok {
			exec.Command("kill", "-KILL", pid).Run()
		}
	}
	return strings.TrimSpace(string(out))
}

// Cancelling a command kills what it started in a session of its own
// (as sudo and su do for a become), not only its process group.
func TestLocalCancelKillsTree(t *testing.T) {
	need(t, "pgrep")
	need(t, "setsid")
	c := NewLocal()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.Exec(ctx, &Cmd{Command: "sleep 612.1 & setsid sh -c 'sleep 612.2 & sleep 612.3' & sleep 612.4", Isolated: true})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if l := left(t, "sleep 612[.]"); l != "" {
		t.Errorf("left running after the cancel:\n%s", l)
	}
}

// Where there is no /proc, the kill reads the process table from ps.
func TestKillTreeWithPS(t *testing.T) {
	need(t, "pgrep")
	need(t, "setsid")
	need(t, "ps")
	cmd := exec.Command("/bin/sh", "-c", "sleep 612.5 & setsid sh -c 'sleep 612.6 & sleep 612.7' & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	time.Sleep(300 * time.Millisecond)
	script := killTree(cmd.Process.Pid)
	if !strings.Contains(script, "/proc/self/stat") {
		t.Fatal("the script no longer looks for /proc/self/stat")
	}
	script = strings.ReplaceAll(script, "/proc/self/stat", "/nonexistent/proc")
	if out, err := exec.Command("/bin/sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("the tree's root survived")
	}
	if l := left(t, "sleep 612[.][567]"); l != "" {
		t.Errorf("left running:\n%s", l)
	}
}

func TestKillSteps(t *testing.T) {
	plain := killTree(42)
	for _, tc := range []struct {
		name     string
		become   *Become
		connUser string
		want     []string // prefixes of the steps' scripts
		stdin    string   // the first step's
	}{
		{"no become", nil, "alice", []string{"r=42\n"}, ""},
		{"root to root", &Become{}, "root", []string{"r=42\n"}, ""},
		{"to root, become first", &Become{Password: "pw"}, "alice", []string{"sudo -H -S -p '' -u root /bin/sh -c 'r=42", "r=42\n"}, "pw\n"},
		{"root to a user", &Become{User: "bob"}, "root", []string{"sudo -H -S -n -u bob /bin/sh -c 'r=42", "r=42\n"}, ""},
		{"su", &Become{Method: "su", User: "bob"}, "alice", []string{"su -s /bin/sh bob -c 'r=42", "r=42\n"}, ""},
	} {
		steps := KillSteps(42, tc.become, tc.connUser)
		if len(steps) != len(tc.want) {
			t.Errorf("%s: %d steps, want %d", tc.name, len(steps), len(tc.want))
			continue
		}
		for i, s := range steps {
			if !strings.HasPrefix(s.Script, tc.want[i]) {
				t.Errorf("%s: step %d is %.60q, want it to start %q", tc.name, i, s.Script, tc.want[i])
			}
		}
		if last := steps[len(steps)-1]; last.Script != plain || last.Stdin != nil {
			t.Errorf("%s: the last step is not the plain kill", tc.name)
		}
		stdin := ""
		if steps[0].Stdin != nil {
			b, _ := io.ReadAll(steps[0].Stdin)
			stdin = string(b)
		}
		if stdin != tc.stdin {
			t.Errorf("%s: stdin %q, want %q", tc.name, stdin, tc.stdin)
		}
	}
}
