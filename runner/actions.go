package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

type actionFunc func(ctx context.Context, tc *taskCtx) *value.Map

func engineAction(name string) actionFunc {
	switch name {
	case "debug":
		return actDebug
	case "set_fact":
		return actSetFact
	case "assert":
		return actAssert
	case "fail":
		return actFail
	case "pause":
		return actPause
	case "include_vars":
		return actIncludeVars
	case "setup", "gather_facts":
		return actSetup
	case "add_host":
		return actAddHost
	case "group_by":
		return actGroupBy
	case "set_stats":
		return actSetStats
	case "validate_argument_spec":
		return actValidateArgSpec
	case "wait_for_connection":
		return actWaitForConnection
	}
	return nil
}

func okResult() *value.Map {
	m := value.NewMap(4)
	m.Set("changed", false)
	m.Set("failed", false)
	return m
}

func (tc *taskCtx) args() (*value.Map, error) {
	v, err := tc.sc.render(tc.t.Args)
	if err != nil {
		return nil, err
	}
	m, _ := v.(*value.Map)
	if m == nil {
		m = value.NewMap(0)
	}
	if m, err = tc.splatArgs(m); err != nil {
		return nil, err
	}
	return tc.ex.r.dropOmit(m), nil
}

func actDebug(ctx context.Context, tc *taskCtx) *value.Map {
	t, sc := tc.t, tc.sc
	verbosity := 0
	if v, ok := t.Args.Get("verbosity"); ok {
		rv, _ := sc.render(v)
		verbosity, _ = strconv.Atoi(value.String(rv))
	}
	if tc.ex.r.o.Verbosity < verbosity {
		m := value.NewMap(2)
		m.Set("skipped_reason", "Verbosity threshold not met.")
		m.Set("skipped", true)
		m.Set("changed", false)
		return m
	}
	res := okResult()
	if v, ok := t.Args.Get("var"); ok {
		name := value.String(v)
		var out any
		var err error
		if templates.IsTemplate(name) {
			out, err = sc.render(name)
		} else {
			out, err = sc.render("{{ " + name + " }}")
		}
		if err != nil {
			var ue *templates.UndefinedError
			if errors.As(err, &ue) || strings.Contains(err.Error(), "is undefined") || strings.Contains(err.Error(), "has no attribute") {
				out = "VARIABLE IS NOT DEFINED!"
				if ue != nil && tc.ex.r.o.Verbosity > 0 {
					// ansible's AnsibleUndefinedVariable text: Jinja2's
					// message, then its original exception's, the same
					out = fmt.Sprintf("VARIABLE IS NOT DEFINED!: %s. %s", ue.Error(), ue.Error())
				}
			} else {
				return failResult(err.Error())
			}
		}
		res.Set(name, out)
		return res
	}
	msg := any("Hello world!")
	if v, ok := t.Args.Get("msg"); ok {
		r, err := sc.render(v)
		if err != nil {
			return failResult(sc.explain(err, t))
		}
		if s, ok := r.(string); !ok || s != tc.ex.r.omit {
			msg = r
		}
	}
	res.Set("msg", msg)
	return res
}

func actSetFact(ctx context.Context, tc *taskCtx) *value.Map {
	args, err := tc.args()
	if err != nil {
		return failResult(tc.sc.explain(err, tc.t))
	}
	facts := value.NewMap(args.Len())
	args.Range(func(k string, v any) bool {
		if k == "cacheable" {
			return true
		}
		switch v.(type) {
		case string, value.Unsafe:
			// set_fact's own rule (jinja2_native off): these four words,
			// in any case and however written, become booleans.
			switch strings.ToLower(value.String(v)) {
			case "true", "false", "yes", "no":
				v = value.Bool(v)
			}
		}
		facts.Set(k, v)
		return true
	})
	if _, ok := facts.Get("_raw_params"); ok {
		return failResult("set_fact takes key=value arguments")
	}
	for _, k := range facts.Keys() {
		v, _ := facts.Get(k)
		tc.h.setFact(k, v)
	}
	// cacheable: an actual fact too (ansible_facts, the fact cache that
	// clear_facts empties), beside the host variable that keeps its
	// higher precedence
	if c, ok := args.Get("cacheable"); ok && value.Bool(c) {
		tc.h.addFacts(facts, true)
	}
	res := okResult()
	res.Set("ansible_facts", facts)
	return res
}

