package runner

import (
	"context"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// metaPerHost are the meta actions ansible's strategy runs for each host;
// the others it runs once, for the first host, whose condition decides
// for the play.
var metaPerHost = map[string]bool{"noop": true, "reset_connection": true, "end_host": true, "role_complete": true, "flush_handlers": true}

// metaNoWhen are the meta actions that ignore when (ansible warns).
var metaNoWhen = map[string]bool{"noop": true, "refresh_inventory": true, "reset_connection": true}

// runMeta runs a meta task for hosts as ansible's linear strategy does:
// each host it runs the task for announces the task (a TASK banner per
// host), a false condition shows as a skip that counts in no stats, and
// an action that is not per host runs once, by the first host's condition.
func (ex *executor) runMeta(ctx context.Context, t *playbook.Task, hosts hostSet) map[*hostState]bool {
	raw, _ := t.Args.Get("_raw_params")
	action := value.String(raw)
	pr := ex.pr
	conds := whens(t)
	if len(conds) > 0 && metaNoWhen[action] {
		ex.r.warn(action + " task does not support when conditional")
	}
	targets := hosts
	if !metaPerHost[action] && len(targets) > 1 {
		targets = targets[:1]
	}
	// ansible announces a meta task with its name as written (not
	// templated)
	ct := ex.cbTask(t, t.Name)
	var flush map[*hostState]bool
	for _, h := range targets {
		ex.r.emit(func(s callback.Sink) { s.TaskStart(ct) })
		if !metaNoWhen[action] && len(conds) > 0 {
			ok, err := ex.r.newScope(pr, h, t, nil).cond(conds)
			if err != nil || !ok {
				ex.metaSkipped(t, h, action)
				continue
			}
		}
		switch action {
		case "flush_handlers":
			// the handlers run once, after every host has asked for them,
			// for the hosts that did
			if flush == nil {
				flush = map[*hostState]bool{}
			}
			flush[h] = true
		case "end_play":
			pr.endPlay = true
			for _, x := range pr.batch {
				x.ended = true
			}
		case "end_batch":
			for _, x := range pr.batch {
				x.ended = true
			}
		case "end_host":
			h.ended = true
		case "clear_host_errors":
			for _, x := range pr.all {
				if x.failed && !x.unreachable {
					x.failed = false
				}
			}
		case "clear_facts":
			for _, x := range pr.all {
				x.mu.Lock()
				x.facts = value.NewMap(0)
				x.bare = nil
				x.mu.Unlock()
			}
		case "refresh_inventory":
			ex.r.refreshInventory(pr)
		case "reset_connection":
			ex.resetConnection(ctx, t, h)
		}
	}
	if flush != nil {
		ex.r.flushHandlers(ctx, pr, flush)
	}
	return nil
}

// metaSkipped reports a meta task whose condition was false on h, as
// ansible's v2_runner_on_skipped for it (no stats count it).
func (ex *executor) metaSkipped(t *playbook.Task, h *hostState, action string) {
	reason := action + " conditional evaluated to False"
	switch action {
	case "flush_handlers":
		reason += ", not running handlers for " + h.name
	case "clear_facts":
		reason += ", not clearing facts and fact cache for " + h.name
	case "clear_host_errors":
		reason += ", not clearing host error state for " + h.name
	case "end_batch":
		reason += ", continuing current batch"
	case "end_play":
		reason += ", continuing play"
	case "end_host":
		reason += ", continuing execution for " + h.name
	}
	res := value.NewMap(3)
	res.Set("msg", action)
	if action == "end_host" {
		res.Set("msg", "end_host conditional evaluated to false, continuing execution for "+h.name)
	}
	res.Set("skipped", true)
	res.Set("skip_reason", reason)
	hr := &callback.HostResult{Host: h.name, Task: ex.cbTask(t, t.Name), Status: callback.Skipped, Result: res}
	r := ex.r
	r.outMu.Lock()
	r.sink.HostResult(hr)
	r.outMu.Unlock()
}

// resetConnection closes h's connection, so that the next task connects
// anew (and a login picks up, say, new group memberships), as ansible's
// reset_connection; the local connection has nothing to reset, and says
// so as ansible's does.
func (ex *executor) resetConnection(ctx context.Context, t *playbook.Task, h *hostState) {
	tc := ex.newTaskCtx(t, h, ex.r.newScope(ex.pr, h, t, nil))
	c, err := ex.r.connFor(ctx, tc, "")
	if err != nil {
		return
	}
	if _, ok := c.(*connection.Local); ok {
		ex.r.warn("Reset is not implemented for this connection")
		return
	}
	ex.r.dropConn(c)
	c.Close()
}
