package runner

import (
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// What a module that fjord runs from its own code (modules/external)
// needs of the engine beyond what a native module does.

// externalEnv gives the module the task's variables (its interpreter,
// remote_tmp, the discovered interpreter in ansible_facts), no_log, the
// run's verbosity and the controller's warnings.
func (tc *taskCtx) externalEnv(env *modules.Env) {
	env.NoLog = tc.noLog
	env.Verbosity = tc.ex.r.o.Verbosity
	env.Var = func(name string) (any, bool) {
		v, ok, err := tc.sc.Lookup(name)
		// the implicit localhost runs the controller's Python (ansible
		// sets its ansible_python_interpreter), not interpreter_python
		implicit := tc.h != nil && tc.h.inv != nil && tc.h.inv.Implicit
		if !ok && name == "ansible_python_interpreter" && tc.ex.r.o.PythonInterpreter != "" && !implicit {
			return tc.ex.r.o.PythonInterpreter, true
		}
		if !ok && name == "ansible_python_module_rlimit_nofile" {
			return tc.ex.r.o.PythonRlimitNofile, true
		}
		return v, ok && err == nil
	}
	env.Warn = tc.ex.r.warn
	env.Verbose = tc.ex.r.sink.Verbose
}

// registered is a result as register keeps it: without the module's
// invocation, which the strategy drops (a loop's items keep theirs), and
// without internal _ansible_ keys at any depth (strip_internal_keys).
func registered(res *value.Map) *value.Map {
	c, _ := stripInternal(res).(*value.Map)
	if _, ok := c.Get("invocation"); ok {
		if c == res {
			c = res.Clone()
		}
		c.Delete("invocation")
	}
	return c
}

// stripInternal is v without _ansible_ keys in its mappings, copied only
// where one is removed.
func stripInternal(v any) any {
	switch v := v.(type) {
	case *value.Map:
		var out *value.Map
		for i, k := range v.Keys() {
			x, _ := v.Get(k)
			nx := x
			if !strings.HasPrefix(k, "_ansible_") {
				nx = stripInternal(x)
			}
			if out == nil && (strings.HasPrefix(k, "_ansible_") || !same(nx, x)) {
				out = value.NewMap(v.Len())
				for _, pk := range v.Keys()[:i] {
					px, _ := v.Get(pk)
					out.Set(pk, px)
				}
			}
			if out != nil && !strings.HasPrefix(k, "_ansible_") {
				out.Set(k, nx)
			}
		}
		if out == nil {
			return v
		}
		return out
	case []any:
		var out []any
		for i, x := range v {
			nx := stripInternal(x)
			if out == nil && !same(nx, x) {
				out = append([]any(nil), v...)
			}
			if out != nil {
				out[i] = nx
			}
		}
		if out == nil {
			return v
		}
		return out
	}
	return v
}

// same says whether stripInternal returned its argument itself.
func same(a, b any) bool {
	switch a := a.(type) {
	case *value.Map:
		bm, ok := b.(*value.Map)
		return ok && a == bm
	case []any:
		bl, ok := b.([]any)
		return ok && len(a) == len(bl) && (len(a) == 0 || &a[0] == &bl[0])
	}
	return true
}

// implementation says, under -vvv, which implementation runs a task's
// action.
func implementation(info *modules.Info) string {
	return fmt.Sprintf("Running %s: fjord's native implementation", info.ID)
}

// defaultsFor says whether a module_defaults entry names the task's
// module: the same registry entry, or for a module found outside the
// registry, its name or FQCN.
func defaultsFor(name string, info *modules.Info) bool {
	if info.External != "" {
		return name == info.ID || name == info.ID[lastDot(info.ID)+1:]
	}
	mi, ok := modules.Lookup(name)
	return ok && mi == info
}

// inGroup says whether the task's module is one of an action group's
// members (registry names of native modules, IDs of external ones).
func inGroup(members []string, info *modules.Info) bool {
	for _, m := range members {
		if info.External != "" {
			if m == info.ID {
				return true
			}
		} else if mi, ok := modules.Lookup(m); ok && mi == info {
			return true
		}
	}
	return false
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}
