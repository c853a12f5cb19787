package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// chainKw lists keyword sets from the task outward: task, blocks, role
// uses, play. The first set that defines a keyword wins.
func chainKw(kw Keywords, parent *Block, role *RoleInstance, play *Play) []Keywords {
	out := []Keywords{kw}
	for b := parent; b != nil; b = b.Parent {
		out = append(out, b.Kw)
	}
	if play != nil {
		out = append(out, play.Kw)
	}
	return out
}

// taskCtx is one task on one host: its scope and effective keywords.
type taskCtx struct {
	ex    *executor
	t     *Task
	h     *hostState
	sc    *scope
	kws   []Keywords
	check bool
	diff  bool
	noLog bool
}

func (tc *taskCtx) kw(get func(Keywords) any) any {
	for _, k := range tc.kws {
		if v := get(k); v != nil {
			return v
		}
	}
	return nil
}

// whens gathers the conditions of the task and every enclosing block.
func whens(t *Task) []any {
	var out []any
	var chain [][]any
	for b := t.Parent; b != nil; b = b.Parent {
		chain = append(chain, b.Kw.When)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i]...)
	}
	return append(out, t.Kw.When...)
}

// effectiveTags is the union of the task's tags and its ancestors'.
func effectiveTags(t *Task, play *Play) []string {
	tags := append([]string(nil), t.Kw.Tags...)
	for b := t.Parent; b != nil; b = b.Parent {
		tags = append(tags, b.Kw.Tags...)
	}
	if play != nil {
		tags = append(tags, play.Kw.Tags...)
	}
	return tags
}

