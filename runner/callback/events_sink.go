package callback

import (
	"github.com/fjord-run/fjord/value"
)

// The Sink methods of the job event sink: each is one of awx_display's
// v2_* methods, an event around the stdout callback's own output.

func (e *eventSink) PlaybookStart(path string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	// ansible gives playbook_on_start no uuid; awx_display makes one,
	// the parent of the playbook's plays and stats.
	e.playbook, e.playbookUUID = path, newUUID()
	e.play, e.task, e.taskID = nil, nil, ""
	e.event(e.w, "playbook_on_start", value.MapOf("uuid", e.playbookUUID), nil, func() { e.inner.PlaybookStart(path) })
}

func (e *eventSink) PlayStart(p Play) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.o.AdHoc {
		return // awx_display shows an ad hoc command's play nowhere
	}
	pattern := p.Pattern
	name := p.Name
	if name == "" {
		name = pattern
	}
	// A play announced again (each serial batch) keeps its uuid with a
	// count appended, as awx_display does for a repeated play.
	uuid := e.objectUUID()
	if p.ID != "" {
		if id, ok := e.playUUID[p.ID]; ok {
			e.playRuns[p.ID]++
			uuid = id + "_" + itoa(e.playRuns[p.ID])
		} else {
			e.playUUID[p.ID] = uuid
			e.playRuns[p.ID] = 1
		}
	}
	e.play = value.MapOf("play", name, "play_uuid", uuid, "play_pattern", pattern)
	e.task, e.taskID = nil, ""
	e.event(e.w, "playbook_on_play_start", value.MapOf("name", name, "pattern", pattern, "uuid", uuid), nil,
		func() { e.inner.PlayStart(p) })
}

func itoa(n int) string { return value.String(n) }

// taskContext is awx_display's set_task: the task's keys in every event
// about it. uuid is the task's uuid for this run of it.
func taskContext(t Task, uuid string) *value.Map {
	task := t.Name
	if task == "" {
		task = t.Action
	}
	// includes and imports resolve to no plugin: null, as ansible's
	var resolved any
	if t.Resolved != "" {
		resolved = t.Resolved
	}
	action := t.Written
	if action == "" {
		action = t.Action
	}
	m := value.MapOf("task", task, "task_uuid", uuid, "task_action", action,
		"resolved_action", resolved, "task_args", "", "task_path", t.Path)
	if t.Role != "" {
		m.Set("role", t.Role)
	}
	return m
}

// uuidOf is the uuid of the run of t now going on: a task started again
// (a later serial batch, an include run again) gets its first uuid with
// a count appended, as awx_display does. start counts a new run.
func (e *eventSink) uuidOf(t Task, start bool) string {
	id, ok := e.taskUUID[t.ID]
	if !ok || t.ID == "" {
		id = e.objectUUID()
		if t.ID != "" {
			e.taskUUID[t.ID] = id
		}
	}
	if start && !t.Handler {
		e.taskRuns[t.ID]++
	}
	if n := e.taskRuns[t.ID]; n > 1 && !t.Handler {
		return id + "_" + itoa(n)
	}
	return id
}

func (e *eventSink) TaskStart(t Task) {
	e.mu.Lock()
	defer e.mu.Unlock()
	uuid := e.uuidOf(t, true)
	e.task, e.taskID = taskContext(t, uuid), t.ID
	if e.o.AdHoc {
		return // the task is the context of its results, not an event
	}
	data := value.MapOf("name", taskName(t))
	if t.Handler {
		// a handler's start is a task start with is_conditional set, as
		// version 1 marked handlers
		data.Set("uuid", uuid)
		data.Set("is_conditional", true)
	} else {
		data.Set("is_conditional", false)
		data.Set("uuid", uuid)
	}
	e.event(e.w, "playbook_on_task_start", data, nil, func() { e.inner.TaskStart(t) })
}

// ctxOf is the task context of an event about t: the current task's, or
// t's own when another task reports (the free strategy).
func (e *eventSink) ctxOf(t Task) *value.Map {
	if t.ID == e.taskID && e.task != nil {
		return e.task
	}
	return taskContext(t, e.uuidOf(t, false))
}

func (e *eventSink) HostStart(host string, t Task) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hostStart[host] = e.o.Now()
	e.event(e.w, "runner_on_start", value.MapOf("host", host), e.ctxOf(t), func() {
		if hs, ok := e.inner.(HostStartSink); ok {
			hs.HostStart(host, t)
		}
	})
}

func (e *eventSink) Notify(handler, host string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.event(e.w, "playbook_on_notify", value.MapOf("host", host, "handler", handler), nil, func() {
		if n, ok := e.inner.(NotifySink); ok {
			n.Notify(handler, host)
		}
	})
}

