package playbook

import (
	"errors"
	"fmt"

	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// condAt is one condition of a when:, changed_when:, failed_when: or
// until: with the place of its keyword. It travels inside the conditions
// lists ([]any) so that every path evaluating them (tasks, loops,
// includes, handlers, blocks) carries the place to scope.cond without
// knowing of it.
type condAt struct {
	expr any
	pos  Pos
}

// condsAt is what the loader stores for a condition keyword at p: its
// value, one condition or a list, each placed. A bool or null cannot fail
// and stays bare.
func condsAt(p Pos, v any) []any {
	list := value.Listify(v)
	if len(list) == 0 {
		return nil
	}
	out := make([]any, len(list))
	for i, c := range list {
		switch c.(type) {
		case bool, nil:
			out[i] = c
		default:
			out[i] = condAt{c, p}
		}
	}
	return out
}

// unplace splits a condition from its place; at is nil for a condition
// made at run time (assert's that:, include's apply).
func Unplace(c any) (expr any, at *condAt) {
	if ca, ok := c.(condAt); ok {
		return ca.expr, &ca
	}
	return c, nil
}

// fail is the error of a placed condition that could not be evaluated.
func (at *condAt) Fail(err error) error {
	if at == nil {
		return err
	}
	return &CondError{Pos: at.pos, expr: value.String(at.expr), err: err}
}

// condError is a condition that could not be evaluated, in ansible-core's
// words, which scripts match on: "The conditional check 'x ==' failed. The
// error was: ...".
type CondError struct {
	Pos  Pos // of the keyword
	expr string
	err  error
}

func (e *CondError) Error() string {
	var ue *templates.UndefinedError
	if errors.As(e.err, &ue) {
		return fmt.Sprintf("The conditional check '%s' failed. The error was: error while evaluating conditional (%s): %v", e.expr, e.expr, e.err)
	}
	return fmt.Sprintf("The conditional check '%s' failed. The error was: %v", e.expr, e.err)
}

func (e *CondError) Unwrap() error { return e.err }
