package runner

import (
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// Task results as maps: the shape register and the callbacks see.

func get(m *value.Map, k string) any {
	v, _ := m.Get(k)
	return v
}

func statusOf(res *value.Map) callback.Status {
	switch {
	case value.Truthy(get(res, "unreachable")):
		return callback.Unreachable
	case isFailed(res):
		return callback.Failed
	case value.Truthy(get(res, "skipped")):
		return callback.Skipped
	case value.Truthy(get(res, "changed")):
		return callback.Changed
	}
	return callback.OK
}

// isFailed is ansible's TaskResult.is_failed: a result that holds a
// failed_when_result (itself or, for a loop, any item) is failed by that,
// not by its failed key, which until sets when the attempts run out.
func isFailed(res *value.Map) bool {
	if fwr, ok := res.Get("failed_when_result"); ok {
		return value.Truthy(fwr)
	}
	items, _ := get(res, "results").([]any)
	found, failed := false, false
	for _, it := range items {
		if m, ok := it.(*value.Map); ok {
			if fwr, has := m.Get("failed_when_result"); has {
				found = true
				failed = failed || value.Truthy(fwr)
			}
		}
	}
	if !found {
		return value.Truthy(get(res, "failed"))
	}
	return failed
}

// markNoLog records the task's no_log in one run's result (a task's, or
// a loop item's; not a loop's own result), as TaskExecutor._execute
// does: register strips it, a rescue's ansible_failed_result shows it.
func markNoLog(res *value.Map, noLog bool) {
	if res != nil {
		res.Set("_ansible_no_log", noLog)
	}
}

func failResult(msg string) *value.Map {
	m := value.NewMap(3)
	m.Set("failed", true)
	// the text of an error is data: a message that quotes a template
	// is never templated again (ansible's wrap_var of the error's text)
	m.Set("msg", value.Unsafe(msg))
	m.Set("changed", false)
	return m
}

func skipResult() *value.Map {
	m := value.NewMap(3)
	m.Set("changed", false)
	m.Set("skip_reason", "Conditional result was False")
	m.Set("skipped", true)
	return m
}

func moduleResult(mr *modules.Result) *value.Map {
	m := value.NewMap(8)
	if mr.Data != nil {
		// What a module returns came from the host: registered, it is
		// never templated again.
		mr.Data.Range(func(k string, v any) bool { m.Set(k, value.MarkUnsafe(v)); return true })
	}
	if _, own := m.Get("diff"); len(mr.Diff) > 0 && !own {
		// (a module run from its own code returns its diff as it is)
		var ds []any
		for _, d := range mr.Diff {
			dm := value.NewMap(4)
			if d.Prepared != "" {
				dm.Set("prepared", d.Prepared)
			} else {
				dm.Set("after", d.After)
				dm.Set("after_header", d.AfterHeader)
				dm.Set("before", d.Before)
				dm.Set("before_header", d.BeforeHeader)
			}
			ds = append(ds, dm)
		}
		if len(ds) == 1 && !mr.DiffList {
			m.Set("diff", ds[0])
		} else {
			m.Set("diff", ds)
		}
	}
	m.Set("changed", mr.Changed)
	if mr.Msg != "" {
		m.Set("msg", mr.Msg)
	}
	if mr.Failed {
		m.Set("failed", true)
	} else {
		m.Set("failed", false)
	}
	if mr.Skipped {
		m.Set("skipped", true)
	}
	return m
}

func unreachableResult(err error) *value.Map {
	m := value.NewMap(3)
	m.Set("changed", false)
	m.Set("msg", err.Error())
	m.Set("unreachable", true)
	return m
}

// actionResult is an engine action's result as ansible-core registers it:
// marked unsafe, as a module's, so that what it holds (a debug message, an
// assert's, gathered facts) is never templated again; set_fact's and
// include_vars' alone stay as they are (ansible's _ACTION_WITH_CLEAN_FACTS:
// their values are variables).
func actionResult(action string, res *value.Map) *value.Map {
	if action == "set_fact" || action == "include_vars" {
		return res
	}
	return value.MarkUnsafe(res).(*value.Map)
}
