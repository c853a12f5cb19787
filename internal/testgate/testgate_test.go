package testgate

import (
	"fmt"
	"os/exec"
	"runtime"
	"testing"
)

func TestToolFound(t *testing.T) {
	want, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	if got := Tool(t, "sh", ""); got != want {
		t.Errorf("Tool(sh) = %q, want %q", got, want)
	}
}

func TestUnavailable(t *testing.T) {
	for _, req := range []string{"", "1"} {
		t.Run("require="+req, func(t *testing.T) {
			t.Setenv("FJORD_TEST_REQUIRE", req)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() { // Skip and Fatal end the goroutine that calls them.
				defer close(done)
				Unavailable(r, "%s not found", "nothing")
			}()
			<-done
			if want := req == "1"; r.failed != want || r.skipped == want {
				t.Errorf("FJORD_TEST_REQUIRE=%q: failed=%v skipped=%v", req, r.failed, r.skipped)
			}
			if want := "nothing not found"; req == "1" {
				want += " and FJORD_TEST_REQUIRE=1"
				if r.msg != want {
					t.Errorf("message %q, want %q", r.msg, want)
				}
			} else if r.msg != want {
				t.Errorf("message %q, want %q", r.msg, want)
			}
		})
	}
}

// recorder notes what Unavailable asked of the test instead of doing it.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
