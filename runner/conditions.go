package runner

import (
	"errors"
	"fmt"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// explain turns an error met running task t into the task's message:
// "file:line:col: task "name": on host: cause".
func (sc *scope) explain(err error, t *playbook.Task) string {
	return sc.taskError(err, t).Error()
}

// taskError places err: at the keyword of a condition that failed, at the
// line of a template file that failed (the template module's, an
// include's), else at the task.
//
// A render that failed on a variable that does not resolve is explained
// by that variable's error alone, whatever wrapped the render's.
func (sc *scope) taskError(err error, t *playbook.Task) *playbook.Error {
	var ve *templates.VarError
	if errors.As(err, &ve) {
		err = ve.Err
	}
	e := &playbook.Error{Pos: t.Pos, Task: t.Label(), Err: err}
	if h, ok, _ := sc.Lookup("inventory_hostname"); ok { // a plain string
		e.Host = value.String(h)
	}
	var ce *playbook.CondError
	var te *templates.Error
	var ue *templates.UndefinedError
	var fe *templates.FilterError
	switch {
	case errors.As(err, &ce):
		e.Pos = ce.Pos
	case errors.As(err, &fe):
		// ansible reports a filter's own error as its text alone.
		return &playbook.Error{Err: fe}
	case errors.As(err, &te) && te == err && te.Name != "":
		e.Pos, e.Err = playbook.Pos{File: te.Name, Line: te.Line, Col: te.Col}, te.Err
	case errors.As(err, &ue):
		// ansible's own text, which names the place itself: scripts and
		// playbooks test msg.startswith('The task includes an option...').
		return &playbook.Error{Err: fmt.Errorf("The task includes an option with an undefined variable. The error was: %w\n\nThe error appears to be in '%s': line %d, column %d", err, t.Pos.File, t.Pos.Line, t.Pos.Col)}
	}
	return e
}
