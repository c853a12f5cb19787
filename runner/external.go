package runner

import (
	"fmt"

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
		if !ok && name == "ansible_python_interpreter" && tc.ex.r.o.PythonInterpreter != "" {
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
// invocation, which the strategy drops (a loop's items keep theirs).
func registered(res *value.Map) *value.Map {
	if _, ok := res.Get("invocation"); !ok {
		return res
	}
	c := res.Clone()
	c.Delete("invocation")
	return c
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

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}
