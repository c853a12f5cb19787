package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildBinary builds cmd/fjord into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "fjord")
	out, err := exec.Command(goTool(t), "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// goTool is the go command of the toolchain running the tests.
func goTool(t *testing.T) string {
	t.Helper()
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("go tool not found: %v", err)
		}
	}
	return gobin
}

func runBinary(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG=", "HOME="+cmd.Dir)
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return so.String(), se.String(), code
}

func TestBinary(t *testing.T) {
	bin := buildBinary(t)
	alias := filepath.Join(filepath.Dir(bin), "ansible-playbook")
	if err := os.Symlink(bin, alias); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bin    string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{bin, []string{"--version"}, 0, "fjord ", ""},
		{bin, []string{"playbook", "--version"}, 0, "fjord ", ""},
		{alias, []string{"--version"}, 0, "fjord ", ""},
		{bin, []string{"playbook", "x.yml", "-e", "[1]"}, 5, "", "ERROR! Invalid extra vars data supplied."},
		{alias, []string{"-f", "0", "x.yml"}, 2, "", "ERROR! The number of processes (--forks) must be >= 1\n"},
		{bin, []string{"nosuch"}, 5, "", "ERROR! unknown command"},
	} {
		stdout, stderr, code := runBinary(t, tc.bin, tc.args...)
		name := filepath.Base(tc.bin) + " " + strings.Join(tc.args, " ")
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", name, code, tc.code, stderr)
		}
		if !strings.HasPrefix(stdout, tc.stdout) || !strings.HasPrefix(stderr, tc.stderr) {
			t.Errorf("%s: stdout %q stderr %q; want prefixes %q, %q", name, stdout, stderr, tc.stdout, tc.stderr)
		}
		if tc.stdout == "fjord " && !strings.Contains(stdout, "\n  config file = ") {
			t.Errorf("%s: no config file line in %q", name, stdout)
		}
	}
}
