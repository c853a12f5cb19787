package playbook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
	"gopkg.in/yaml.v3"
)

// A task's action: its name, free-form and k=v arguments, the engine
// actions' checks, and static imports of task files.

// setAction resolves the module name and arguments of a task.
func (l *Loader) setAction(file string, t *Task, kn, vn *yaml.Node) error {
	name := kn.Value
	var argv any
	if name == "action" || name == "local_action" {
		if name == "local_action" {
			t.Kw.DelegateTo = "localhost"
		}
		v, err := l.nodeValue(file, vn)
		if err != nil {
			return err
		}
		switch v := v.(type) {
		case string:
			mod, rest := splitActionString(strings.TrimSpace(v))
			name, argv = mod, strings.TrimSpace(rest)
			if strings.ContainsAny(mod, "\n\t") {
				name, _, _ = strings.Cut(mod, "\n")
			}
		case *value.Map:
			mv, ok := v.Get("module")
			if !ok {
				return errAt(posOf(file, vn), "no module/action detected in task")
			}
			name = value.String(mv)
			m := v.Clone()
			m.Delete("module")
			argv = m
		default:
			return errAt(posOf(file, vn), "action must be a string or a mapping")
		}
	} else {
		v, err := l.nodeValue(file, vn)
		if err != nil {
			return err
		}
		argv = v
	}
	if templates.IsTemplate(name) || (l.o.RunTimeChecks && kn.Value == "action" && !l.resolves(name)) {
		return l.setTemplatedAction(file, t, name, argv, vn)
	}
	canon, ext, ok, err := l.resolveAction(name, t.Role)
	if err != nil {
		return errAt(posOf(file, kn), "%v", err)
	}
	if !ok {
		return errAt(posOf(file, kn), "%v", l.unresolved(name))
	}
	t.Action, t.Written, t.Module = canon, name, ext
	args := value.NewMap(4)
	switch a := argv.(type) {
	case nil:
	case *value.Map:
		args = a.Clone()
	case string:
		if err := parseFreeForm(canon, a, args); err != nil {
			return errAt(posOf(file, vn), "%v", err)
		}
	case []any:
		if isIncludeAction(canon) {
			return errAt(posOf(file, vn), "%s takes a file name or a mapping", canon)
		}
		return errAt(posOf(file, vn), "module arguments must be a mapping or a string")
	default:
		args.Set("_raw_params", value.String(a))
	}
	t.Args = args
	return nil
}

// VariableParams is the argument that holds a task's arguments given
// as one template (ansible's _variable_params): `file: "{{ item }}"` or
// `args: "{{ opts }}"`. The mapping it renders to, updated with the
// task's other arguments, is what the module gets.
const VariableParams = "_variable_params"

func isIncludeAction(a string) bool {
	switch a {
	case "include_tasks", "import_tasks", "include_role", "import_role", "include", "include_vars":
		return true
	}
	return false
}

// freeFormActions take their whole string as _raw_params (plus k=v options
// they know).
var freeFormOptions = map[string]map[string]bool{
	"command":       setOf("chdir", "creates", "removes", "argv", "stdin", "stdin_add_newline", "strip_empty_ends", "warn"),
	"shell":         setOf("chdir", "creates", "removes", "executable", "stdin", "stdin_add_newline", "strip_empty_ends", "warn"),
	"raw":           setOf("executable"),
	"script":        setOf("chdir", "creates", "removes", "executable"),
	"include_tasks": setOf(),
	"import_tasks":  setOf(),
	"include_vars":  setOf(),
	"meta":          setOf(),
	"fail":          nil,
	"pause":         nil,
}

func shortName(a string) string {
	for _, p := range []string{"ansible.builtin.", "ansible.legacy."} {
		a = strings.TrimPrefix(a, p)
	}
	return a
}

