package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// Running a task's action: arguments templated, become, environment,
// module defaults, files found on the controller.

// execute templates the arguments and runs the action.
func (tc *taskCtx) execute(ctx context.Context, delegate string) (res *value.Map, diffs []modules.Diff) {
	t := tc.t
	defer func() {
		if p := recover(); p != nil {
			res = failResult(fmt.Sprintf("internal error in %s: %v", t.Action, p))
		}
	}()
	if a := engineAction(t.Action); a != nil {
		dtc, err := tc.withModuleDefaults()
		if err != nil {
			return failResult(tc.sc.explain(err, t)), nil
		}
		return actionResult(t.Action, a(ctx, dtc)), nil
	}
	info, _ := t.ModuleInfo()
	if tc.ex.r.o.Verbosity >= 3 && info.External == "" {
		// (a module run from its own code says how it runs)
		tc.ex.r.sink.Verbose(3, implementation(info))
	}
	mod, err := tc.module(info)
	if err != nil {
		return failResult(err.Error()), nil
	}
	if tc.check && !info.CheckMode {
		m := value.NewMap(3)
		m.Set("changed", false)
		m.Set("msg", fmt.Sprintf("remote module (%s) does not support check mode", t.Action))
		m.Set("skipped", true)
		if raw, ok := mod.(interface{ CommandLine() string }); ok {
			// raw: what the real run would send (the dry run's summary)
			m.Set("would_run", value.MapOf("cmd", raw.CommandLine()))
		}
		return m, nil
	}
	conn, err := tc.ex.r.connFor(ctx, tc, delegate)
	if err != nil {
		return errorResult(err), nil
	}
	env, err := tc.moduleEnv(info, conn)
	if err != nil {
		return failResult(err.Error()), nil
	}
	tc.ex.r.simulate(env, delegate)
	py, pyWarnings, discovered := tc.discoverPython(ctx, info, env, delegate)
	mr, err := modules.Execute(ctx, env, mod)
	if err != nil {
		return errorResult(err), nil
	}
	res = moduleResult(mr)
	if discovered {
		withDiscovered(res, py, pyWarnings)
	}
	if !mr.Failed && !mr.Skipped {
		// A module's ansible_facts join the host's facts, as Ansible
		// merges them (service_facts, package_facts).
		if f, ok := get(res, "ansible_facts").(*value.Map); ok && f.Len() > 0 {
			if fh := tc.factsHost(delegate); fh != nil {
				fh.addFacts(f, true)
			}
		}
	}
	return res, mr.Diff
}

// factsHost is the host a module's facts belong to: the task's, or under
// delegate_to with delegate_facts the delegated one (none when that host
// is not in the inventory: ansible keeps its facts where no play sees
// them).
func (tc *taskCtx) factsHost(delegate string) *hostState {
	if !tc.delegateFacts || delegate == "" || delegate == tc.h.name {
		return tc.h
	}
	return tc.ex.r.hostState(delegate)
}

// module renders the task's arguments, fills them from module_defaults,
// and decodes them into the module.
func (tc *taskCtx) module(info *modules.Info) (modules.Module, error) {
	t, sc := tc.t, tc.sc
	argsV, err := sc.render(t.Args)
	if err != nil {
		return nil, errors.New(sc.explain(err, t))
	}
	args, _ := argsV.(*value.Map)
	if args == nil {
		args = value.NewMap(0)
	} else {
		// Arguments without a template render to the task's own map,
		// which every host shares: module_defaults and the free-form
		// rename below write into a copy.
		args = args.Clone()
	}
	if args, err = tc.splatArgs(args); err != nil {
		return nil, errors.New(sc.explain(err, t))
	}
	if err := tc.applyModuleDefaults(info, args); err != nil {
		return nil, errors.New(sc.explain(err, t))
	}
	if err := tc.asyncStatusArgs(info, args); err != nil {
		return nil, errors.New(sc.explain(err, t))
	}
	args = tc.ex.r.dropOmit(args)
	if info.FreeForm != "" && info.FreeForm != "_raw_params" {
		if v, ok := args.Get("_raw_params"); ok {
			args.Delete("_raw_params")
			args.Set(info.FreeForm, v)
		}
	}
	return modules.DecodeAs(info, t.Written, value.StripUnsafe(args).(*value.Map))
}

