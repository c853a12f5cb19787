package runner

import (
	"context"
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
	var insts []*includeInst
	byKey := map[string]*includeInst{}
	failed := map[*hostState]bool{}
	bannerShown := false
	for _, h := range hosts {
		sc := r.newScope(ex.pr, h, t, nil)
		tc := &taskCtx{ex: ex, t: t, h: h, sc: sc, kws: t.KeywordChain(ex.pr.play)}
		var items []any
		hasItems := t.HasLoop
		if hasItems {
			var err error
			items, err = tc.loopItems()
			if err != nil {
				ex.hostFail(t, h, sc.explain(err, t), &bannerShown)
				failed[h] = true
				continue
			}
		} else {
			items = []any{nil}
		}
		loopVar := "item"
		if t.LoopControl != nil {
			if v, ok := t.LoopControl.Get("loop_var"); ok {
				loopVar = value.String(v)
			}
		}
		for i, item := range items {
			var lv *value.Map
			if hasItems {
				lv = value.NewMap(2)
				lv.Set(loopVar, item)
				if t.LoopControl != nil {
					if iv, ok := t.LoopControl.Get("index_var"); ok {
						lv.Set(value.String(iv), i)
					}
				}
			}
			isc := r.newScope(ex.pr, h, t, lv)
			ok, err := isc.cond(whens(t))
			if err != nil {
				ex.hostFail(t, h, isc.explain(err, t), &bannerShown)
				failed[h] = true
				break
			}
			if !ok {
				if !bannerShown {
					ex.banner(t, h)
					bannerShown = true
				}
				hr := &callback.HostResult{Host: h.name, Task: ex.cbTask(t, t.Name), Status: callback.Skipped, Result: skipResult()}
				r.outMu.Lock()
				r.counter.Add(hr)
				r.sink.HostResult(hr)
				r.outMu.Unlock()
				continue
			}
			args, err := isc.render(t.Args)
			if err != nil {
				ex.hostFail(t, h, isc.explain(err, t), &bannerShown)
				failed[h] = true
				break
			}
			am, _ := args.(*value.Map)
			inst, err := ex.makeInclude(t, am, isc, lv)
			if err != nil {
				ex.hostFail(t, h, err.Error(), &bannerShown)
				failed[h] = true
				break
			}
			if hasItems {
				inst.label = itemLabel(isc, t, item)
			}
			if prev, ok := byKey[inst.key]; ok {
				prev.hosts = append(prev.hosts, h)
			} else {
				inst.hosts = hostSet{h}
				byKey[inst.key] = inst
				insts = append(insts, inst)
			}
		}
	}
	// Ansible shows an include's banner when the task starts, also when
	// no host skips or fails it and only "included:" follows.
	if !bannerShown && len(hosts) > 0 {
		ex.banner(t, hosts[0])
	}
	for _, h := range hosts {
		if failed[h] {
			h.failed = true
			r.anyFailedHost(h)
		}
	}
	// Ansible reports every included file, then runs them in turn; it
	// reports included files, not included roles.
	for _, inst := range insts {
		if inst.role != nil {
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
	for _, inst := range insts {
		live := hostSet{}
		for _, h := range inst.hosts {
			if !failed[h] {
				live = append(live, h)
			}
		}
		f := ex.runList(ctx, []playbook.Node{inst.blk}, live, nil)
		for h := range f {
			failed[h] = true
		}
		if inst.role != nil && len(inst.role.Handlers) > 0 {
			ex.pr.addHandlers(inst.role)
		}
	}
	return failed
}

func (ex *executor) hostFail(t *playbook.Task, h *hostState, msg string, bannerShown *bool) {
	if !*bannerShown {
		ex.banner(t, h)
		*bannerShown = true
	}
	hr := &callback.HostResult{Host: h.name, Task: ex.cbTask(t, t.Name), Status: callback.Failed, Result: failResult(msg)}
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
	if t.Action == "include_tasks" {
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
		key := path + "\x00" + string(pj)
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
	return &includeInst{key: ri.Role.Path + "\x00" + string(pj) + fmt.Sprint(ri.From), role: ri, params: params, blk: blk}, nil
}

func (pr *playRun) loader(r *run) *playbook.Loader {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.ldr == nil {
		pr.ldr = playbook.NewLoader(r.loadOptions(), pr.play.Collections)
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