// tagsMatch decides whether --tags/--skip-tags select a task with tags.
func (r *run) tagsMatch(tags []string) bool {
	has := func(s string) bool {
		for _, t := range tags {
			if t == s {
				return true
			}
		}
		return false
	}
	only, skip := r.o.Tags, r.o.SkipTags
	if len(skip) > 0 {
		for _, s := range skip {
			if has(s) || (s == "all" && !has("always")) || (s == "tagged" && len(tags) > 0 && !has("always")) || (s == "untagged" && len(tags) == 0) {
				return false
			}
		}
	}
	if len(only) == 0 {
		return !has("never")
	}
	if has("always") {
		return true
	}
	for _, o := range only {
		switch o {
		case "all":
			if !has("never") {
				return true
			}
		case "tagged":
			if len(tags) > 0 && !has("never") {
				return true
			}
		case "untagged":
			if len(tags) == 0 {
				return true
			}
		default:
			if has(o) {
				return true
			}
		}
	}
	return false
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
func (ex *executor) runTask(ctx context.Context, t *Task, hosts hostSet) map[*hostState]bool {
	r := ex.r
	if len(hosts) == 0 {
		return nil
	}
	if !t.Handler && !r.tagsMatch(effectiveTags(t, ex.pr.play)) && t.Action != "meta" {
		return nil
	}
	if !t.Handler && t.Action != "gather_facts" && !r.reachedStart(t) {
		return nil
	}
	if t.Action == "meta" {
		return ex.runMeta(ctx, t, hosts)
	}
	if t.Action == "include_tasks" || t.Action == "include_role" {
		if !t.Handler && !r.tagsMatch(effectiveTags(t, ex.pr.play)) {
			return nil
		}
		return ex.runInclude(ctx, t, hosts)
	}
	runOnce := false
	if v := firstKw(t, ex.pr.play, func(k Keywords) any { return k.RunOnce }); v != nil {
		sc := r.newScope(ex.pr, hosts[0], t, nil)
		runOnce, _ = sc.renderBool(v, false)
	}
	// add_host bypasses the host loop: it runs once, for the first host.
	if t.Action == "add_host" {
		runOnce = true
	}
	// A cluster module (galera_bootstrap) acts on every host itself.
	if info, ok := modules.Lookup(t.Action); ok && info.Cluster {
		runOnce = true
	}
	targets := hosts
	if runOnce {
		targets = hosts[:1]
	}
	serial := t.Action == "group_by"
	ex.banner(t, hosts[0])
	outs := make([]*outcome, len(targets))
	if len(targets) == 1 || serial {
		for i, h := range targets {
			outs[i] = ex.runOnHost(ctx, t, h)
		}
	} else {
		forks := r.o.Forks
		if th := firstKw(t, ex.pr.play, func(k Keywords) any { return k.Throttle }); th != nil {
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
	failed := map[*hostState]bool{}
	for _, o := range outs {
		if o.failed {
			failed[o.h] = true
		}
	}
	if runOnce && len(hosts) > 1 && t.Action != "add_host" {
		// run_once: the result applies to every host of the batch.
		o := outs[0]
		facts, _ := o.result.Get("ansible_facts")
		fm, _ := facts.(*value.Map)
		for _, h := range hosts[1:] {
			if t.Register != "" {
				h.setFact(t.Register, o.result)
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
				h.failed = true
				failed[h] = true
			}
		}
	}
	return failed
}

func firstKw(t *Task, p *Play, get func(Keywords) any) any {
	for _, k := range chainKw(t.Kw, t.Parent, t.Role, p) {
		if v := get(k); v != nil {
			return v
		}
	}
	return nil
}

func (ex *executor) banner(t *Task, h *hostState) {
	name := t.Name
	if name != "" && templates.IsTemplate(name) {
		sc := ex.r.newScope(ex.pr, h, t, nil)
		if s, err := sc.renderString(name); err == nil {
			name = s
		}
	}
	ct := ex.cbTask(t, name)
	ex.r.emit(func(s callback.Sink) { s.TaskStart(ct) })
}

func (ex *executor) cbTask(t *Task, name string) callback.Task {
	role := ""
	if t.Role != nil {
		role = t.Role.Role.Name
	}
	return callback.Task{Name: name, Role: role, Action: t.Action, Path: fmt.Sprintf("%s:%d", t.Pos.File, t.Pos.Line),
		Handler: t.Handler, Check: ex.pr.check}
}

// runOnHost runs a task on one host: loop, conditions, action, retries,
// changed_when/failed_when, register, notify, report.
func (ex *executor) runOnHost(ctx context.Context, t *Task, h *hostState) *outcome {
	r := ex.r
	sc := r.newScope(ex.pr, h, t, nil)
	tc := &taskCtx{ex: ex, t: t, h: h, sc: sc, kws: chainKw(t.Kw, t.Parent, t.Role, ex.pr.play)}
	tc.check, tc.diff = ex.pr.check, ex.pr.diff
	if v := tc.kw(func(k Keywords) any { return k.CheckMode }); v != nil {
		tc.check, _ = sc.renderBool(v, tc.check)
	}
	if v := tc.kw(func(k Keywords) any { return k.Diff }); v != nil {
		tc.diff, _ = sc.renderBool(v, tc.diff)
	}
	// ansible_check_mode/ansible_diff_mode follow the run, not the task's
	// own check_mode/diff keyword, as in ansible-core.
	if v := tc.kw(func(k Keywords) any { return k.NoLog }); v != nil {
		tc.noLog, _ = sc.renderBool(v, false)
	}
	ignoreErrors := false
	if v := tc.kw(func(k Keywords) any { return k.IgnoreErrors }); v != nil {
		ignoreErrors, _ = sc.renderBool(v, false)
	}
	ignoreUnreach := false
	if v := tc.kw(func(k Keywords) any { return k.IgnoreUnreachable }); v != nil {
		ignoreUnreach, _ = sc.renderBool(v, false)
	}
	delegate := ""
	if v := tc.kw(func(k Keywords) any { return k.DelegateTo }); v != nil {
		delegate, _ = sc.renderString(v)
	}

	var res *value.Map
	var diffs []callback.Diff
	if t.HasLoop {
		res = tc.runLoop(ctx, delegate)
	} else {
		ok, err := sc.cond(whens(t))
		if err != nil {
			res = failResult(sc.explain(err, t))
		} else if !ok {
			res = skipResult()
		} else {
			res, diffs = tc.runOnce(ctx, nil, delegate)
		}
	}
	o := &outcome{h: h, result: res}
	status := statusOf(res)
	o.changed = value.Truthy(get(res, "changed"))
	if t.Register != "" {
		h.setFact(t.Register, res)
	}
	ignored := false
	switch status {
	case callback.Failed:
		if ignoreErrors {
			ignored = true
		} else {
			o.failed = true
			h.failed = true
			h.setFailedTask(t, res)
		}
	case callback.Unreachable:
		if ignoreUnreach {
			ignored = true
		} else {
			o.failed = true
			h.unreachable = true
			r.anyUnreachable = true
		}
	}
	if o.changed && status != callback.Failed && status != callback.Unreachable {
		ex.notify(t, h, sc)
	} else if o.changed && ignored {
		ex.notify(t, h, sc)
	}
	if o.failed && status == callback.Failed {
		r.anyFailedHost(h)
	}
	o.status = status
	hr := &callback.HostResult{Host: h.name, Task: ex.cbTask(t, t.Name), Status: status, Ignored: ignored,
		Loop: t.HasLoop, Result: res, NoLog: tc.noLog, Diff: diffs}
	if delegate != "" && delegate != h.name {
		hr.Delegate = delegate
	}
	r.outMu.Lock()
	r.counter.Add(hr)
	r.sink.HostResult(hr)
	r.outMu.Unlock()
	return o
}

func (r *run) anyFailedHost(h *hostState) {
	r.hostsMu.Lock()
	r.anyFailed = true
	r.hostsMu.Unlock()
}

func (h *hostState) setFailedTask(t *Task, res *value.Map) {
	task := value.NewMap(4)
	task.Set("name", t.Name)
	task.Set("action", t.Action)
	task.Set("args", t.Args)
	h.mu.Lock()
	h.failedTask = task
	h.failedResult = res
	h.mu.Unlock()
}

func get(m *value.Map, k string) any {
	v, _ := m.Get(k)
	return v
}

func statusOf(res *value.Map) callback.Status {
	switch {
	case value.Truthy(get(res, "unreachable")):
		return callback.Unreachable
	case value.Truthy(get(res, "failed")):
		return callback.Failed
	case value.Truthy(get(res, "skipped")):
		return callback.Skipped
	case value.Truthy(get(res, "changed")):
		return callback.Changed
	}
	return callback.OK
}

func failResult(msg string) *value.Map {
	m := value.NewMap(3)
	m.Set("failed", true)
	m.Set("msg", msg)
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

// runLoop runs the task once per item and builds the loop result.
func (tc *taskCtx) runLoop(ctx context.Context, delegate string) *value.Map {
	t, sc, r := tc.t, tc.sc, tc.ex.r
	items, err := tc.loopItems()
	if err != nil {
		// an undefined loop with a false condition is a skip, as Ansible.
		if ok, cerr := sc.cond(whens(t)); cerr == nil && !ok {
			return skipResult()
		}
		return failResult(sc.explain(err, t))
	}
	loopVar, indexVar, label := "item", "", any(nil)
	extended := false
	var pause float64
	if lc := t.LoopControl; lc != nil {
		if v, ok := lc.Get("loop_var"); ok {
			loopVar = value.String(v)
		}
		if v, ok := lc.Get("index_var"); ok {
			indexVar = value.String(v)
		}
		if v, ok := lc.Get("label"); ok {
			label = v
		}
		if v, ok := lc.Get("extended"); ok {
			extended, _ = sc.renderBool(v, false)
		}
		if v, ok := lc.Get("pause"); ok {
			pause, _ = strconv.ParseFloat(value.String(v), 64)
		}
	}
	results := make([]any, 0, len(items))
	anyChanged, anyFailed, allSkipped := false, false, true
	for i, item := range items {
		if ctx.Err() != nil {
			break
		}
		if i > 0 && pause > 0 {
			time.Sleep(time.Duration(pause * float64(time.Second)))
		}
		lv := value.NewMap(4)
		lv.Set(loopVar, item)
		if indexVar != "" {
			lv.Set(indexVar, i)
		}
		if extended {
			al := value.NewMap(10)
			n := len(items)
			al.Set("allitems", items)
			al.Set("index", i+1)
			al.Set("index0", i)
			al.Set("revindex", n-i)
			al.Set("revindex0", n-i-1)
			al.Set("first", i == 0)
			al.Set("last", i == n-1)
			al.Set("length", n)
			if i > 0 {
				al.Set("previtem", items[i-1])
			}
			if i < n-1 {
				al.Set("nextitem", items[i+1])
			}
			lv.Set("ansible_loop", al)
		}
		isc := r.newScope(tc.ex.pr, tc.h, t, lv)
		itc := *tc
		itc.sc = isc
		var res *value.Map
		var diffs []callback.Diff
		ok, err := isc.cond(whens(t))
		switch {
		case err != nil:
			res = failResult(isc.explain(err, t))
		case !ok:
			res = skipResult()
		default:
			res, diffs = itc.runOnce(ctx, lv, delegate)
		}
		res.Set(loopVar, item)
		res.Set("ansible_loop_var", loopVar)
		if indexVar != "" {
			res.Set(indexVar, i)
			res.Set("ansible_index_var", indexVar)
		}
		if extended {
			al, _ := lv.Get("ansible_loop")
			res.Set("ansible_loop", al)
		}
		st := statusOf(res)
		if st != callback.Skipped {
			allSkipped = false
		}
		if value.Truthy(get(res, "changed")) {
			anyChanged = true
		}
		if st == callback.Failed || st == callback.Unreachable {
			anyFailed = true
		}
		shown := item
		if label != nil {
			if l, err := isc.render(label); err == nil {
				shown = l
			}
		}
		hr := &callback.HostResult{Host: tc.h.name, Task: tc.ex.cbTask(t, t.Name), Status: st, IsItem: true,
			Label: labelString(shown), Result: res, NoLog: tc.noLog, Diff: diffs}
		if delegate != "" && delegate != tc.h.name {
			hr.Delegate = delegate
		}
		r.emit(func(s callback.Sink) { s.HostResult(hr) })
		results = append(results, res)
	}
	out := value.NewMap(5)
	out.Set("changed", anyChanged)
	out.Set("msg", "All items completed")
	if anyFailed {
		out.Set("failed", true)
		out.Set("msg", "One or more items failed")
	}
	if len(items) == 0 || allSkipped {
		out.Set("skipped", true)
		if len(items) == 0 {
			out.Set("skipped_reason", "No items in the list")
		}
	}
	out.Set("results", results)
	return out
}

// labelString is an item as the callback shows it: Python's str().
func labelString(v any) string { return value.String(v) }

// runOnce runs the action once (one item, or no loop), with until/retries
// and changed_when/failed_when applied.
func (tc *taskCtx) runOnce(ctx context.Context, loopVars *value.Map, delegate string) (*value.Map, []callback.Diff) {
	t, sc := tc.t, tc.sc
	retries, delay := 0, 5.0
	if len(t.Until) > 0 {
		retries = 3
		if t.Retries != nil {
			if v, err := sc.render(t.Retries); err == nil {
				if n, err := strconv.Atoi(value.String(v)); err == nil {
					retries = n
				}
			}
		}
		if t.Delay != nil {
			if v, err := sc.render(t.Delay); err == nil {
				if f, err := strconv.ParseFloat(value.String(v), 64); err == nil {
					delay = f
				}
			}
		}
	}
	var res *value.Map
	var diffs []callback.Diff
	for attempt := 1; ; attempt++ {
		var last bool
		if res, diffs, last = tc.attempt(ctx, delegate, loopVars != nil); last {
			return res, diffs
		}
		tc.postProcess(res)
		if len(t.Until) == 0 {
			break
		}
		usc := tc.withResult(res)
		ok, err := usc.cond(t.Until)
		if err != nil {
			return failResult(usc.explain(err, t)), diffs
		}
		res.Set("attempts", attempt)
		if ok {
			break
		}
		if attempt >= retries { // ansible-core 2.14: retries counts every attempt
			res.Set("failed", true)
			if _, has := res.Get("msg"); !has {
				res.Set("msg", "")
			}
			break
		}
		res.Set("retries", retries)
		hr := &callback.HostResult{Host: tc.h.name, Task: tc.ex.cbTask(t, t.Name), Status: callback.Failed, Result: res, NoLog: tc.noLog}
		tc.ex.r.emit(func(s callback.Sink) { s.Retry(hr) })
		select {
		case <-ctx.Done():
			return res, diffs
		case <-time.After(time.Duration(delay * float64(time.Second))):
		}
	}
	return res, diffs
}

// withResult is the scope with the task's register name bound to res, for
// changed_when/failed_when/until.
func (tc *taskCtx) withResult(res *value.Map) *scope {
	if tc.t.Register == "" {
		return tc.sc
	}
	lv := value.NewMap(1)
	lv.Set(tc.t.Register, res)
	sc := *tc.sc
	sc.layers = append(append([]*value.Map(nil), tc.sc.layers...), lv)
	sc.cache = nil
	return &sc
}

func (tc *taskCtx) postProcess(res *value.Map) {
	t := tc.t
	if !t.HasChanged && !t.HasFailed {
		return
	}
	sc := tc.withResult(res)
	if t.HasChanged {
		ok, err := sc.cond(t.ChangedWhen)
		if err != nil {
			res.Set("failed", true)
			res.Set("msg", sc.explain(err, t))
			return
		}
		res.Set("changed", ok)
	}
	if t.HasFailed {
		ok, err := sc.cond(t.FailedWhen)
		if err != nil {
			res.Set("failed", true)
			res.Set("msg", sc.explain(err, t))
			return
		}
		res.Set("failed_when_result", ok)
		res.Set("failed", ok)
	}
}

// execute templates the arguments and runs the action.
func (tc *taskCtx) execute(ctx context.Context, delegate string) (res *value.Map, diffs []callback.Diff) {
	t, sc, h := tc.t, tc.sc, tc.h
	defer func() {
		if p := recover(); p != nil {
			res = failResult(fmt.Sprintf("internal error in %s: %v", t.Action, p))
		}
	}()
	if a := engineAction(t.Action); a != nil {
		return a(ctx, tc), nil
	}
	info, _ := modules.Lookup(t.Action)
	argsV, err := sc.render(t.Args)
	if err != nil {
		return failResult(sc.explain(err, t)), nil
	}
	args, _ := argsV.(*value.Map)
	if args == nil {
		args = value.NewMap(0)
	}
	if err := tc.applyModuleDefaults(info, args); err != nil {
		return failResult(sc.explain(err, t)), nil
	}
	args = tc.ex.r.dropOmit(args)
	if info.FreeForm != "" && info.FreeForm != "_raw_params" {
		if v, ok := args.Get("_raw_params"); ok {
			args.Delete("_raw_params")
			args.Set(info.FreeForm, v)
		}
	}
	mod, err := modules.Decode(info, args)
	if err != nil {
		return failResult(err.Error()), nil
	}
	if tc.check && !info.CheckMode {
		m := value.NewMap(3)
		m.Set("changed", false)
		m.Set("msg", fmt.Sprintf("remote module (%s) does not support check mode", t.Action))
		m.Set("skipped", true)
		return m, nil
	}
	conn, err := tc.ex.r.connFor(ctx, tc, delegate)
	if err != nil {
		return unreachableResult(err), nil
	}
	env := &modules.Env{Host: h.name, Conn: conn, Check: tc.check, Diff: tc.diff, Log: tc.ex.r.log}
	if v := tc.ex.r.o.Vault; v != nil {
		env.Decrypt = v.Decrypt
	}
	env.Become, err = tc.become()
	if err != nil {
		return failResult(sc.explain(err, t)), nil
	}
	env.Environment, err = tc.environment()
	if err != nil {
		return failResult(sc.explain(err, t)), nil
	}
	if info.Cluster {
		tc.clusterEnv(env)
	}
	env.FindFile = func(kind, name string) (string, error) { return tc.findFile(kind, name) }
	env.Basedir = tc.ex.r.pbDir
	if t.play != nil && t.play.Dir != "" {
		env.Basedir = t.play.Dir
	}
	env.Template = func(src string, extra map[string]any) (string, error) {
		o := templates.DefaultTextOptions()
		o.Extra = map[string]any{"ansible_managed": tc.ex.r.ansibleManaged()}
		for k, v := range extra {
			o.Extra[k] = v
		}
		s, err := tc.ex.r.eng.RenderText(src, sc, o)
		if err != nil && sc.err != nil {
			err = sc.err
		}
		return s, err
	}
	env.RenderTemplate = func(src string, to modules.TemplateOptions) (string, error) {
		for _, d := range [][2]string{{to.VariableStart, "{{"}, {to.VariableEnd, "}}"}, {to.BlockStart, "{%"}, {to.BlockEnd, "%}"}, {to.CommentStart, "{#"}, {to.CommentEnd, "#}"}} {
			if d[0] != "" && d[0] != d[1] {
				return "", fmt.Errorf("custom template delimiters are not supported by fjord yet (%q)", d[0])
			}
		}
		o := templates.DefaultTextOptions()
		o.TrimBlocks, o.LstripBlocks, o.Name = to.TrimBlocks, to.LstripBlocks, to.Path
		o.Extra = map[string]any{"ansible_managed": tc.ex.r.ansibleManaged()}
		for k, v := range to.Extra {
			o.Extra[k] = v
		}
		s, err := tc.ex.r.eng.RenderText(src, sc, o)
		if err != nil && sc.err != nil {
			err, sc.err = sc.err, nil
		}
		if err != nil {
			return s, sc.taskError(err, t)
		}
		return s, nil
	}
	mr, err := mod.Run(ctx, env)
	if err != nil {
		if connection.IsUnreachable(err) {
			return unreachableResult(err), nil
		}
		return failResult(err.Error()), nil
	}
	res = moduleResult(mr)
	if !mr.Failed && !mr.Skipped {
		// A module's ansible_facts join the host's facts, as Ansible
		// merges them (service_facts, package_facts).
		if f, ok := get(res, "ansible_facts").(*value.Map); ok && f.Len() > 0 {
			h.addFacts(f)
		}
	}
	return res, toCBDiffs(mr.Diff)
}

func toCBDiffs(ds []modules.Diff) []callback.Diff {
	if len(ds) == 0 {
		return nil
	}
	out := make([]callback.Diff, len(ds))
	for i, d := range ds {
		out[i] = callback.Diff{BeforeHeader: d.BeforeHeader, AfterHeader: d.AfterHeader, Before: d.Before, After: d.After, Prepared: d.Prepared}
	}
	return out
}

func moduleResult(mr *modules.Result) *value.Map {
	m := value.NewMap(8)
	if mr.Data != nil {
		// What a module returns came from the host: registered, it is
		// never templated again.
		mr.Data.Range(func(k string, v any) bool { m.Set(k, value.MarkUnsafe(v)); return true })
	}
	if len(mr.Diff) > 0 {
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
		m.Set("diff", ds)
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

// dropOmit removes arguments whose value is the omit placeholder.
func (r *run) dropOmit(args *value.Map) *value.Map {
	var drop []string
	args.Range(func(k string, v any) bool {
		if s, ok := v.(string); ok && s == r.omit {
			drop = append(drop, k)
		}
		return true
	})
	if len(drop) == 0 {
		return args
	}
	out := args.Clone()
	for _, k := range drop {
		out.Delete(k)
	}
	return out
}

func (tc *taskCtx) become() (*connection.Become, error) {
	sc := tc.sc
	on := tc.ex.r.o.Become
	if v := tc.kw(func(k Keywords) any { return k.Become }); v != nil {
		b, err := sc.renderBool(v, false)
		if err != nil {
			return nil, err
		}
		on = b
	} else if v, ok := sc.Lookup("ansible_become"); ok {
		on = value.Bool(v)
	}
	if !on {
		return nil, nil
	}
	b := &connection.Become{Method: "sudo", User: "root"}
	if u := tc.ex.r.o.BecomeUser; u != "" {
		b.User = u
	}
	if m := tc.ex.r.o.BecomeMethod; m != "" {
		b.Method = m
	}
	str := func(kwv func(Keywords) any, varName string, dst *string) error {
		if v := tc.kw(kwv); v != nil {
			s, err := sc.renderString(v)
			if err != nil {
				return err
			}
			*dst = s
		} else if v, ok := sc.Lookup(varName); ok && v != nil {
			*dst = value.String(v)
		}
		return nil
	}
	if err := str(func(k Keywords) any { return k.BecomeUser }, "ansible_become_user", &b.User); err != nil {
		return nil, err
	}
	if err := str(func(k Keywords) any { return k.BecomeMethod }, "ansible_become_method", &b.Method); err != nil {
		return nil, err
	}
	if err := str(func(k Keywords) any { return k.BecomeFlags }, "ansible_become_flags", &b.Flags); err != nil {
		return nil, err
	}
	if err := str(func(k Keywords) any { return k.BecomeExe }, "ansible_become_exe", &b.Exe); err != nil {
		return nil, err
	}
	b.Password = tc.ex.r.o.BecomePass
	for _, n := range []string{"ansible_become_password", "ansible_become_pass", "ansible_sudo_pass"} {
		if v, ok := sc.Lookup(n); ok && v != nil {
			b.Password = value.String(v)
			break
		}
	}
	return b, nil
}

// environment merges `environment:` from the play down to the task.
func (tc *taskCtx) environment() (map[string]string, error) {
	var envs []any
	for i := len(tc.kws) - 1; i >= 0; i-- {
		envs = append(envs, tc.kws[i].Environment...)
	}
	if len(envs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, e := range envs {
		v, err := tc.sc.render(e)
		if err != nil {
			return nil, err
		}
		m, ok := v.(*value.Map)
		if !ok {
			if v == nil {
				continue
			}
			return nil, fmt.Errorf("environment must be a dictionary, got %s", value.Repr(v))
		}
		m.Range(func(k string, v any) bool { out[k] = value.String(v); return true })
	}
	return out, nil
}

// findFile resolves a controller path for copy/template src, include_vars
// and lookups: role dir, then the task file's dir, then the playbook dir.
func (tc *taskCtx) findFile(kind, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	for _, d := range tc.searchDirs(kind) {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("Could not find or access '%s'\nSearched in:\n\t%s", name,
		strings.Join(tc.searchDirs(kind), "\n\t"))
}

func (tc *taskCtx) searchDirs(kind string) []string {
	return searchDirs(tc.t, tc.ex.r.pbDir, kind)
}

func searchDirs(t *Task, pbDir, kind string) []string {
	var dirs []string
	for ri := t.Role; ri != nil; ri = ri.Parent {
		dirs = append(dirs, filepath.Join(ri.Role.Path, kind), ri.Role.Path)
		break
	}
	taskDir := filepath.Dir(t.Pos.File)
	dirs = append(dirs, filepath.Join(taskDir, kind), taskDir)
	if t.play != nil && t.play.Dir != taskDir {
		dirs = append(dirs, filepath.Join(t.play.Dir, kind), t.play.Dir)
	}
	if pbDir != taskDir {
		dirs = append(dirs, filepath.Join(pbDir, kind), pbDir)
	}
	return uniq(dirs)
}

// ansibleManaged is the ansible_managed string templates may print.
func (r *run) ansibleManaged() string {
	if r.o.ManagedStr != "" {
		return r.o.ManagedStr
	}
	return "Ansible managed"
}

// reachedStart implements --start-at-task: tasks before the first whose
// name (or "role : name") matches are skipped silently.
func (r *run) reachedStart(t *Task) bool {
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
		names = append(names, t.Role.Role.Name+" : "+t.Name)
	}
	for _, n := range names {
		if ok, _ := filepath.Match(r.o.StartAtTask, n); ok || n == r.o.StartAtTask {
			r.started = true
			return true
		}
	}
	return false
}

// applyModuleDefaults fills parameters the task does not set from
// module_defaults. As in Ansible, the play's, blocks' and task's
// module_defaults are merged per module, the innermost entry for a module
// replacing outer ones whole; entries naming other modules, or action
// groups (group/...), to which no builtin module belongs, do not apply.
func (tc *taskCtx) applyModuleDefaults(info *modules.Info, args *value.Map) error {
	var params *value.Map
	for i := len(tc.kws) - 1; i >= 0; i-- {
		for _, d := range tc.kws[i].ModuleDefaults {
			dm, ok := d.(*value.Map)
			if !ok {
				return fmt.Errorf("module_defaults must be a dictionary or a list of dictionaries")
			}
			for _, mod := range dm.Keys() {
				if mi, ok := modules.Lookup(mod); !ok || mi != info {
					continue
				}
				mv, _ := dm.Get(mod)
				rv, err := tc.sc.render(mv)
				if err != nil {
					return fmt.Errorf("module_defaults for %s: %w", mod, err)
				}
				if params, ok = rv.(*value.Map); !ok && rv != nil {
					return fmt.Errorf("module_defaults for %s must be a dictionary", mod)
				}
			}
		}
	}
	if params == nil {
		return nil
	}
	set := map[string]bool{}
	for _, k := range args.Keys() {
		name, _ := modules.ArgName(info, k)
		set[name] = true
	}
	for _, p := range params.Keys() {
		if name, _ := modules.ArgName(info, p); !set[name] {
			set[name] = true
			v, _ := params.Get(p)
			args.Set(p, v)
		}
	}
	return nil
}