// splatArgs applies ansible's args splat: a task whose arguments were
// one template (`file: "{{ item }}"`, `args: "{{ opts }}"`) gets the
// mapping it rendered to, updated with the task's other arguments, and
// ansible's warning.
func (tc *taskCtx) splatArgs(args *value.Map) (*value.Map, error) {
	vp, ok := args.Get(playbook.VariableParams)
	if !ok {
		return args, nil
	}
	m, ok := vp.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("invalid or malformed argument: '%s'", value.String(vp))
	}
	tc.ex.r.warn("Using a variable for a task's 'args' is unsafe in some situations " +
		"(see https://docs.ansible.com/ansible/devel/reference_appendices/faq.html#argsplat-unsafe)")
	out := m.Clone()
	args.Range(func(k string, v any) bool {
		if k != playbook.VariableParams {
			out.Set(k, v)
		}
		return true
	})
	return out, nil
}

// moduleEnv is what the module may use on its host: the connection, the
// run's mode, become and environment, and the engine's helpers (files,
// templates, vault).
func (tc *taskCtx) moduleEnv(info *modules.Info, conn connection.Conn) (*modules.Env, error) {
	t, sc := tc.t, tc.sc
	var err error
	env := &modules.Env{Host: tc.h.name, Conn: conn, Check: tc.check, Diff: tc.diff, Log: tc.ex.r.log}
	if v := tc.ex.r.o.Vault; v != nil {
		env.Decrypt = v.Decrypt
	}
	env.Become, err = tc.become()
	if err != nil {
		return nil, errors.New(sc.explain(err, t))
	}
	env.Environment, err = tc.environment()
	if err != nil {
		return nil, errors.New(sc.explain(err, t))
	}
	if info.Cluster {
		tc.clusterEnv(env)
	}
	if info.External != "" {
		tc.externalEnv(env)
	}
	env.FindFile = func(kind, name string) (string, error) { return tc.findFile(kind, name) }
	env.Basedir = tc.ex.r.pbDir
	if t.Play != nil && t.Play.Dir != "" {
		env.Basedir = t.Play.Dir
	}
	env.Template = func(src string, extra map[string]any) (string, error) {
		o := templates.DefaultTextOptions()
		o.Extra = map[string]any{"ansible_managed": tc.ex.r.ansibleManaged()}
		for k, v := range extra {
			o.Extra[k] = v
		}
		return tc.ex.r.eng.RenderText(src, sc, o)
	}
	env.RenderTemplate = func(src string, to modules.TemplateOptions) (string, error) {
		o := templates.DefaultTextOptions()
		o.TrimBlocks, o.LstripBlocks, o.Name = to.TrimBlocks, to.LstripBlocks, to.Path
		o.VariableStart, o.VariableEnd = to.VariableStart, to.VariableEnd
		o.BlockStart, o.BlockEnd = to.BlockStart, to.BlockEnd
		o.CommentStart, o.CommentEnd = to.CommentStart, to.CommentEnd
		o.Extra = map[string]any{"ansible_managed": tc.ex.r.ansibleManaged()}
		for k, v := range to.Extra {
			o.Extra[k] = v
		}
		s, err := tc.ex.r.eng.RenderText(src, sc, o)
		if err != nil {
			return s, sc.taskError(err, t)
		}
		return s, nil
	}
	return env, nil
}

// errorResult is the one place an action's error becomes its result: a
// host that could not be reached, wherever in the module the connection
// dropped, is UNREACHABLE with the connection's own message; a module's
// failure with return values is FAILED with them; any other error is
// FAILED with the error's text.
func errorResult(err error) *value.Map {
	var ue *connection.UnreachableError
	var fe *modules.FailError
	switch {
	case errors.As(err, &ue):
		return unreachableResult(ue)
	case errors.As(err, &fe):
		return moduleResult(fe.Result())
	}
	return failResult(err.Error())
}

// withModuleDefaults is tc with its task's arguments filled from
// module_defaults, for an engine action (debug, set_fact, ...): ansible
// applies module_defaults to every action, not only to modules.
func (tc *taskCtx) withModuleDefaults() (*taskCtx, error) {
	info, ok := modules.Lookup(tc.t.Action)
	if !ok || !tc.hasModuleDefaults() {
		return tc, nil
	}
	args := value.NewMap(0)
	if tc.t.Args != nil {
		args = tc.t.Args.Clone()
	}
	if err := tc.applyModuleDefaults(info, args); err != nil {
		return nil, err
	}
	t := *tc.t
	t.Args = args
	dtc := *tc
	dtc.t = &t
	return &dtc, nil
}

