package inventory

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a parse error in an inventory source, positioned at file:line:col
// where the position is known (Line or Col 0 when not).
type Error struct {
	File      string
	Line, Col int
	Msg       string
	Err       error // underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
			if e.Col > 0 {
				fmt.Fprintf(&b, ":%d", e.Col)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ParseFailure is one plugin's failed attempt at a source, which Ansible
// prints as "* Failed to parse SOURCE with PLUGIN plugin: ERR".
type ParseFailure struct {
	Source string
	Plugin string // host_list, script, auto, yaml, ini
	Err    error
}

func (f *ParseFailure) Error() string {
	return fmt.Sprintf("\n* Failed to parse %s with %s plugin: %v", f.Source, f.Plugin, f.Err)
}

func (f *ParseFailure) Unwrap() error { return f.Err }

// SourceWarning says that no plugin could parse a source (or that it does
// not exist). Ansible prints each failure, then "Unable to parse SOURCE as
// an inventory source", and carries on with the other sources.
type SourceWarning struct {
	Source   string
	Failures []*ParseFailure
}

func (w *SourceWarning) Error() string {
	return fmt.Sprintf("Unable to parse %s as an inventory source", w.Source)
}

// Unwrap gives the plugin failures, so errors.As finds a positioned *Error.
func (w *SourceWarning) Unwrap() []error {
	out := make([]error, len(w.Failures))
	for i, f := range w.Failures {
		out[i] = f
	}
	return out
}

// Warning is any other message Ansible shows as [WARNING] while loading.
type Warning string

func (w Warning) Error() string { return string(w) }

// WarningMessages gives the [WARNING] texts for warnings, in the order
// Ansible prints them: for a source no plugin could parse, each plugin's
// failure (its reason, positioned), then "Unable to parse ...".
func WarningMessages(warnings []error) []string {
	var out []string
	for _, w := range warnings {
		var sw *SourceWarning
		if errors.As(w, &sw) {
			for _, f := range sw.Failures {
				out = append(out, f.Error())
			}
		}
		out = append(out, w.Error())
	}
	return out
}
