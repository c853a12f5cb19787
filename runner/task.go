package runner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// taskCtx is one task on one host: its scope and effective keywords.
type taskCtx struct {
	ex    *executor
	t     *playbook.Task
	h     *hostState
	sc    *scope
	kws   []playbook.Keywords
	check bool
	diff  bool
	noLog bool
	// delegateFacts: a delegated task's facts go to the delegated host
	delegateFacts bool
	kwErr         error // a keyword's value its type refuses, met in taskKeywords
	// unknown: in a check run, the task uses a result the run could not
	// know (dryrun.go)
	unknown bool
}

// newTaskCtx is t on h with scope sc, its keywords t's chain in this play.
func (ex *executor) newTaskCtx(t *playbook.Task, h *hostState, sc *scope) *taskCtx {
	return &taskCtx{ex: ex, t: t, h: h, sc: sc, kws: t.KeywordChain(ex.pr.play)}
}

func (tc *taskCtx) kw(get func(playbook.Keywords) any) any {
	for _, k := range tc.kws {
		if v := get(k); v != nil {
			return v
		}
	}
	return nil
}

// outcome is a task's final result on one host.
type outcome struct {
	h       *hostState
	status  callback.Status
	result  *value.Map
	failed  bool // counts as a host failure (not ignored)
	changed bool
}

// runTask runs one task on hosts and returns those that failed.
func (ex *executor) runTask(ctx context.Context, t *playbook.Task, hosts hostSet) map[*hostState]bool {
	r := ex.r
	if len(hosts) == 0 {
		return nil
	}
	if !t.Handler && !r.tagsMatch(effectiveTags(t, ex.pr.play)) {
		return nil
	}
	if !t.Handler && t.Action != "gather_facts" && !r.reachedStart(t) {
		return nil
	}
	if t.Action == "meta" {
		return ex.runMeta(ctx, t, hosts)
	}
	if r.o.Step {
		if !ex.takeStep(ctx, t, hosts) {
			return nil
		}
	}
	if t.Action == "include_tasks" || t.Action == "include_role" || t.Action == "include" {
		if !t.Handler && !r.tagsMatch(effectiveTags(t, ex.pr.play)) {
			return nil
		}
		return ex.runInclude(ctx, t, hosts)
	}
	runOnce := false
	if v := firstKw(t, ex.pr.play, func(k playbook.Keywords) any { return k.RunOnce }); v != nil {
		sc := r.newScope(ex.pr, hosts[0], t, nil)
		runOnce, _ = sc.renderBool(v, false)
	}
	share := runOnce
	// add_host and pause bypass the host loop: they run once, for the
	// first host, and only it gets the result.
	if t.Action == "add_host" || t.Action == "pause" {
		runOnce = true
	}
	// A cluster module (galera_bootstrap) acts on every host itself.
	if info, ok := t.ModuleInfo(); ok && info.Cluster {
		runOnce = true
	}
	targets := hosts
	if runOnce {
		targets = hosts[:1]
	}
	serial := t.Action == "group_by"
	ex.banner(t, hosts[0])
	outs := ex.runOnHosts(ctx, t, targets, serial)
	failed := map[*hostState]bool{}
	for _, o := range outs {
		if o.failed {
			failed[o.h] = true
		}
	}
	if runOnce && len(hosts) > 1 && t.Action != "add_host" && (share || t.Action != "pause") {
		ex.shareRunOnce(t, outs[0], hosts[1:], failed)
	}
	return failed
}

// runOnHosts runs t on targets, at most forks (or the task's throttle)
// at a time; serial runs them one after the other (group_by).
func (ex *executor) runOnHosts(ctx context.Context, t *playbook.Task, targets hostSet, serial bool) []*outcome {
	r := ex.r
	outs := make([]*outcome, len(targets))
	if len(targets) == 1 || serial {
		for i, h := range targets {
			outs[i] = ex.runOnHost(ctx, t, h)
		}
	} else {
		forks := r.o.Forks
		if th := firstKw(t, ex.pr.play, func(k playbook.Keywords) any { return k.Throttle }); th != nil {
			if n, err := strconv.Atoi(value.String(th)); err == nil && n > 0 && n < forks {
				forks = n
			}
		}
		sem := make(chan struct{}, forks)
		var wg sync.WaitGroup
		for i, h := range targets {
			wg.Add(1)
			sem <- struct{}{}
			go func(i int, h *hostState) {
				defer wg.Done()
				defer func() { <-sem }()
				outs[i] = ex.runOnHost(ctx, t, h)
			}(i, h)
		}
		wg.Wait()
	}
	return outs
}

