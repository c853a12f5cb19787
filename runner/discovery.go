package runner

import (
	"context"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/modules/external"
	"github.com/fjord-run/fjord/value"
)

// Interpreter discovery for native modules. Ansible discovers a host's
// Python before the first Python module it runs there (unless
// ansible_python_interpreter names one) and returns it in that task's
// result as ansible_facts.discovered_interpreter_python, which then is a
// fact of the host: `ansible all -m ping` shows it. fjord's native
// modules need no Python, but their results and the host's facts carry
// the same, found the same way (modules/external), in one round trip
// that starts no process where the host helper runs.

// discoversPython says whether ansible runs a Python module, and so
// discovers the interpreter, for a task of native module info: the
// native modules stand for ansible's Python modules, except raw and
// script (action plugins that send no module), fetch (its action keeps
// only the stat module's stat, so the discovered fact never reaches the
// controller) and fjord's own modules.
func discoversPython(info *modules.Info) bool {
	if info.Engine || info.External != "" || !strings.HasPrefix(info.ID, "ansible.") {
		return false
	}
	switch info.ID {
	case "ansible.builtin.raw", "ansible.builtin.script", "ansible.builtin.fetch":
		return false
	}
	return true
}

// discoverPython discovers the host's Python for a native module's task
// when ansible would, and returns what its result gets: the interpreter
// and discovery's warnings (ok false: nothing). A task delegated to
// another host is left out (ansible keeps what it discovers there in
// the delegated host's vars for that task alone, or, with
// delegate_facts, by that host's variables, which fjord does not look
// up here). A failed discovery is no failure of the task: the native
// module needs no Python.
func (tc *taskCtx) discoverPython(ctx context.Context, info *modules.Info, env *modules.Env, delegate string) (string, []string, bool) {
	if !discoversPython(info) || (delegate != "" && delegate != tc.h.name) {
		return "", nil, false
	}
	denv := *env
	tc.externalEnv(&denv)
	path, warnings, ok, err := external.DiscoverPython(ctx, &denv)
	if err != nil || !ok {
		return "", nil, false
	}
	return path, warnings, true
}

// discoverForSetup is discoverPython for fact gathering: ansible's setup
// module is a Python module too, and the facts it returns carry the
// discovered interpreter.
func (tc *taskCtx) discoverForSetup(ctx context.Context, conn connection.Conn) (string, []string, bool) {
	env := &modules.Env{Host: tc.h.name, Conn: conn}
	tc.externalEnv(env)
	path, warnings, ok, err := external.DiscoverPython(ctx, env)
	if err != nil || !ok {
		return "", nil, false
	}
	return path, warnings, true
}

// withDiscovered adds a discovered interpreter to a module's result, as
// ansible's ActionBase does: in ansible_facts, and its warnings.
func withDiscovered(res *value.Map, path string, warnings []string) {
	f, _ := get(res, "ansible_facts").(*value.Map)
	if f == nil {
		f = value.NewMap(1)
	} else {
		f = f.Clone()
	}
	f.Set("discovered_interpreter_python", path)
	res.Set("ansible_facts", f)
	if len(warnings) > 0 {
		ws, _ := get(res, "warnings").([]any)
		ws = append([]any(nil), ws...)
		for _, w := range warnings {
			ws = append(ws, w)
		}
		res.Set("warnings", ws)
	}
}