func parseFreeForm(action, s string, args *value.Map) error {
	short := shortName(action)
	opts, freeForm := freeFormOptions[short]
	if freeForm && opts != nil {
		raw, kv, err := value.SplitFreeForm(s, opts)
		if err != nil {
			return err
		}
		for _, p := range kv {
			args.Set(p[0], p[1])
		}
		if raw != "" || len(kv) == 0 {
			args.Set("_raw_params", raw)
		}
		return nil
	}
	kv, rest, err := value.ParseKVRest(s)
	if err != nil {
		return err
	}
	for _, p := range kv {
		args.Set(p[0], p[1])
	}
	if rest != "" {
		args.Set("_raw_params", rest)
	}
	return nil
}

var knownLookups = setOf("items", "list", "dict", "fileglob", "sequence", "nested", "together",
	"subelements", "indexed_items", "flattened", "file", "lines", "random_choice", "first_found",
	"inventory_hostnames", "cartesian", "env", "template", "pipe", "vars")

// finishTask validates module args and expands static imports.
func (l *Loader) finishTask(file string, t *Task, an *yaml.Node) ([]Node, error) {
	if t.ActionTemplate {
		return []Node{t}, nil // its module is known on each host
	}
	switch t.Action {
	case "import_tasks":
		return l.expandImportTasks(file, t)
	case "import_role":
		return l.expandImportRole(file, t)
	case "include":
		return l.include(file, t)
	}
	info, _ := t.ModuleInfo()
	if t.Action == "meta" {
		// before the names: ansible's own words for a bad action
		if raw, _ := t.Args.Get("_raw_params"); !metaActions[value.String(raw)] {
			return nil, errAt(t.Pos, "invalid meta action requested: %s", value.String(raw))
		}
	}
	if raw, ok := t.Args.Get("_raw_params"); ok && info.FreeForm == "" && !info.Raw {
		// `file: "{{ item }}"`: ansible's args splat, the arguments a
		// mapping the template renders to (runner's splatArgs)
		if !templates.IsTemplate(value.String(raw)) {
			return nil, errAt(t.Pos, "%s does not take free-form arguments: use key=value or a mapping", t.Action)
		}
		t.Args.Delete("_raw_params")
		if _, ok := t.Args.Get(VariableParams); !ok {
			t.Args.Set(VariableParams, raw)
		}
	}
	if _, ok := t.Args.Get(VariableParams); ok {
		return []Node{t}, nil // names known only as the task runs
	}
	// Required arguments are checked with the play (checkArgs):
	// module_defaults may supply them.
	var missing *modules.MissingArgsError
	if l.o.RunTimeChecks || l.dynamic {
		// In a file an include loads as the play runs, ansible checks a
		// module's arguments as the task runs on a host: one that never
		// runs there (its condition false) may name a parameter the
		// module lacks, as roles written for a newer ansible do; the
		// engine refuses it on each host the task runs on.
		return []Node{t}, nil
	}
	if err := modules.CheckArgs(info, argKeys(t, info)); err != nil && !errors.As(err, &missing) {
		return nil, errAt(t.Pos, "%v", err)
	}
	return []Node{t}, nil
}

// metaActions are what meta may do (modules.MetaArgs' choices).
var metaActions = setOf("flush_handlers", "end_play", "end_host", "end_batch", "noop", "clear_host_errors",
	"clear_facts", "refresh_inventory", "reset_connection", "role_complete")

// resolveTaskFile finds a tasks file named in an import/include.
func (l *Loader) resolveTaskFile(from Pos, role *RoleInstance, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	var cands []string
	if role != nil {
		cands = append(cands, filepath.Join(role.Role.Path, "tasks", name))
	}
	cands = append(cands, filepath.Join(filepath.Dir(from.File), name))
	if l.o.PlaybookDir != "" {
		cands = append(cands, filepath.Join(l.o.PlaybookDir, name))
	}
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", notFoundAt(from, "could not find or access '%s'", name)
}

