package labtest

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Output runs cmd with its stdout and stderr into one buffer and returns
// what it wrote and its exit code; err is for a command that could not
// run (or was killed), not for one that exited non-zero.
func Output(cmd *exec.Cmd) (string, int, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode(), nil
	}
	if err != nil {
		return out.String(), 0, err
	}
	return out.String(), 0, nil
}

// Run runs a command within timeout and returns its combined output and
// exit code; a command that cannot run fails the test.
func Run(t testing.TB, timeout time.Duration, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, code, err := Output(exec.CommandContext(ctx, name, args...))
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out, code
}

// Try runs a command within timeout and returns its combined output and
// exit code, or -1 with the error after the output when it could not
// run. It does not touch a testing.T, so goroutines may call it.
func Try(timeout time.Duration, name string, args ...string) (string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, code, err := Output(exec.CommandContext(ctx, name, args...))
	if err != nil {
		return out + err.Error(), -1
	}
	return out, code
}

// RepoRoot is the fjord module's root directory, found from this file's
// path (tests run from their own package directory).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