// eventRes is a result as awx_display passes it on: as the task
// returned it, without the failed and skipped flags the event's name
// carries; a no_log result censored as ansible's task executor censors
// it (changed, attempts and retries kept).
func eventRes(r *HostResult) *value.Map {
	if r.NoLog || value.Truthy(get(r.Result, "_ansible_no_log")) {
		out := value.MapOf("censored", CensoredMsg)
		for _, k := range censorKeep {
			if v, ok := r.Result.Get(k); ok {
				out.Set(k, v)
			}
		}
		return out
	}
	res, _ := value.DeepCopy(r.Result).(*value.Map)
	if res == nil {
		res = value.NewMap(0)
	}
	res.Delete("failed")
	res.Delete("skipped")
	// the marks ansible's action plugins and loop put on a result
	if _, ok := res.Get("_ansible_verbose_always"); !ok && markedVerbose(r) {
		res.Set("_ansible_verbose_always", true)
	}
	// awx_display keeps the environment out of the events: the job
	// has it, with secrets filtered
	if a := shortAction(r.Task.Action); a == "setup" || a == "gather_facts" {
		if facts, ok := get(res, "ansible_facts").(*value.Map); ok {
			facts.Delete("ansible_env")
		}
	}
	// a loop's own result has none, its items have; an include's and an
	// unreachable host's are the engine's, unmarked
	mark := !r.Task.Include && r.Status != Unreachable
	if v, ok := res.Get("_ansible_no_log"); ok && !mark && v == false {
		res.Delete("_ansible_no_log")
	}
	if _, ok := res.Get("_ansible_no_log"); !ok && !(r.Loop && !r.IsItem) && mark {
		res.Set("_ansible_no_log", false)
	}
	if item, ok := res.Get("item"); ok && r.IsItem {
		if _, ok := res.Get("_ansible_item_label"); !ok {
			res.Set("_ansible_item_label", item)
		}
	}
	if items, ok := get(res, "results").([]any); ok {
		for i, it := range items {
			m, ok := it.(*value.Map)
			switch {
			case !ok:
			case value.Truthy(get(m, "_ansible_no_log")):
				items[i] = value.MapOf("censored", CensoredMsg)
			default:
				if _, ok := m.Get("_ansible_no_log"); !ok && mark {
					m.Set("_ansible_no_log", false)
				}
				if item, ok := m.Get("item"); ok {
					if _, ok := m.Get("_ansible_item_label"); !ok {
						m.Set("_ansible_item_label", item)
					}
				}
			}
		}
	}
	return res
}

func (e *eventSink) HostResult(r *HostResult) {
	e.mu.Lock()
	defer e.mu.Unlock()
	print := func() { e.inner.HostResult(r) }
	ctx := e.ctxOf(r.Task)
	_, hasDiff := r.Result.Get("diff")
	if fd, ok := e.inner.(FileDiffSink); ok && e.o.Diff && (r.Status == OK || r.Status == Changed) &&
		(hasDiff || len(r.Diff) > 0) {
		// the diff first, as an event of its own, then the rest
		e.event(e.w, "runner_on_file_diff", value.MapOf("host", r.Host, "diff", diffData(r)), ctx,
			func() { fd.FileDiff(r) })
		rest := *r
		rest.Diff = nil
		print = func() { e.inner.HostResult(&rest) }
	}
	if r.IsItem {
		name := "runner_item_on_ok"
		switch r.Status {
		case Failed, Unreachable:
			name = "runner_item_on_failed"
		case Skipped:
			name = "runner_item_on_skipped"
		}
		e.event(e.w, name, value.MapOf("host", r.Host, "res", eventRes(r)), ctx, print)
		return
	}
	// remote_addr is ansible's Host.address, which inventories leave at
	// the host's name (ansible_host does not change it)
	data := value.MapOf("host", r.Host, "remote_addr", r.Host)
	name := "runner_on_ok"
	switch r.Status {
	case Failed:
		name = "runner_on_failed"
		data.Set("res", eventRes(r))
	case Skipped:
		name = "runner_on_skipped"
	case Unreachable:
		name = "runner_on_unreachable"
		data.Set("res", eventRes(r))
	default:
		data.Set("res", eventRes(r))
	}
	if start, ok := e.hostStart[r.Host]; ok {
		end := e.o.Now()
		data.Set("start", pyTime(start))
		data.Set("end", pyTime(end))
		data.Set("duration", end.Sub(start).Seconds())
	} else {
		data.Set("start", nil)
		data.Set("end", nil)
		data.Set("duration", nil)
	}
	if r.Status == Failed {
		// the task's ignore_errors: null when it has none, which the
		// result cannot tell from an explicit false
		var ignore any
		if r.Ignored {
			ignore = true
		}
		data.Set("ignore_errors", ignore)
	}
	if r.Status != Unreachable {
		var loop any
		if r.Task.LoopWith != "" {
			loop = r.Task.LoopWith
		}
		data.Set("event_loop", loop)
	}
	e.event(e.w, name, data, ctx, print)
}