// shareRunOnce gives a run_once task's outcome o to the batch's other
// hosts: the registered result, set_fact's facts and include_vars' vars,
// the notification, the failure.
func (ex *executor) shareRunOnce(t *playbook.Task, o *outcome, others hostSet, failed map[*hostState]bool) {
	r := ex.r
	facts, _ := o.result.Get("ansible_facts")
	fm, _ := facts.(*value.Map)
	for _, h := range others {
		if t.Register != "" {
			h.setFact(t.Register, registered(o.result))
			if r.sim(o.h.name).IsUnknowable(t.Register) {
				r.sim(h.name).Unknowable(t.Register)
			}
		}
		if fm != nil {
			switch t.Action {
			case "set_fact":
				fm.Range(func(k string, v any) bool { h.setFact(k, v); return true })
			case "include_vars":
				h.setIncludeVars(fm)
			}
		}
		if o.changed {
			ex.notify(t, h, r.newScope(ex.pr, h, t, nil))
		}
		if o.failed {
			h.mu.Lock()
			h.failed = true
			h.mu.Unlock()
			failed[h] = true
		}
	}
}

func firstKw(t *playbook.Task, p *playbook.Play, get func(playbook.Keywords) any) any {
	for _, k := range t.KeywordChain(p) {
		if v := get(k); v != nil {
			return v
		}
	}
	return nil
}

func (ex *executor) banner(t *playbook.Task, h *hostState) {
	name := t.Name
	if name == "" && t.Action == "include_role" {
		// ansible's IncludeRole.get_name: the action and the role as written
		if rn, ok := t.Args.Get("name"); ok {
			name = actionShown(t) + " : " + value.String(rn)
		}
	}
	if name != "" && templates.IsTemplate(name) {
		sc := ex.r.newScope(ex.pr, h, t, nil)
		if s, err := sc.renderString(name); err == nil {
			name = s
		}
	}
	ct := ex.cbTask(t, name)
	ex.r.emit(func(s callback.Sink) { s.TaskStart(ct) })
}

// actionShown is t's action as ansible shows a task without a name: as
// written (ansible.builtin.debug stays so).
func actionShown(t *playbook.Task) string {
	if t.Written != "" {
		return t.Written
	}
	return t.Action
}

func (ex *executor) cbTask(t *playbook.Task, name string) callback.Task {
	if name == "" {
		name = actionShown(t)
	}
	role := ""
	if t.Role != nil {
		role = t.Role.Role.FQName()
	}
	resolved := actionShown(t)
	if info, ok := t.ModuleInfo(); ok && info.ID != "" {
		resolved = info.ID
	}
	switch t.Action {
	case "include_tasks", "include_role", "include", "import_tasks", "import_role":
		resolved = "" // ansible resolves no plugin for them
	}
	path := fmt.Sprintf("%s:%d", t.Pos.File, t.Pos.Line)
	if ex.r.o.Adhoc != nil {
		// an ad hoc command's task comes from no file, and ansible
		// builds it without resolving its action
		path, resolved = "", ""
	}
	return callback.Task{Name: name, Role: role, Action: t.Action, Written: actionShown(t), ID: fmt.Sprintf("%p", t),
		Path: path, Handler: t.Handler, Check: ex.pr.check,
		Resolved: resolved, LoopWith: t.LoopLookup}
}

