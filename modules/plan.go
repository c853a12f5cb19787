package modules

import "context"

// Planner is implemented by modules that read a host's state, plan the
// change and apply it apart. Execute calls them; their Run calls Execute.
type Planner interface {
	Module
	// Plan reads the host and says what Apply would change, changing
	// nothing.
	Plan(ctx context.Context, env *Env) (*Plan, error)
	// Apply makes the planned change. It is called only outside check
	// mode and only when the plan changes something; p.Result already
	// holds the planned result (Changed and, in diff mode, Diff set),
	// which Apply returns, amended, or replaces by a failure.
	Apply(ctx context.Context, env *Env, p *Plan) (*Result, error)
}

// Plan is what a Planner found and would change on one host.
type Plan struct {
	// Changed: applying the plan changes the host.
	Changed bool
	// Diff is the before/after of the change; Execute keeps it in diff
	// mode only.
	Diff []Diff
	// ReturnDiff: the module returns Diff whatever the mode and whether
	// or not it changes anything, as ansible's known_hosts does.
	ReturnDiff bool
	// Result is the task's result when nothing is applied: return
	// values and message. A plan may fail and still change something
	// (sysctl_iosched: one device missing, the others set); a failure to
	// read is a failed Result and Changed false.
	Result *Result
	// Detail is the module's own record of the change, for Apply.
	Detail any
}

// Execute runs a decoded module on env's host: a Planner's Plan, then,
// outside check mode and when the plan changes something, its Apply;
// any other module's Run.
func Execute(ctx context.Context, env *Env, m Module) (*Result, error) {
	if err := expandPaths(ctx, env, m); err != nil {
		return nil, err
	}
	pl, ok := m.(Planner)
	if !ok {
		return m.Run(ctx, env)
	}
	p, err := pl.Plan(ctx, env)
	if err != nil {
		return nil, err
	}
	if p.Result == nil {
		p.Result = &Result{}
	}
	r := p.Result
	r.Changed = p.Changed
	if p.ReturnDiff || env.Diff && p.Changed {
		r.Diff = p.Diff
	}
	if env.Check || !p.Changed {
		return r, nil
	}
	return pl.Apply(ctx, env, p)
}