func actAssert(ctx context.Context, tc *taskCtx) *value.Map {
	t, sc := tc.t, tc.sc
	thatV, ok := t.Args.Get("that")
	if !ok {
		return failResult("conditional required in \"that\" string")
	}
	quiet := false
	if v, ok := t.Args.Get("quiet"); ok {
		quiet, _ = sc.renderBool(v, false)
	}
	for _, c := range value.Listify(thatV) {
		okc, err := sc.cond([]any{c})
		if err != nil {
			return failResult(fmt.Sprintf("The conditional check '%s' failed. The error was: %v", value.String(c), err))
		}
		if !okc {
			res := value.NewMap(5)
			res.Set("assertion", c)
			res.Set("changed", false)
			res.Set("evaluated_to", false)
			res.Set("failed", true)
			msg := any("Assertion failed")
			for _, k := range []string{"fail_msg", "msg"} {
				if v, ok := t.Args.Get(k); ok {
					if r, err := sc.render(v); err == nil {
						msg = r
					}
					break
				}
			}
			res.Set("msg", msg)
			return res
		}
	}
	res := okResult()
	msg := any("All assertions passed")
	if v, ok := t.Args.Get("success_msg"); ok {
		if r, err := sc.render(v); err == nil {
			msg = r
		}
	}
	if !quiet {
		res.Set("msg", msg)
	} else {
		res.Set("msg", msg)
	}
	return res
}

func actFail(ctx context.Context, tc *taskCtx) *value.Map {
	msg := any("Failed as requested from task")
	if v, ok := tc.t.Args.Get("msg"); ok {
		r, err := tc.sc.render(v)
		if err != nil {
			return failResult(tc.sc.explain(err, tc.t))
		}
		msg = r
	} else if v, ok := tc.t.Args.Get("_raw_params"); ok {
		msg = v
	}
	res := value.NewMap(3)
	res.Set("changed", false)
	res.Set("failed", true)
	res.Set("msg", msg)
	return res
}

func actGroupBy(ctx context.Context, tc *taskCtx) *value.Map {
	args, err := tc.args()
	if err != nil {
		return failResult(tc.sc.explain(err, tc.t))
	}
	kv, ok := args.Get("key")
	if !ok {
		return failResult("the 'key' param is required when using group_by")
	}
	group := strings.ReplaceAll(value.String(kv), " ", "-")
	var parents []string
	if pv, ok := args.Get("parents"); ok {
		for _, p := range value.Listify(pv) {
			parents = append(parents, strings.ReplaceAll(value.String(p), " ", "-"))
		}
	}
	r := tc.ex.r
	r.invMu.Lock()
	changed, err := r.inv.AddToGroup(tc.h.inv, group, parents)
	if err == nil {
		r.dynGroups = append(r.dynGroups, dynGroup{host: tc.h.name, group: group, parents: parents})
	}
	r.invMu.Unlock()
	if err != nil {
		return failResult(err.Error())
	}
	r.refreshInventoryVars(tc.ex.pr)
	res := okResult()
	res.Set("changed", changed)
	res.Set("add_group", group)
	pl := []any{}
	for _, p := range parents {
		pl = append(pl, p)
	}
	res.Set("parent_groups", pl)
	return res
}

func actSetStats(ctx context.Context, tc *taskCtx) *value.Map {
	args, err := tc.args()
	if err != nil {
		return failResult(tc.sc.explain(err, tc.t))
	}
	data := value.NewMap(0)
	if d, ok := args.Get("data"); ok {
		m, isMap := value.StripUnsafe(d).(*value.Map)
		if !isMap {
			return failResult("The 'data' option needs to be a dictionary/hash")
		}
		for _, k := range m.Keys() {
			if !isIdentifier(k) {
				return failResult("The variable name '" + k + "' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.")
			}
		}
		data = m
	}
	stats := value.MapOf("data", data, "per_host", false, "aggregate", true)
	for _, opt := range []string{"per_host", "aggregate"} {
		if v, ok := args.Get(opt); ok && v != nil {
			stats.Set(opt, value.Bool(v))
		}
	}
	res := okResult()
	res.Set("ansible_stats", stats)
	return res
}