// runOnHost runs a task on one host: loop, conditions, action, retries,
// changed_when/failed_when, register, notify, report.
func (ex *executor) runOnHost(ctx context.Context, t *playbook.Task, h *hostState) *outcome {
	r := ex.r
	ex.hostStart(t, h)
	sc := r.newScope(ex.pr, h, t, nil)
	if t.ActionTemplate {
		rt, err := t.ResolveAction(func(s string) (string, error) { return sc.renderString(s) })
		if err != nil {
			var te *templates.Error
			if errors.As(err, &te) {
				err = sc.taskError(err, t)
			}
			// ansible's TaskExecutor turns this AnsibleError into
			// failed and msg, without changed
			res := failResult(err.Error())
			res.Delete("changed")
			return ex.failOnHostResult(t, h, sc, res)
		}
		t = rt
	}
	tc := ex.newTaskCtx(t, h, sc)
	kw := tc.taskKeywords()

	var res *value.Map
	var diffs []modules.Diff
	tc.noteUnknowns()
	if t.HasLoop {
		res = tc.runLoop(ctx, kw.delegate)
	} else {
		ok, err := sc.cond(whens(t))
		if err != nil {
			res = failResult(sc.explain(err, t))
		} else if !ok {
			res = skipResult()
		} else if tc.kwErr != nil {
			res = failResult(sc.explain(tc.kwErr, t))
		} else {
			res, diffs = tc.runOnce(ctx, nil, kw.delegate)
		}
		markNoLog(res, tc.noLog)
	}
	o := &outcome{h: h, result: res, status: statusOf(res), changed: value.Truthy(get(res, "changed"))}
	if t.Register != "" {
		h.setFact(t.Register, registered(res))
	}
	tc.noteResult(res)
	ignored := ex.settle(t, o, kw)
	if o.changed && (ignored || o.status != callback.Failed && o.status != callback.Unreachable) {
		ex.notify(t, h, sc)
		if r.takeFatal() != nil {
			return o // ansible raises before the result is shown
		}
	}
	hr := &callback.HostResult{Host: h.name, Task: ex.cbTask(t, t.Name), Status: o.status, Ignored: ignored,
		Loop: t.HasLoop, Result: res, NoLog: tc.noLog, Diff: diffs}
	if kw.delegate != "" && kw.delegate != h.name {
		hr.Delegate = kw.delegate
	}
	r.outMu.Lock()
	r.counter.Add(hr)
	r.sink.HostResult(hr)
	r.outMu.Unlock()
	return o
}

// hostStart tells the sink that t begins on h (ansible's
// v2_runner_on_start, which only job events show).
func (ex *executor) hostStart(t *playbook.Task, h *hostState) {
	ct := ex.cbTask(t, t.Name)
	ex.r.emit(func(s callback.Sink) {
		if hs, ok := s.(callback.HostStartSink); ok {
			hs.HostStart(h.name, ct)
		}
	})
}

// failOnHostResult reports t failed on h with res, before it could run (its
// templated action names no module: ansible's message is bare).
func (ex *executor) failOnHostResult(t *playbook.Task, h *hostState, sc *scope, res *value.Map) *outcome {
	o := &outcome{h: h, result: res, status: callback.Failed}
	if t.Register != "" {
		h.setFact(t.Register, res)
	}
	tc := ex.newTaskCtx(t, h, sc)
	kw := tc.taskKeywords()
	ignored := ex.settle(t, o, kw)
	hr := &callback.HostResult{Host: h.name, Task: ex.cbTask(t, t.Name), Status: o.status, Ignored: ignored, Result: res}
	ex.r.outMu.Lock()
	ex.r.counter.Add(hr)
	ex.r.sink.HostResult(hr)
	ex.r.outMu.Unlock()
	return o
}

// hostKeywords are the keywords that shape a task's run on one host,
// rendered with its variables.
type hostKeywords struct {
	ignoreErrors, ignoreUnreachable bool
	delegate                        string
}

