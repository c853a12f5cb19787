package runner

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
	list := asList(v)
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
func unplace(c any) (expr any, at *condAt) {
	if ca, ok := c.(condAt); ok {
		return ca.expr, &ca
	}
	return c, nil
}

// fail is the error of a placed condition that could not be evaluated.
func (at *condAt) fail(err error) error {
	if at == nil {
		return err
	}
	return &condError{pos: at.pos, expr: value.String(at.expr), err: err}
}

// condError is a condition that could not be evaluated, in ansible-core's
// words, which scripts match on: "The conditional check 'x ==' failed. The
// error was: ...".
type condError struct {
	pos  Pos // of the keyword
	expr string
	err  error
}

func (e *condError) Error() string {
	var ue *templates.UndefinedError
	if errors.As(e.err, &ue) {
		return fmt.Sprintf("The conditional check '%s' failed. The error was: error while evaluating conditional (%s): %v", e.expr, e.expr, e.err)
	}
	return fmt.Sprintf("The conditional check '%s' failed. The error was: %v", e.expr, e.err)
}

func (e *condError) Unwrap() error { return e.err }

// explain turns an error met running task t into the task's message:
// "file:line:col: task "name": on host: cause".
func (sc *scope) explain(err error, t *Task) string {
	return sc.taskError(err, t).Error()
}

// taskError places err: at the keyword of a condition that failed, at the
// line of a template file that failed (the template module's, an
// include's), else at the task.
//
// A render that failed on a variable that does not resolve is explained
// by that variable's error alone, whatever wrapped the render's.
func (sc *scope) taskError(err error, t *Task) *Error {
	var ve *templates.VarError
	if errors.As(err, &ve) {
		err = ve.Err
	}
	e := &Error{Pos: t.Pos, Task: taskLabel(t), Err: err}
	if h, ok, _ := sc.Lookup("inventory_hostname"); ok { // a plain string
		e.Host = value.String(h)
	}
	var ce *condError
	var te *templates.Error
	var ue *templates.UndefinedError
	switch {
	case errors.As(err, &ce):
		e.Pos = ce.pos
	case errors.As(err, &te) && te == err && te.Name != "":
		e.Pos, e.Err = Pos{File: te.Name, Line: te.Line, Col: te.Col}, te.Err
	case errors.As(err, &ue):
		e.Err = fmt.Errorf("The task includes an option with an undefined variable. The error was: %w\n\nThe error appears to be in '%s': line %d, column %d", err, t.Pos.File, t.Pos.Line, t.Pos.Col)
	}
	return e
}

// taskLabel is the task's name as Ansible shows it: its action when it
// has none.
func taskLabel(t *Task) string {
	if t.Name != "" {
		return t.Name
	}
	return t.Action
}

// checkConds parses every condition of pb before any host is touched: a
// syntax error does not depend on variables, so it is a load error, not a
// failure of each host that reaches the task. Tasks that dynamic includes
// bring in are checked as they run, per host.
func (r *run) checkConds(pb *Playbook) error {
	check := func(conds []any, task string) error {
		for _, c := range conds {
			expr, at := unplace(c)
			if at == nil {
				continue
			}
			if err := r.eng.CheckCond(expr); err != nil {
				return &Error{Pos: at.pos, Task: task, Err: at.fail(err)}
			}
		}
		return nil
	}
	var walk func(ns []Node) error
	walk = func(ns []Node) error {
		for _, n := range ns {
			switch n := n.(type) {
			case *Task:
				for _, conds := range [][]any{n.Kw.When, n.ChangedWhen, n.FailedWhen, n.Until} {
					if err := check(conds, taskLabel(n)); err != nil {
						return err
					}
				}
			case *Block:
				if err := check(n.Kw.When, n.Name); err != nil {
					return err
				}
				for _, ns := range [][]Node{n.Block, n.Rescue, n.Always} {
					if err := walk(ns); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	for _, p := range pb.Plays {
		if err := check(p.Kw.When, ""); err != nil {
			return err
		}
		for _, ri := range p.Roles {
			if err := check(ri.Kw.When, ""); err != nil {
				return err
			}
		}
		for _, ns := range [][]Node{p.PreTasks, p.Tasks, p.PostTasks, p.Handlers} {
			if err := walk(ns); err != nil {
				return err
			}
		}
	}
	return nil
}
