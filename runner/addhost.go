package runner

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// actAddHost adds a host to the run's inventory, as ansible's add_host
// action and the strategy that applies its result.
func actAddHost(ctx context.Context, tc *taskCtx) *value.Map {
	args, err := tc.args()
	if err != nil {
		return failResult(tc.sc.explain(err, tc.t))
	}
	name, groups, vars, err := addHostArgs(args)
	if err != nil {
		return failResult(err.Error())
	}
	r := tc.ex.r
	r.invMu.Lock()
	_, changed, err := r.inv.AddHost(name, groups, vars)
	if err == nil {
		r.dynHosts = append(r.dynHosts, dynHost{name: name, groups: groups, vars: vars})
	}
	r.invMu.Unlock()
	if err != nil {
		return failResult(err.Error())
	}
	r.refreshInventoryVars(tc.ex.pr)
	res := okResult()
	res.Set("changed", changed)
	gl := []any{}
	for _, g := range groups {
		gl = append(gl, g)
	}
	res.Set("add_host", value.MapOf("groups", gl, "host_name", name, "host_vars", vars))
	return res
}

// addHostArgs reads add_host's arguments as ansible 2.14's action does: a
// free-form mapping (`add_host: "{{ data }}"`) under the named arguments;
// the name from name, hostname or host (a host:port name sets
// ansible_ssh_port); the groups from groupname, groups or group, a list
// or a comma-separated string; every argument but name, hostname,
// groupname and groups a host variable.
func addHostArgs(args *value.Map) (name string, groups []string, vars *value.Map, err error) {
	// The arguments may be the task's own map, which every host shares.
	args = args.Clone()
	if raw, ok := args.Get("_raw_params"); ok {
		rm, isMap := raw.(*value.Map)
		if !isMap {
			return "", nil, nil, fmt.Errorf("Invalid raw parameters passed, requires a dictonary/mapping got a  <class '%s'>", value.TypeName(raw))
		}
		args.Delete("_raw_params")
		merged := rm.Clone()
		args.Range(func(k string, v any) bool { merged.Set(k, v); return true })
		args = merged
	}
	nv, ok := firstArg(args, "name", "hostname", "host")
	if !ok || nv == nil {
		return "", nil, nil, fmt.Errorf("name, host or hostname needs to be provided")
	}
	name = value.String(nv)
	vars = value.NewMap(args.Len())
	if h, p, ok := strings.Cut(name, ":"); ok && !strings.Contains(p, ":") {
		if n, err := strconv.Atoi(p); err == nil {
			name = h
			args.Set("ansible_ssh_port", n)
		}
	}
	if gv, _ := firstArg(args, "groupname", "groups", "group"); gv != nil && value.Truthy(gv) {
		var list []any
		switch g := gv.(type) {
		case []any:
			list = g
		case string, value.Unsafe:
			for _, p := range strings.Split(value.String(g), ",") {
				list = append(list, p)
			}
		default:
			return "", nil, nil, fmt.Errorf("Groups must be specified as a list.")
		}
		seen := map[string]bool{}
		for _, e := range list {
			g := strings.TrimSpace(value.String(e))
			if !seen[g] {
				seen[g] = true
				groups = append(groups, g)
			}
		}
	}
	args.Range(func(k string, v any) bool {
		switch k {
		case "name", "hostname", "groupname", "groups":
		default:
			vars.Set(k, v)
		}
		return true
	})
	return name, groups, vars, nil
}

// firstArg is the first of keys that args holds.
func firstArg(args *value.Map, keys ...string) (any, bool) {
	for _, k := range keys {
		if v, ok := args.Get(k); ok {
			return v, true
		}
	}
	return nil, false
}