// diffData is a result's diff as ansible's modules return it.
func diffData(r *HostResult) any {
	if d, ok := r.Result.Get("diff"); ok {
		return d
	}
	out := make([]any, 0, len(r.Diff))
	for _, d := range r.Diff {
		m := value.NewMap(5)
		if d.BeforeHeader != "" {
			m.Set("before_header", d.BeforeHeader)
		}
		if d.AfterHeader != "" {
			m.Set("after_header", d.AfterHeader)
		}
		if d.Prepared != "" {
			m.Set("prepared", d.Prepared)
		} else {
			m.Set("before", d.Before)
			m.Set("after", d.After)
		}
		out = append(out, m)
	}
	return out
}

func (e *eventSink) Included(path string, hosts []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.event(e.w, "playbook_on_include", value.MapOf("included_file", path), nil, func() { e.inner.Included(path, hosts) })
}

func (e *eventSink) IncludedItem(path string, hosts []string, label string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.event(e.w, "playbook_on_include", value.MapOf("included_file", path), nil,
		func() { e.inner.IncludedItem(path, hosts, label) })
}

func (e *eventSink) Retry(r *HostResult) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.event(e.w, "runner_retry", value.MapOf("host", r.Host, "res", eventRes(r)), e.ctxOf(r.Task),
		func() { e.inner.Retry(r) })
}

func (e *eventSink) Async(ev AsyncEvent, r *HostResult) {
	e.mu.Lock()
	defer e.mu.Unlock()
	name := map[AsyncEvent]string{AsyncPoll: "runner_on_async_poll", AsyncOK: "runner_on_async_ok",
		AsyncFailed: "runner_on_async_failed"}[ev]
	e.event(e.w, name, value.MapOf("host", r.Host, "res", eventRes(r), "jid", get(r.Result, "ansible_job_id")),
		e.ctxOf(r.Task), func() {
			if as, ok := e.inner.(AsyncSink); ok {
				as.Async(ev, r)
			}
		})
}

// Verbose is a display.verbose message outside any event: an event of
// its own, at the verbosity it needs, when the run is that verbose.
func (e *eventSink) Verbose(level int, msg string) {
	if e.o.Verbosity < level {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.event(e.w, "", value.MapOf("verbose", true, "verbosity", level), nil, func() { e.inner.Verbose(level, msg) })
}

func (e *eventSink) NoHostsMatched() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.event(e.w, "playbook_on_no_hosts_matched", value.NewMap(0), nil, e.inner.NoHostsMatched)
}

func (e *eventSink) NoMoreHosts() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.event(e.w, "playbook_on_no_hosts_remaining", value.NewMap(0), nil, e.inner.NoMoreHosts)
}

// Warn passes the warning on: the Warner gives it its event
// (aroundWarning).
func (e *eventSink) Warn(msg string) { e.inner.Warn(msg) }

func (e *eventSink) CustomStats(custom *value.Map) {
	e.custom = custom
	if cs, ok := e.inner.(CustomStatsSink); ok {
		cs.CustomStats(custom)
	}
}

// Recap is playbook_on_stats: ansible's AggregateStats, each count a map
// of the hosts it is not zero for.
func (e *eventSink) Recap(stats []Stats) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.play, e.task, e.taskID = nil, nil, ""
	count := func(f func(Stats) int) *value.Map {
		m := value.NewMap(len(stats))
		for _, s := range stats {
			if n := f(s); n != 0 {
				m.Set(s.Host, n)
			}
		}
		return m
	}
	processed := value.NewMap(len(stats))
	for _, s := range stats {
		processed.Set(s.Host, 1)
	}
	artifact := value.NewMap(0)
	if e.custom != nil {
		if run, ok := get(e.custom, "_run").(*value.Map); ok {
			artifact = run
		}
	}
	data := value.MapOf(
		"changed", count(func(s Stats) int { return s.Changed }),
		"dark", count(func(s Stats) int { return s.Unreachable }),
		"failures", count(func(s Stats) int { return s.Failed }),
		"ignored", count(func(s Stats) int { return s.Ignored }),
		"ok", count(func(s Stats) int { return s.OK }),
		"processed", processed,
		"rescued", count(func(s Stats) int { return s.Rescued }),
		"skipped", count(func(s Stats) int { return s.Skipped }),
		"artifact_data", artifact)
	e.event(e.w, "playbook_on_stats", data, nil, func() { e.inner.Recap(stats) })
}

// DryRun passes a check run's summary on; it prints after the recap,
// outside any event, so ansible-runner files its lines as verbose ones.
func (e *eventSink) DryRun(hosts []DryRunHost) {
	if d, ok := e.inner.(DryRunSink); ok {
		d.DryRun(hosts)
	}
}

// Close closes the stdout callback, then waits for ansible-runner to
// have read the events (EventOptions.AwaitReader).
func (e *eventSink) Close() error {
	err := e.inner.Close()
	if err == nil {
		err = e.err
	}
	if e.err == nil {
		e.awaitReader()
	}
	return err
}