// isIdentifier is Python's str.isidentifier for the ASCII names
// set_stats takes.
func isIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// actValidateArgSpec checks variables against an argument spec: the
// provided arguments, over the task's variables of the same names.
func actValidateArgSpec(ctx context.Context, tc *taskCtx) *value.Map {
	args, err := tc.args()
	if err != nil {
		return failResult(tc.sc.explain(err, tc.t))
	}
	specV, _ := args.Get("argument_spec")
	spec, ok := specV.(*value.Map)
	if !ok {
		return failResult("Incorrect type for argument_spec, expected dict and got " + value.TypeName(specV))
	}
	provided := value.NewMap(0)
	if pv, _ := args.Get("provided_arguments"); pv != nil {
		pm, ok := pv.(*value.Map)
		if !ok {
			return failResult("Incorrect type for provided_arguments, expected dict and got " + value.TypeName(pv))
		}
		provided = pm
	}
	params := value.NewMap(spec.Len() + provided.Len())
	for _, k := range spec.Keys() {
		v, ok, err := tc.sc.Lookup(k)
		if err != nil {
			return failResult(tc.sc.explain(err, tc.t))
		}
		if ok {
			params.Set(k, v)
		}
	}
	provided.Range(func(k string, v any) bool { params.Set(k, v); return true })
	res := value.NewMap(6)
	res.Set("changed", false)
	res.Set("argument_spec_data", spec)
	if c, ok := args.Get("validate_args_context"); ok {
		res.Set("validate_args_context", c)
	}
	if errs := modules.ValidateArgSpec(spec, params); len(errs) > 0 {
		list := make([]any, len(errs))
		for i, e := range errs {
			list[i] = e
		}
		res.Set("argument_errors", list)
		res.Set("failed", true)
		res.Set("msg", "Validation of arguments failed:\n"+strings.Join(errs, "\n"))
		return res
	}
	res.Set("failed", false)
	res.Set("msg", "The arg spec validation passed")
	return res
}

// actWaitForConnection waits until the host takes a command over its
// connection (after a reboot, say), dialling anew while it does not.
func actWaitForConnection(ctx context.Context, tc *taskCtx) *value.Map {
	args, err := tc.args()
	if err != nil {
		return failResult(tc.sc.explain(err, tc.t))
	}
	num := func(k string, def float64) (float64, error) {
		v, ok := args.Get(k)
		if !ok || v == nil {
			return def, nil
		}
		f, err := strconv.ParseFloat(value.String(v), 64)
		if err != nil {
			return 0, fmt.Errorf("argument '%s' is of type %s and we were unable to convert to int", k, value.TypeName(v))
		}
		return f, nil
	}
	for _, k := range args.Keys() {
		switch k {
		case "timeout", "delay", "sleep", "connect_timeout":
		default:
			return failResult(fmt.Sprintf("Unsupported parameters for (wait_for_connection) module: %s. Supported parameters include: connect_timeout, delay, sleep, timeout.", k))
		}
	}
	timeout, err1 := num("timeout", 600)
	delay, err2 := num("delay", 0)
	sleep, err3 := num("sleep", 1)
	connectTimeout, err4 := num("connect_timeout", 5)
	for _, e := range []error{err1, err2, err3, err4} {
		if e != nil {
			return failResult(e.Error())
		}
	}
	start := time.Now()
	dur := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	if !sleepCtx(ctx, dur(delay)) {
		return failResult("interrupted")
	}
	deadline := start.Add(dur(timeout))
	var last error
	for {
		actx, cancel := context.WithTimeout(ctx, dur(connectTimeout))
		conn, err := tc.ex.r.connFor(actx, tc, "")
		if err == nil {
			var res *connection.Result
			res, err = conn.Exec(actx, &connection.Cmd{Command: "true"})
			if err == nil && res.RC != 0 {
				err = fmt.Errorf("rc %d: %s", res.RC, strings.TrimSpace(string(res.Stderr)))
			}
			if err != nil {
				tc.ex.r.dropConn(conn)
			}
		}
		cancel()
		if err == nil {
			m := okResult()
			m.Set("elapsed", int(time.Since(start).Seconds()))
			return m
		}
		last = err
		if time.Now().Add(dur(sleep)).After(deadline) || !sleepCtx(ctx, dur(sleep)) {
			break
		}
	}
	m := failResult(fmt.Sprintf("timed out waiting for ping module test: %v", last))
	m.Set("elapsed", int(time.Since(start).Seconds()))
	return m
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