// taskKeywords renders the keywords of tc's task on its host, and sets
// tc's check, diff, no_log and delegate_facts. A boolean keyword whose value is not a
// boolean (ansible's FieldAttribute isa='bool', boolean(strict=True))
// leaves its error in tc.kwErr: the task fails on the host when it runs.
func (tc *taskCtx) taskKeywords() hostKeywords {
	sc := tc.sc
	tc.check, tc.diff = tc.ex.pr.check, tc.ex.pr.diff
	boolKw := func(name string, get func(playbook.Keywords) any, dst *bool) {
		v := tc.kw(get)
		if v == nil {
			return
		}
		b, err := sc.renderStrictBool(name, v)
		if err != nil {
			if tc.kwErr == nil {
				tc.kwErr = err
			}
			return
		}
		*dst = b
	}
	boolKw("check_mode", func(k playbook.Keywords) any { return k.CheckMode }, &tc.check)
	boolKw("diff", func(k playbook.Keywords) any { return k.Diff }, &tc.diff)
	// ansible_check_mode/ansible_diff_mode follow the run, not the task's
	// own check_mode/diff keyword, as in ansible-core.
	boolKw("no_log", func(k playbook.Keywords) any { return k.NoLog }, &tc.noLog)
	boolKw("delegate_facts", func(k playbook.Keywords) any { return k.DelegateFacts }, &tc.delegateFacts)
	var kw hostKeywords
	boolKw("ignore_errors", func(k playbook.Keywords) any { return k.IgnoreErrors }, &kw.ignoreErrors)
	boolKw("ignore_unreachable", func(k playbook.Keywords) any { return k.IgnoreUnreachable }, &kw.ignoreUnreachable)
	if v := tc.kw(func(k playbook.Keywords) any { return k.DelegateTo }); v != nil {
		kw.delegate, _ = sc.renderString(v)
	}
	return kw
}

// settle records a failed or unreachable outcome on its host, unless the
// task ignores it; ignored says it did.
func (ex *executor) settle(t *playbook.Task, o *outcome, kw hostKeywords) (ignored bool) {
	r, h := ex.r, o.h
	switch o.status {
	case callback.Failed:
		if kw.ignoreErrors {
			return true
		}
		o.failed = true
		h.mu.Lock()
		h.failed = true
		h.mu.Unlock()
		h.setFailedTask(t, o.result)
		r.anyFailedHost(h)
	case callback.Unreachable:
		if kw.ignoreUnreachable {
			return true
		}
		o.failed = true
		// Other hosts of the task read these for their play magic
		// (ansible_play_hosts) while this one runs.
		h.mu.Lock()
		h.unreachable = true
		h.mu.Unlock()
		r.hostsMu.Lock()
		r.anyUnreachable = true
		r.hostsMu.Unlock()
	}
	return false
}

func (r *run) anyFailedHost(h *hostState) {
	r.hostsMu.Lock()
	r.anyFailed = true
	r.hostsMu.Unlock()
}

// up says the host has neither failed nor become unreachable; it locks,
// since other hosts ask while this one's task may be setting them.
func (h *hostState) up() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.failed && !h.unreachable
}

// setFailedTask records the task that failed on h and its result, for a
// rescue's ansible_failed_task and ansible_failed_result. The task is data,
// as ansible's wrap_var makes it: its arguments' templates are not
// rendered again when a rescue reads it.
func (h *hostState) setFailedTask(t *playbook.Task, res *value.Map) {
	task := value.NewMap(4)
	task.Set("name", t.Name)
	task.Set("action", t.Action)
	task.Set("args", t.Args)
	h.mu.Lock()
	h.failedTask = value.MarkUnsafe(task).(*value.Map)
	h.failedResult = res
	h.mu.Unlock()
}

// reachedStart implements --start-at-task: tasks before the first whose
// name (or "role : name") matches are skipped silently.
func (r *run) reachedStart(t *playbook.Task) bool {
	if r.o.StartAtTask == "" {
		return true
	}
	r.hostsMu.Lock()
	defer r.hostsMu.Unlock()
	if r.started {
		return true
	}
	names := []string{t.Name}
	if t.Role != nil {
		names = append(names, t.Role.Role.Name+" : "+t.Name, t.Role.Role.FQName()+" : "+t.Name)
	}
	for _, n := range names {
		if ok, _ := filepath.Match(r.o.StartAtTask, n); ok || n == r.o.StartAtTask {
			r.started = true
			return true
		}
	}
	return false
}
