package playbook

import (
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// What Load checks once the model is whole, before any host is touched:
// conditions parse, and module arguments that hold no template decode and
// validate as the module will take them.

// check checks play p; parse parses one condition (nil: conditions are
// not checked).
func (p *Play) check(parse func(expr any) error) error {
	if err := checkConds(p.Kw.When, "", parse); err != nil {
		return err
	}
	for _, ri := range p.Roles {
		if err := checkConds(ri.Kw.When, "", parse); err != nil {
			return err
		}
	}
	for _, ns := range [][]Node{p.PreTasks, p.Tasks, p.PostTasks, p.Handlers} {
		if err := checkNodes(ns, p, parse); err != nil {
			return err
		}
	}
	return nil
}

// checkNodes checks tasks and blocks of play p.
func checkNodes(ns []Node, p *Play, parse func(expr any) error) error {
	for _, n := range ns {
		switch n := n.(type) {
		case *Task:
			for _, conds := range [][]any{n.Kw.When, n.ChangedWhen, n.FailedWhen, n.Until} {
				if err := checkConds(conds, n.Label(), parse); err != nil {
					return err
				}
			}
			if err := n.checkArgs(p); err != nil {
				return err
			}
		case *Block:
			if err := checkConds(n.Kw.When, n.Name, parse); err != nil {
				return err
			}
			for _, ns := range [][]Node{n.Block, n.Rescue, n.Always} {
				if err := checkNodes(ns, p, parse); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkConds parses placed conditions: a syntax error does not depend on
// variables, so it is a load error, not a failure of each host that
// reaches the task (ansible's; a deliberate difference). Conditions of
// tasks that dynamic includes bring in are checked as they run, per host.
func checkConds(conds []any, task string, parse func(expr any) error) error {
	if parse == nil {
		return nil
	}
	for _, c := range conds {
		expr, at := Unplace(c)
		if at == nil {
			continue
		}
		if err := parse(expr); err != nil {
			return &Error{Pos: at.pos, Task: task, Err: at.Fail(err)}
		}
	}
	return nil
}

// checkArgs checks a module task's arguments with what the play adds to
// them. Unless module_defaults may add to them, required arguments must be
// there; and arguments that hold nothing to render are what the module
// gets on every host, so they are decoded and validated now:
// `lineinfile: {regexp: 'a(b'}` fails here, at the task, instead of on
// each host.
func (t *Task) checkArgs(p *Play) error {
	info, ok := t.ModuleInfo()
	if !ok || t.Args == nil || info.Engine {
		// an engine action's names were checked as it loaded; its values
		// are the engine's to read
		return nil
	}
	if _, splat := t.Args.Get(VariableParams); splat {
		return nil // names known only as the task runs
	}
	for _, kw := range t.KeywordChain(p) {
		if len(kw.ModuleDefaults) > 0 {
			return nil
		}
	}
	err := modules.CheckArgs(info, argKeys(t, info))
	if err == nil && literal(t.Args) {
		args := t.Args
		if raw, ok := args.Get("_raw_params"); ok && info.FreeForm != "" && info.FreeForm != "_raw_params" {
			// as the engine hands a free-form string to the module
			args = args.Clone()
			args.Delete("_raw_params")
			args.Set(info.FreeForm, raw)
		}
		err = modules.Check(info, args)
	}
	if err != nil {
		return &Error{Pos: t.Pos, Task: t.Label(), Err: err}
	}
	return nil
}

// literal says whether v holds no template and nothing else the engine
// resolves per host (an inline vault value): then it is the same on every
// host and can be checked at load.
func literal(v any) bool {
	switch v := v.(type) {
	case string:
		return !templates.IsTemplate(v)
	case *value.Map:
		ok := true
		v.Range(func(_ string, e any) bool { ok = literal(e); return ok })
		return ok
	case []any:
		for _, e := range v {
			if !literal(e) {
				return false
			}
		}
		return true
	case nil, bool, int, int64, uint64, float64:
		return true
	}
	return false
}
