// Package labtest gives tests a lab of real hosts: Up boots one for a
// test and tears it down when the test ends. Tests of modules and roles
// that need real Debian hosts (systemd, packages, several machines) use
// it rather than managing `fjord lab` themselves.
package labtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab"
)

// Require skips the test when a lab cannot run here (not root, no
// systemd-nspawn, no debootstrap and no cached tree), or fails it when
// FJORD_TEST_REQUIRE=1, as CI sets.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("lab tests boot hosts; skipped with -short")
	}
	if err := lab.Preflight(); err != nil {
		if os.Getenv("FJORD_TEST_REQUIRE") == "1" {
			t.Fatalf("lab unavailable and FJORD_TEST_REQUIRE=1: %v", err)
		}
		t.Skipf("lab unavailable: %v", err)
	}
}

// Up boots the lab spec describes (a lab left by an earlier, killed run
// of the same name is torn down first) and tears it down when the test
// and its subtests end. Use State.Inventory for playbooks and
// State.SSHConfig for ssh(1); the Manager does fault injection.
func Up(t testing.TB, spec *lab.Spec) (*lab.Manager, *lab.State) {
	t.Helper()
	Require(t)
	m := &lab.Manager{Log: testWriter{t}}
	if spec.Name == "" {
		t.Fatal("labtest.Up: give the lab a name of its own (1-9 of a-z0-9-)")
	}
	ctx := context.Background()
	if _, err := m.Open(spec.Name); err == nil {
		t.Logf("tearing down lab %s left by an earlier run", spec.Name)
		if err := m.Down(ctx, spec.Name); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	st, tm, err := m.Up(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("lab %s: %d host(s) up in %s (rootfs build %s)", st.Name, tm.Hosts,
		time.Since(start).Round(time.Millisecond), tm.RootfsBuild.Round(time.Second))
	t.Cleanup(func() {
		if err := m.Down(context.Background(), st.Name); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return m, st
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// BuildFjord builds cmd/fjord into the test's temporary directory and
// returns its path, for tests that run fjord as a user would.
func BuildFjord(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fjord")
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/fjord")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/fjord: %v\n%s", err, out)
	}
	return bin
}