// hasModuleDefaults says the play, a block or the task sets module_defaults.
func (tc *taskCtx) hasModuleDefaults() bool {
	for _, k := range tc.kws {
		if len(k.ModuleDefaults) > 0 {
			return true
		}
	}
	return false
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
	if v := tc.kw(func(k playbook.Keywords) any { return k.Become }); v != nil {
		b, err := sc.renderBool(v, false)
		if err != nil {
			return nil, err
		}
		on = b
	} else if v, ok, err := sc.Lookup("ansible_become"); err != nil {
		return nil, err
	} else if ok {
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
	str := func(kwv func(playbook.Keywords) any, varName string, dst *string) error {
		if v := tc.kw(kwv); v != nil {
			s, err := sc.renderString(v)
			if err != nil {
				return err
			}
			*dst = s
		} else if v, ok, err := sc.Lookup(varName); err != nil {
			return err
		} else if ok && v != nil {
			*dst = value.String(v)
		}
		return nil
	}
	if err := str(func(k playbook.Keywords) any { return k.BecomeUser }, "ansible_become_user", &b.User); err != nil {
		return nil, err
	}
	if err := str(func(k playbook.Keywords) any { return k.BecomeMethod }, "ansible_become_method", &b.Method); err != nil {
		return nil, err
	}
	if err := str(func(k playbook.Keywords) any { return k.BecomeFlags }, "ansible_become_flags", &b.Flags); err != nil {
		return nil, err
	}
	if err := str(func(k playbook.Keywords) any { return k.BecomeExe }, "ansible_become_exe", &b.Exe); err != nil {
		return nil, err
	}
	b.Password = tc.ex.r.o.BecomePass
	for _, n := range []string{"ansible_become_password", "ansible_become_pass", "ansible_sudo_pass"} {
		v, ok, err := sc.Lookup(n)
		if err != nil {
			return nil, err
		}
		if ok && v != nil {
			b.Password = value.String(v)
			break
		}
	}
	return b, nil
}

// environment merges `environment:` from the play down to the task. As
// ansible's Task._post_validate_environment, a mapping's values are
// rendered one by one, and a value that needs ansible_env while it is
// undefined (before facts are gathered) is left out.
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
		if m, ok := e.(*value.Map); ok {
			if err := tc.envValues(m, out); err != nil {
				return nil, err
			}
			continue
		}
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

// envValues renders an environment mapping's values into out.
func (tc *taskCtx) envValues(m *value.Map, out map[string]string) error {
	for _, k := range m.Keys() {
		raw, _ := m.Get(k)
		v, err := tc.sc.render(raw)
		if err != nil {
			var ue *templates.UndefinedError
			if errors.As(err, &ue) && strings.Contains(err.Error(), "ansible_env") {
				continue
			}
			return err
		}
		out[k] = value.String(v)
	}
	return nil
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
	return tc.t.SearchDirs(tc.ex.r.pbDir, kind)
}

// ansibleManaged is the ansible_managed string templates may print.
func (r *run) ansibleManaged() string {
	if r.o.ManagedStr != "" {
		return r.o.ManagedStr
	}
	return "Ansible managed"
}

// applyModuleDefaults fills parameters the task does not set from
// module_defaults. As in Ansible, the play's, blocks' and task's
// module_defaults are merged per entry, the innermost entry replacing
// outer ones whole; the entries of the action groups the module belongs
// to apply first, then the module's own entry.
func (tc *taskCtx) applyModuleDefaults(info *modules.Info, args *value.Map) error {
	groups := value.NewMap(0)
	var own any
	for i := len(tc.kws) - 1; i >= 0; i-- {
		for _, d := range tc.kws[i].ModuleDefaults {
			dm, ok := d.(*value.Map)
			if !ok {
				return fmt.Errorf("module_defaults must be a dictionary or a list of dictionaries")
			}
			for _, mod := range dm.Keys() {
				mv, _ := dm.Get(mod)
				if g, ok := strings.CutPrefix(mod, "group/"); ok {
					fq := playbook.GroupFQ(g)
					if inGroup(tc.kws[i].ModuleDefaultGroups[fq], info) {
						groups.Set(fq, mv)
					}
				} else if defaultsFor(mod, info) {
					own = mv
				}
			}
		}
	}
	var vals []any
	for _, g := range groups.Keys() {
		v, _ := groups.Get(g)
		vals = append(vals, v)
	}
	var params *value.Map
	for _, v := range append(vals, own) {
		rv, err := tc.sc.render(v)
		if err != nil {
			return fmt.Errorf("module_defaults: %w", err)
		}
		rm, ok := rv.(*value.Map)
		if !ok && rv != nil {
			return fmt.Errorf("module_defaults must be a dictionary")
		}
		if rm != nil {
			if params == nil {
				params = value.NewMap(rm.Len())
			}
			rm.Range(func(k string, v any) bool { params.Set(k, v); return true })
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
