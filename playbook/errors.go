package playbook

import (
	"fmt"
	"io/fs"
	"strings"
)

// Pos is where a node came from.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is fjord's one error type: where (file:line:col), which task and
// host, and the cause.
type Error struct {
	Pos  Pos
	Task string
	Host string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Task != "" {
		fmt.Fprintf(&b, "task %q: ", e.Task)
	}
	if e.Host != "" {
		fmt.Fprintf(&b, "on %s: ", e.Host)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func errAt(p Pos, format string, args ...any) *Error {
	return &Error{Pos: p, Err: fmt.Errorf(format, args...)}
}

// notFoundError is a role or tasks file that is not there. ansible-playbook
// raises it as a plain AnsibleError, so a playbook that names one fails to
// load with exit code 1, where a parse error gives 4; it is fs.ErrNotExist
// to errors.Is.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg }
func (e *notFoundError) Is(target error) bool { return target == fs.ErrNotExist }

func notFoundAt(p Pos, format string, args ...any) *Error {
	return &Error{Pos: p, Err: &notFoundError{fmt.Sprintf(format, args...)}}
}
