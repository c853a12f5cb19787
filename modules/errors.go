package modules

import "github.com/fjord-run/fjord/value"

// A module reports a failure by returning an error; the engine classifies
// it (runner's errorResult) with errors.As. An error that wraps a
// *connection.UnreachableError, however deep, makes the host UNREACHABLE,
// so a module wraps what the connection returned with %w and never turns it
// into a failed Result itself. A *FailError is a failure with return
// values; any other error is a failure whose msg is the error's text.
//
// A failed *Result is still how a module reports the failures Ansible's
// module would return as a result (a command's non-zero rc, a validate
// that refused the file), with their return values.

// FailError is a module failure with return values, for a failure that
// reaches a caller as an error but must show Data as Ansible's module
// would (lineinfile's found). Err, when set, is the cause: an unreachable
// host stays unreachable.
type FailError struct {
	Msg  string
	Data *value.Map
	Err  error
}

func (e *FailError) Error() string { return e.Msg }
func (e *FailError) Unwrap() error { return e.Err }

// Result is the failed Result e stands for.
func (e *FailError) Result() *Result {
	return &Result{Failed: true, Msg: e.Msg, Data: e.Data}
}