func (l *Loader) expandImportTasks(file string, t *Task) ([]Node, error) {
	raw, ok := t.Args.Get("_raw_params")
	if !ok {
		raw, ok = t.Args.Get("file")
	}
	if !ok {
		return nil, errAt(t.Pos, "import_tasks needs a file name")
	}
	name, err := l.render(value.String(raw), t)
	if err != nil {
		return nil, errAt(t.Pos, "%v", err)
	}
	if t.HasLoop {
		return nil, errAt(t.Pos, "You cannot use loops on 'import_tasks' statements. You should use 'include_tasks' instead.")
	}
	path, err := l.resolveTaskFile(t.Pos, t.Role, name)
	if err != nil {
		return nil, err
	}
	l.depth++
	defer func() { l.depth-- }()
	if l.depth > 50 {
		return nil, errAt(t.Pos, "import_tasks nested too deeply (recursive import?)")
	}
	root, err := l.readYAML(path)
	if err != nil {
		return nil, err
	}
	b := &Block{Pos: t.Pos, Parent: t.Parent, Role: t.Role, Kw: t.Kw, Implicit: true}
	if root != nil {
		if b.Block, err = l.parseTaskList(path, root, b, t.Role, t.Handler); err != nil {
			return nil, err
		}
	}
	return []Node{b}, nil
}

// include is ansible-core 2.14's deprecated `include` of a tasks file:
// its k=v arguments become variables of the included tasks (over its
// vars:), and it is static, an import_tasks, unless its file name holds a
// template, it loops, or it is itself loaded by a dynamic include; then it
// is an include_tasks.
func (l *Loader) include(file string, t *Task) ([]Node, error) {
	if l.o.Deprecated != nil {
		l.o.Deprecated(`"include" is deprecated, use include_tasks/import_tasks instead. See https://docs.ansible.com/ansible-core/2.14/user_guide/playbooks_reuse_includes.html for details`, "2.16")
	}
	raw, ok := t.Args.Get("_raw_params")
	if !ok {
		raw, ok = t.Args.Get("file")
	}
	if !ok || value.String(raw) == "" {
		return nil, errAt(t.Pos, "No file specified for include")
	}
	// A static include's vars: win over its k=v arguments; a dynamic
	// one's arguments win (TaskInclude.get_vars).
	static := !templates.IsTemplate(value.String(raw)) && !t.HasLoop && !l.dynamic
	vars := value.NewMap(t.Args.Len())
	addVars := func() {
		if t.Kw.Vars != nil {
			t.Kw.Vars.Range(func(k string, v any) bool { vars.Set(k, v); return true })
		}
	}
	if !static {
		addVars()
	}
	t.Args.Range(func(k string, v any) bool {
		if k != "_raw_params" && k != "file" && k != "tags" && k != "when" {
			vars.Set(k, v)
		}
		return true
	})
	if static {
		addVars()
	}
	t.Kw.Vars = vars
	t.Args = value.MapOf("_raw_params", value.String(raw))
	if !static {
		// runs as include_tasks; the action keeps its name for the banner
		return []Node{t}, nil
	}
	t.Action = "import_tasks"
	return l.expandImportTasks(file, t)
}

// checkModuleDefaults checks module_defaults as Ansible does when it
// loads a play: a dictionary (or list of them) of known module names or
// action groups; it returns the members of the groups, by GroupFQ.
func (l *Loader) checkModuleDefaults(list []any) (map[string][]string, error) {
	var groups map[string][]string
	for _, d := range list {
		m, ok := d.(*value.Map)
		if !ok {
			return nil, fmt.Errorf("module_defaults must be a dictionary or a list of dictionaries")
		}
		for _, k := range m.Keys() {
			if g, ok := strings.CutPrefix(k, "group/"); ok {
				fq := GroupFQ(g)
				members, err := l.resolveGroup(fq, true)
				if err != nil {
					return nil, err
				}
				if groups == nil {
					groups = map[string][]string{}
				}
				groups[fq] = members
				continue
			}
			if !l.resolves(k) {
				return nil, fmt.Errorf("could not resolve action %s in module_defaults", k)
			}
		}
	}
	return groups, nil
}

// argKeys are the argument names t gives its module, the free-form
// string aside.
func argKeys(t *Task, info *modules.Info) []string {
	keys := make([]string, 0, t.Args.Len())
	for _, k := range t.Args.Keys() {
		if k == "_raw_params" && info.FreeForm != "" {
			continue
		}
		keys = append(keys, k)
	}
	return keys
}
