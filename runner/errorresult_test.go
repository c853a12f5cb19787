package runner

import (
	"errors"
	"fmt"
	"testing"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// errorResult classifies an action's error with errors.As: a lost
// connection, however wrapped, is UNREACHABLE with the connection's own
// message; a FailError keeps its return values; anything else is FAILED
// with the error's text.
func TestErrorResult(t *testing.T) {
	lost := &connection.UnreachableError{Host: "h", Err: errors.New("Failed to connect to the host via ssh: connection lost")}
	for _, c := range []struct {
		err    error
		status callback.Status
		msg    string
		extra  string // a return value the result must hold
	}{
		{lost, callback.Unreachable, lost.Error(), ""},
		{fmt.Errorf("rmtree failed: %w", lost), callback.Unreachable, lost.Error(), ""},
		{&modules.FailError{Msg: "boom", Data: value.MapOf("found", 2), Err: lost}, callback.Unreachable, lost.Error(), ""},
		{&modules.FailError{Msg: "boom", Data: value.MapOf("found", 2)}, callback.Failed, "boom", "found"},
		{fmt.Errorf("read /p: %w", errors.New("Permission denied")), callback.Failed, "read /p: Permission denied", ""},
	} {
		res := errorResult(c.err)
		if got := statusOf(res); got != c.status || value.String(get(res, "msg")) != c.msg {
			t.Errorf("%v: status %v msg %q, want %v %q", c.err, got, get(res, "msg"), c.status, c.msg)
		}
		if c.extra != "" {
			if _, ok := res.Get(c.extra); !ok {
				t.Errorf("%v: result %v lacks %s", c.err, res, c.extra)
			}
		}
	}
}
