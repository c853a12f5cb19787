package labtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"
)

// TestKillMidPlay converges three hosts and kills one in the middle of a
// task: the run reports it UNREACHABLE and the other two converge.
func TestKillMidPlay(t *testing.T) {
	labtest.Require(t, "ssh")
	bin := labtest.Fjord(t)
	if _, err := os.Stat(filepath.Join("..", "..", "connection", "ssh")); err != nil {
		t.Skip("no connection/ssh yet")
	}
	spec := lab.NumberedSpec(3)
	spec.Name = "itkill"
	_, st := labtest.Up(t, spec)
	name := st.Name

	pb := filepath.Join(t.TempDir(), "site.yml")
	if err := os.WriteFile(pb, []byte(`- hosts: all
  gather_facts: false
  tasks:
    - name: long
      command: sleep 8
    - name: after
      copy:
        dest: /root/converged
        content: "yes\n"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "playbook", "-i", st.Inventory, pb)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill h2 once its task runs.
	deadline := time.Now().Add(30 * time.Second)
	for {
		o, code := labtest.Run(t, 10*time.Second, "ssh", "-F", st.SSHConfig, "-o", "BatchMode=yes", "h2", "pgrep -x sleep")
		if code == 0 && strings.TrimSpace(o) != "" {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the long task never started on h2:\n%s", out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	mustRun(t, 30*time.Second, bin, "lab", "kill", "--name", name, "h2")
	t.Logf("killed h2 %s into the run", time.Since(start).Round(time.Millisecond))

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("the playbook did not end 2 minutes after h2 was killed:\n%s", out.String())
	}
	code := cmd.ProcessState.ExitCode()
	t.Logf("playbook exit %d after %s:\n%s", code, time.Since(start).Round(time.Millisecond), out.String())
	if code != 4 {
		t.Errorf("exit %d, want 4 (a host unreachable)", code)
	}
	if !strings.Contains(out.String(), "UNREACHABLE") || !regexpRecap(out.String(), "h2", "unreachable=1") {
		t.Errorf("h2 not reported UNREACHABLE")
	}
	for _, h := range []string{"h1", "h3"} {
		if !regexpRecap(out.String(), h, "failed=0") || !regexpRecap(out.String(), h, "unreachable=0") {
			t.Errorf("%s did not converge", h)
		}
		if o, code := labtest.Run(t, 30*time.Second, "ssh", "-F", st.SSHConfig, "-o", "BatchMode=yes", h, "cat /root/converged"); code != 0 || strings.TrimSpace(o) != "yes" {
			t.Errorf("%s: /root/converged: exit %d %q", h, code, o)
		}
	}
}
