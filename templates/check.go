package templates

import (
	"strings"

	"github.com/fjord-run/fjord/value"
)

// CheckCond reports a condition that cannot parse, whatever the variables:
// the runner asks before any host is touched. It parses what Cond would
// parse first (the condition itself, or the template it is when it holds
// {{ }}), with the same options, so the parse is cached for the run. A
// condition that holds a template is evaluated only once rendered, so
// only the template is checked; the rest waits for the variables.
func (e *Engine) CheckCond(v any) error {
	var expr string
	switch x := v.(type) {
	case string:
		expr = strings.TrimSpace(x)
	case value.Unsafe:
		return nil // never evaluated: CondValue refuses it
	default:
		return nil // a bool, a number, null: nothing to parse
	}
	if expr == "" {
		return nil
	}
	if IsTemplate(expr) {
		o := ansibleOptions
		o.KeepTrailingNewline = false
		_, err := e.compile(escapeBackslashes(expr), o)
		return err
	}
	_, err := e.compile("{% if "+expr+" %}True{% else %}False{% endif %}", ansibleOptions)
	return err
}
