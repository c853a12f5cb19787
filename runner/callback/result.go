package callback

import (
	"strings"

	"github.com/fjord-run/fjord/value"
)

// CensoredMsg replaces a no_log result.
const CensoredMsg = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"

// Keys that survive the censoring of a no_log result, and internal keys the
// display still needs (Ansible keeps the same ones).
var (
	censorKeep    = []string{"attempts", "changed", "retries"}
	internalKeep  = map[string]bool{"_ansible_verbose_always": true, "_ansible_item_label": true, "_ansible_no_log": true, "_ansible_verbose_override": true}
	delegatedKeep = []string{"ansible_host", "ansible_port", "ansible_user", "ansible_connection"}
	debugAllowed  = map[string]bool{"msg": true, "exception": true, "warnings": true, "deprecations": true}
	debugHidden   = []string{"changed", "failed", "skipped", "invocation", "skip_reason"}
	moduleNoJSON  = map[string]bool{"command": true, "win_command": true, "ansible.windows.win_command": true, "shell": true, "win_shell": true, "ansible.windows.win_shell": true, "raw": true}
)

// shortAction drops the ansible.builtin. / ansible.legacy. prefix.
func shortAction(a string) string {
	for _, p := range []string{"ansible.builtin.", "ansible.legacy."} {
		if strings.HasPrefix(a, p) {
			return a[len(p):]
		}
	}
	return a
}

func isDebug(action string) bool { return shortAction(action) == "debug" }

func isFacts(action string) bool {
	a := shortAction(action)
	return a == "setup" || a == "gather_facts"
}

// cleanResult is the copy of a result that callbacks see: censored under
// no_log, without the failed/skipped flags (the event says so) and without
// internal keys other than the few the display reads.
func cleanResult(r *HostResult) *value.Map {
	res := r.Result
	var out *value.Map
	if r.NoLog || value.Truthy(get(res, "_ansible_no_log")) {
		out = value.MapOf("censored", CensoredMsg)
		for _, k := range censorKeep {
			if v, ok := res.Get(k); ok {
				out.Set(k, v)
			}
		}
	} else {
		out, _ = value.DeepCopy(res).(*value.Map)
		if out == nil {
			out = value.NewMap(0)
		}
		out.Delete("failed")
		out.Delete("skipped")
		if isDebug(r.Task.Action) {
			out.Delete("invocation")
		}
		stripInternal(out, internalKeep)
		// A debug or assert result is shown in full, and fact gathering
		// never is; Ansible's action plugins mark their results so.
		if markedVerbose(r) {
			if _, ok := out.Get("_ansible_verbose_always"); !ok {
				out.Set("_ansible_verbose_always", true)
			}
		}
		if isFacts(r.Task.Action) {
			if _, ok := out.Get("_ansible_verbose_override"); !ok {
				out.Set("_ansible_verbose_override", true)
			}
		}
	}
	if dv, ok := get(res, "_ansible_delegated_vars").(*value.Map); ok {
		sub := value.NewMap(4)
		for _, k := range delegatedKeep {
			if v, ok := dv.Get(k); ok {
				sub.Set(k, v)
			}
		}
		out.Set("_ansible_delegated_vars", sub)
	}
	return out
}

// markedVerbose tells whether Ansible's action plugin would have marked
// the result _ansible_verbose_always. debug and assert mark only what
// they return themselves: a failure raised before that (an undefined
// variable in msg, a conditional that cannot be evaluated) is a plain
// failed result, printed on one line. debug never returns a failure;
// assert returns one carrying "assertion".
func markedVerbose(r *HostResult) bool {
	if r.Loop {
		return false
	}
	switch shortAction(r.Task.Action) {
	case "debug":
		return r.Status == OK || r.Status == Changed
	case "assert":
		if r.Status == Failed {
			_, ok := r.Result.Get("assertion")
			return ok
		}
		return r.Status == OK || r.Status == Changed
	}
	return false
}

func get(m *value.Map, k string) any {
	v, _ := m.Get(k)
	return v
}

// stripInternal removes _ansible_* keys at every depth, except keep.
func stripInternal(v any, keep map[string]bool) {
	switch v := v.(type) {
	case *value.Map:
		for _, k := range append([]string(nil), v.Keys()...) {
			if strings.HasPrefix(k, "_ansible_") && !keep[k] {
				v.Delete(k)
				continue
			}
			e, _ := v.Get(k)
			stripInternal(e, keep)
		}
	case []any:
		for _, e := range v {
			stripInternal(e, keep)
		}
	}
}

// cleanDebug keeps a debug result to what it was asked to print.
func cleanDebug(m *value.Map, action string) {
	if !isDebug(action) {
		return
	}
	if _, ok := m.Get("msg"); ok {
		for _, k := range append([]string(nil), m.Keys()...) {
			if !debugAllowed[k] && !strings.HasPrefix(k, "_") {
				m.Delete(k)
			}
		}
		return
	}
	for _, k := range debugHidden {
		m.Delete(k)
	}
}

// runIsVerbose tells whether the result dict is appended to the status line.
func runIsVerbose(m *value.Map, verbosity, above int) bool {
	always := get(m, "_ansible_verbose_always") == true
	override, has := m.Get("_ansible_verbose_override")
	return (verbosity > above || always) && (!has || override == false)
}

// dumpResult renders a result as the callbacks print it.
func dumpResult(m *value.Map, verbosity, indent int) string {
	if indent == 0 && (value.Truthy(get(m, "_ansible_verbose_always")) || verbosity > 2) {
		indent = 4
	}
	a, _ := value.DeepCopy(m).(*value.Map)
	stripInternal(a, nil)
	if verbosity < 3 {
		a.Delete("invocation")
		a.Delete("diff")
	}
	a.Delete("exception")
	return dumpJSON(a, jsonStyle{indent: indent, sortKeys: true})
}

// itemLabel is the text after "item=".
func itemLabel(r *HostResult, m *value.Map) string {
	if r.NoLog {
		// The censored result has lost its label; Ansible prints None.
		return "None"
	}
	if r.Label != "" {
		return r.Label
	}
	if value.Truthy(get(m, "_ansible_no_log")) {
		return "(censored due to no_log)"
	}
	if l, ok := m.Get("_ansible_item_label"); ok {
		return value.String(l)
	}
	return value.String(get(m, "item"))
}
