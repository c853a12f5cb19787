// Package labtest gives tests a lab of real hosts: Up boots one for a
// test and tears it down when the test ends. Tests of modules and roles
// that need real Debian hosts (systemd, packages, several machines) use
// it rather than managing `fjord lab` themselves.
package labtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fjord-run/fjord/internal/testgate"
	"github.com/fjord-run/fjord/lab"
)

// Require skips the test when a lab cannot run here (not root, no
// systemd-nspawn, no debootstrap and no cached tree) or one of tools (such
// as ssh) is not on PATH, or fails it when FJORD_TEST_REQUIRE=1, as CI
// sets.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("lab tests boot hosts; skipped with -short")
	}
	err := lab.Preflight()
	for _, tool := range tools {
		if _, e := exec.LookPath(tool); e != nil && err == nil {
			err = fmt.Errorf("%s not found", tool)
		}
	}
	if err != nil {
		Unavailable(t, "lab unavailable: %v", err)
	}
}

// Unavailable skips the test for want of what the message names, or
// fails it when FJORD_TEST_REQUIRE=1, where nothing may be skipped.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	testgate.Unavailable(t, format, args...)
}

// Tool returns the path of a program the test needs, or is Unavailable
// naming the Debian package that has it.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	return testgate.Tool(t, name, "apt-get install -y "+pkg)
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
	if err := BuildFjordTo(bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

var shared struct {
	once sync.Once
	bin  string
	err  error
}

// Fjord builds cmd/fjord once per test binary, for every test that asks,
// and returns its path. The build's directory outlives the tests: no one
// test owns it.
func Fjord(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "fjord-bin-")
		if err != nil {
			shared.err = err
			return
		}
		shared.bin = filepath.Join(dir, "fjord")
		shared.err = BuildFjordTo(shared.bin)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.bin
}

// BuildFjordTo builds cmd/fjord as the program bin, for a test binary
// that builds it once for all its tests.
func BuildFjordTo(bin string) error {
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/fjord")
	cmd.Dir = RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/fjord: %v\n%s", err, out)
	}
	return nil
}
