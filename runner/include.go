package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// includeInst is one dynamic include for some hosts: the same file (or
// role) with the same params runs once for all of them, as Ansible groups
// them.
type includeInst struct {
	key    string
	path   string
	role   *playbook.RoleInstance
	params *value.Map
	hosts  hostSet
	blk    *playbook.Block
	// label is the loop item (or loop_control.label) of a looped include,
	// shown as "included: ... => (item=label)".
	label string
}

// runInclude evaluates include_tasks/include_role per host and runs what
// each host included.
func (ex *executor) runInclude(ctx context.Context, t *playbook.Task, hosts hostSet) map[*hostState]bool {
	r := ex.r
	ir := &includeRun{ex: ex, t: t, byKey: map[string]*includeInst{}, failed: map[*hostState]bool{}}
	for _, h := range hosts {
		ir.host(h)
	}
	// Ansible shows an include's banner when the task starts, also when
	// no host skips or fails it and only "included:" follows.
	if len(hosts) > 0 {
		ir.banner(hosts[0])
	}
	for _, h := range hosts {
		if ir.failed[h] {
			h.mu.Lock()
			h.failed = true
			h.mu.Unlock()
			r.anyFailedHost(h)
		}
	}
	ir.report()
	for _, inst := range ir.insts {
		if inst.blk == nil {
			continue
		}
		live := hostSet{}
		for _, h := range inst.hosts {
			if !ir.failed[h] {
				live = append(live, h)
			}
		}
		if inst.role != nil && inst.role.Public {
			ex.pr.exposeRole(inst.role)
		}
		// the role's handlers join the play as it is included, so its
		// tasks notify them (ansible's IncludeRole.get_block_list)
		if inst.role != nil && len(inst.role.Handlers) > 0 {
			ex.pr.addHandlers(inst.role)
		}
		f := ex.runList(ctx, []playbook.Node{inst.blk}, live, nil)
		for h := range f {
			ir.failed[h] = true
		}
	}
	return ir.failed
}

// includeRun is one include task over its hosts: what each host
// included, grouped by file and params (insts), and the hosts that failed.
type includeRun struct {
	ex          *executor
	t           *playbook.Task
	insts       []*includeInst
	byKey       map[string]*includeInst
	failed      map[*hostState]bool
	bannerShown bool
	// pending are the hosts' start and include results, held until the
	// banner shows (it waits for the first host that skips or fails)
	pending []func()
}

// emit reports f now, or once the banner has shown.
func (ir *includeRun) emit(f func()) {
	if ir.bannerShown {
		f()
	} else {
		ir.pending = append(ir.pending, f)
	}
}

// includedItem reports one loop item's include result on h.
func (ir *includeRun) includedItem(h *hostState, res *value.Map) {
	ex, t, r := ir.ex, ir.t, ir.ex.r
	ct := ex.cbTask(t, t.Name)
	ct.Include = true
	hr := &callback.HostResult{Host: h.name, Task: ct, Status: callback.OK, IsItem: true, Result: res}
	ir.emit(func() {
		r.outMu.Lock()
		r.counter.Add(hr)
		r.sink.HostResult(hr)
		r.outMu.Unlock()
	})
}

// included reports the include's own result on h: the default callback
// prints nothing for it (Task.Include), others do, as ansible's.
func (ir *includeRun) included(h *hostState, res *value.Map, loop bool) {
	ex, t, r := ir.ex, ir.t, ir.ex.r
	ct := ex.cbTask(t, t.Name)
	ct.Include = true
	hr := &callback.HostResult{Host: h.name, Task: ct, Status: callback.OK, Loop: loop, Result: res}
	ir.emit(func() {
		r.outMu.Lock()
		r.counter.Add(hr)
		r.sink.HostResult(hr)
		r.outMu.Unlock()
	})
}

