package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// errTaskTimeout is the cause of a context cancelled by the timeout
// keyword, which tells it from the run being interrupted (or a deadline
// of the caller's) once the action is back.
var errTaskTimeout = errors.New("task timeout")

// attempt runs the action once (one try of one item) within the task's
// timeout keyword. last says the result is final: no until retries, no
// changed_when/failed_when, as for an unreachable host or a skip from the
// action. A timeout is final too: ansible-core returns its failure from
// the alarm handler, past the retry loop and the conditions.
func (tc *taskCtx) attempt(ctx context.Context, delegate string, inLoop bool) (res *value.Map, diffs []modules.Diff, last bool) {
	secs, err := tc.timeout()
	if err != nil {
		return failResult(err.Error()), nil, true
	}
	if secs > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, time.Duration(secs)*time.Second, errTaskTimeout)
		defer cancel()
	}
	if limit, poll, err := tc.asyncKeywords(); err != nil {
		res = failResult(err.Error())
	} else if limit > 0 {
		res = tc.executeAsync(ctx, delegate, limit, poll)
	} else {
		res, diffs = tc.execute(ctx, delegate)
	}
	// The action returns once the connection has killed the remote
	// command; whatever it reported then (an error from a cut stream,
	// unreachable from a dial cut short) is the timeout's doing.
	if secs > 0 && context.Cause(ctx) == errTaskTimeout {
		return timeoutResult(tc.t.Action, secs, inLoop), nil, true
	}
	if st := statusOf(res); st == callback.Unreachable || st == callback.Skipped && get(res, "skip_reason") != nil {
		return res, diffs, true
	}
	return res, diffs, false
}

// timeoutResult is ansible-core 2.14's result for a task past its
// timeout, action named as written (command, ansible.builtin.command). A
// loop item's result has no "changed": ansible-core adds it only to a
// whole task's result.
func timeoutResult(action string, secs int, inLoop bool) *value.Map {
	m := value.NewMap(3)
	m.Set("failed", true)
	m.Set("msg", fmt.Sprintf("The %s action failed to execute in the expected time frame (%d) and was terminated", action, secs))
	if !inLoop {
		m.Set("changed", false)
	}
	return m
}

// timeout is the task's timeout keyword in seconds for this host (and
// item: the keyword is templated per item, like the arguments); 0 for
// none. The innermost of task, blocks and play that sets it wins, as for
// every keyword. pause is exempt: in ansible-core its own alarm replaces
// the task's, so a pause runs its full length whatever the timeout.
func (tc *taskCtx) timeout() (int, error) {
	v := tc.kw(func(k playbook.Keywords) any { return k.Timeout })
	if v == nil || tc.t.Action == "pause" {
		return 0, nil
	}
	r, err := tc.sc.render(v)
	if err != nil {
		return 0, errors.New(tc.sc.explain(err, tc.t))
	}
	n, err := pyInt(r)
	if err != nil {
		t := tc.t
		return 0, fmt.Errorf("the field 'timeout' has an invalid value (%s), and could not be converted to an int.The error was: %v\n\nThe error appears to be in '%s': line %d, column %d",
			value.String(r), err, t.Pos.File, t.Pos.Line, t.Pos.Col)
	}
	// A negative timeout sets no alarm in ansible-core either.
	return max(n, 0), nil
}

// pyInt converts a keyword's value as Python's int() does for an int
// field: whole strings and numbers, floats truncated, booleans 0 and 1.
func pyInt(v any) (int, error) { return value.PyInt(v) }
