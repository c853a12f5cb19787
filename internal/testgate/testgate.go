// Package testgate is the one gate for tests that need something a machine
// may lack (a program, root, sshd, a lab): they skip without it, unless
// FJORD_TEST_REQUIRE=1, as CI sets, turns every such skip into a failure,
// so that nothing there passes by not running.
package testgate

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Required reports whether FJORD_TEST_REQUIRE=1 forbids skipping.
func Required() bool { return os.Getenv("FJORD_TEST_REQUIRE") == "1" }

// Unavailable skips the test for want of what the message names, or fails
// it when FJORD_TEST_REQUIRE=1.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s and FJORD_TEST_REQUIRE=1", msg)
	}
	t.Skip(msg)
}

// Tool returns the path of a program the test needs, or is Unavailable;
// hint, when given, says where to get it ("apt-get install -y openssh-client").
func Tool(t testing.TB, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if hint != "" {
			Unavailable(t, "%s not found (%s)", name, hint)
		}
		Unavailable(t, "%s not found", name)
	}
	return p
}