// host evaluates the include on h, for each of its loop items, and
// registers what it did as ansible's include results.
func (ir *includeRun) host(h *hostState) {
	ex, t, r := ir.ex, ir.t, ir.ex.r
	ir.emit(func() { ex.hostStart(t, h) })
	sc := r.newScope(ex.pr, h, t, nil)
	tc := ex.newTaskCtx(t, h, sc)
	items := []any{nil}
	if t.HasLoop {
		var err error
		if items, err = tc.loopItems(); err != nil {
			// the condition comes first: a skipped include's loop is
			// never evaluated, as ansible's saved loop error.
			if ok, cerr := sc.cond(whens(t)); cerr == nil && !ok {
				ir.skip(h, nil)
				ir.register(h, skipResult())
				return
			}
			ir.fail(h, tc, sc.explain(err, t))
			return
		}
	}
	lc := tc.loopControl()
	results := make([]any, 0, len(items))
	allSkipped := true
	for i, item := range items {
		var lv *value.Map
		if t.HasLoop {
			// an included file sees the loop and index vars and
			// ansible_loop, as ansible's IncludedFile passes them
			lv = lc.vars(items, i)
			lv.Delete("ansible_loop_var")
			lv.Delete("ansible_index_var")
		}
		res, ok := ir.item(h, tc, lv, item)
		if res == nil {
			return
		}
		if !t.HasLoop {
			if !ok {
				ir.skip(h, nil)
			} else {
				ir.included(h, res, false)
			}
			ir.register(h, res)
			return
		}
		lc.mark(res, lv, item, i)
		if ok {
			allSkipped = false
			res.Delete("changed") // an included item's result has none
			ir.includedItem(h, res)
		} else {
			ir.skip(h, res)
		}
		results = append(results, res)
	}
	res := loopResult(results, len(items), false, false, allSkipped)
	if !allSkipped {
		res.Set("skipped", false)
		ir.included(h, res, true)
	} else {
		hr := &callback.HostResult{Host: h.name, Task: ex.cbTask(t, t.Name), Status: callback.Skipped, Loop: true, Result: res}
		r.outMu.Lock()
		r.counter.Add(hr)
		r.sink.HostResult(hr)
		r.outMu.Unlock()
	}
	ir.register(h, res)
}

// item evaluates the include on h for one loop item (lv its loop vars,
// nil without a loop, item the item): its result, and whether it included anything.
// A nil result means the include failed on h.
func (ir *includeRun) item(h *hostState, tc *taskCtx, lv *value.Map, item any) (*value.Map, bool) {
	ex, t, r := ir.ex, ir.t, ir.ex.r
	isc := r.newScope(ex.pr, h, t, lv)
	ok, err := isc.cond(whens(t))
	if err != nil {
		ir.fail(h, tc, isc.explain(err, t))
		return nil, false
	}
	if !ok {
		return skipResult(), false
	}
	args, err := isc.render(t.Args)
	if err != nil {
		ir.fail(h, tc, isc.explain(err, t))
		return nil, false
	}
	am, _ := args.(*value.Map)
	if am != nil {
		am = r.dropOmit(am)
	}
	inst, err := ex.makeInclude(t, am, isc, lv)
	if err != nil {
		ir.fail(h, tc, err.Error())
		return nil, false
	}
	if lv != nil {
		inst.label = itemLabel(isc, t, item)
	}
	if prev, ok := ir.byKey[inst.key]; ok {
		prev.hosts = append(prev.hosts, h)
	} else {
		inst.hosts = hostSet{h}
		ir.byKey[inst.key] = inst
		ir.insts = append(ir.insts, inst)
	}
	return includeResult(t, am), true
}

// includeResult is what an include registers: the file it named and its
// other arguments (an include_role's are all its arguments).
func includeResult(t *playbook.Task, args *value.Map) *value.Map {
	res := value.NewMap(3)
	res.Set("changed", false)
	rest := value.NewMap(0)
	if args != nil {
		rest = args.Clone()
	}
	if t.Action != "include_role" {
		if v, ok := rest.Get("_raw_params"); ok {
			res.Set("include", v)
			rest.Delete("_raw_params")
		} else if v, ok := rest.Get("file"); ok {
			res.Set("include", v)
			rest.Delete("file")
		}
	}
	res.Set("include_args", rest)
	return res
}

// register sets the include's register on h.
func (ir *includeRun) register(h *hostState, res *value.Map) {
	if ir.t.Register != "" {
		h.setFact(ir.t.Register, res)
	}
}

// skip reports the include skipped on h; item is a loop item's result
// (nil without a loop), shown as the item's skip.
func (ir *includeRun) skip(h *hostState, item *value.Map) {
	ex, t, r := ir.ex, ir.t, ir.ex.r
	ir.banner(h)
	hr := &callback.HostResult{Host: h.name, Task: ex.cbTask(t, t.Name), Status: callback.Skipped, Result: skipResult()}
	if item != nil {
		v, _ := item.Get(ir.loopVar(item))
		hr.IsItem, hr.Label, hr.Result = true, labelString(v), item
		if t.LoopControl != nil {
			if _, ok := t.LoopControl.Get("label"); ok {
				hr.Label = itemLabel(r.newScope(ex.pr, h, t, item), t, v)
			}
		}
	}
	r.outMu.Lock()
	r.counter.Add(hr)
	r.sink.HostResult(hr)
	r.outMu.Unlock()
}

// loopVar is the loop variable an item's result names.
func (ir *includeRun) loopVar(item *value.Map) string {
	if v, ok := item.Get("ansible_loop_var"); ok {
		return value.String(v)
	}
	return "item"
}

func (ir *includeRun) banner(h *hostState) {
	if !ir.bannerShown {
		ir.ex.banner(ir.t, h)
		ir.bannerShown = true
		for _, f := range ir.pending {
			f()
		}
		ir.pending = nil
	}
}

// fail reports the include failed on h, registers the failure, and
// fails the host unless the include ignores errors.
func (ir *includeRun) fail(h *hostState, tc *taskCtx, msg string) {
	kw := tc.taskKeywords()
	res := failResult(msg)
	res.Delete("changed")
	ir.register(h, res)
	ir.banner(h)
	ir.ex.hostFail(ir.t, h, res, kw.ignoreErrors, &ir.bannerShown)
	if !kw.ignoreErrors {
		ir.failed[h] = true
	}
}

// report shows every included file, before any runs, as Ansible does; it
// reports included files, not included roles.
func (ir *includeRun) report() {
	r := ir.ex.r
	for _, inst := range ir.insts {
		if inst.role != nil || inst.blk == nil {
			continue
		}
		names := make([]string, len(inst.hosts))
		for i, h := range inst.hosts {
			names[i] = h.name
		}
		shown, label := inst.path, inst.label
		if label == "" {
			r.emit(func(s callback.Sink) { s.Included(shown, names) })
		} else {
			r.emit(func(s callback.Sink) { s.IncludedItem(shown, names, label) })
		}
		// an included file counts as ok for each host, as Ansible's stats do.
		r.outMu.Lock()
		r.counter.Included(names)
		r.outMu.Unlock()
	}
}

func (ex *executor) hostFail(t *playbook.Task, h *hostState, res *value.Map, ignored bool, bannerShown *bool) {
	if !*bannerShown {
		ex.banner(t, h)
		*bannerShown = true
	}
	hr := &callback.HostResult{Host: h.name, Task: ex.cbTask(t, t.Name), Status: callback.Failed, Ignored: ignored, Result: res}
	ex.r.outMu.Lock()
	ex.r.counter.Add(hr)
	ex.r.sink.HostResult(hr)
	ex.r.outMu.Unlock()
}

// makeInclude loads the included file or role (cached by the loader) and
// wraps it in a block carrying the include's params.
func (ex *executor) makeInclude(t *playbook.Task, args *value.Map, sc *scope, loopVars *value.Map) (*includeInst, error) {
	r := ex.r
	l := ex.pr.loader(r)
	params := value.NewMap(4)
	if t.Kw.Vars != nil {
		t.Kw.Vars.Range(func(k string, v any) bool { params.Set(k, v); return true })
	}
	if loopVars != nil {
		loopVars.Range(func(k string, v any) bool { params.Set(k, v); return true })
	}
	pj, _ := params.MarshalJSON()
	if t.Action == "include" {
		// ansible-core 2.14 says it again as a dynamic include runs
		r.deprecated(`"include" is deprecated, use include_tasks/import_tasks/import_playbook instead`, "2.16")
	}
	if t.Action == "include_tasks" || t.Action == "include" {
		name := ""
		if v, ok := args.Get("_raw_params"); ok {
			name = value.String(v)
		} else if v, ok := args.Get("file"); ok {
			name = value.String(v)
		}
		if name == "" {
			return nil, fmt.Errorf("%s: include_tasks needs a file name", t.Pos)
		}
		apply, _ := args.Get("apply")
		applyMap, _ := apply.(*value.Map)
		path, blk, err := l.IncludeTasks(t, name, params, applyMap, ex.pr.play)
		if err != nil {
			return nil, err
		}
		aj, _ := json.Marshal(apply)
		key := path + "\x00" + string(pj) + "\x00" + string(aj)
		return &includeInst{key: key, path: path, params: params, blk: blk}, nil
	}
	// include_role
	base := r.pbDir
	if t.Role != nil {
		base = filepath.Dir(t.Role.Role.Path)
	}
	ri, blk, err := l.IncludeRole(t, args, base, params, ex.pr.play)
	if err != nil {
		return nil, err
	}
	// hosts whose apply renders differently include the role apart
	apply, _ := args.Get("apply")
	aj, _ := json.Marshal(apply)
	key := ri.Role.Path + "\x00" + string(pj) + fmt.Sprint(ri.From) + "\x00" + string(aj)
	return &includeInst{key: key, role: ri, params: params, blk: blk}, nil
}

func (pr *playRun) loader(r *run) *playbook.Loader {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.ldr == nil {
		pr.ldr = playbook.NewIncludeLoader(r.loadOptions(), pr.play.Collections)
	}
	return pr.ldr
}

func (pr *playRun) addHandlers(ri *playbook.RoleInstance) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for _, h := range pr.extraHandlers {
		if h == ri {
			return
		}
	}
	pr.extraHandlers = append(pr.extraHandlers, ri)
	playbook.SetPlay(pr.play, ri.Handlers)
}

// itemLabel is what Ansible shows for a looped include's item: the
// rendered loop_control.label, else the item.
func itemLabel(sc *scope, t *playbook.Task, item any) string {
	if t.LoopControl != nil {
		if l, ok := t.LoopControl.Get("label"); ok {
			if v, err := sc.render(l); err == nil {
				return value.String(v)
			}
		}
	}
	return value.String(item)
}
