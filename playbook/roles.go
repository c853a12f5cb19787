package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fjord-run/fjord/galaxy"
	"github.com/fjord-run/fjord/value"
)

var roleEntryKeys = setOf("role", "name", "tasks_from", "vars_from", "defaults_from",
	"handlers_from", "public", "allow_duplicates", "rolespec_validate")

// parsePlayRoles parses a play's roles: list.
func (l *Loader) parsePlayRoles(file string, n *yaml.Node, p *Play) ([]*RoleInstance, error) {
	if n.Kind == yaml.ScalarNode && (n.Value == "" || n.Tag == "!!null") {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(posOf(file, n), "roles must be a list")
	}
	var out []*RoleInstance
	for _, rn := range n.Content {
		ref, err := l.parseRoleRef(file, rn)
		if err != nil {
			return nil, err
		}
		ri, err := l.instantiate(ref, filepath.Dir(file), nil)
		if err != nil {
			return nil, err
		}
		out = append(out, ri)
	}
	return out, nil
}

func (l *Loader) parseRoleRef(file string, rn *yaml.Node) (*roleRef, error) {
	ref := &roleRef{pos: posOf(file, rn), params: value.NewMap(0)}
	switch rn.Kind {
	case yaml.ScalarNode:
		ref.name = rn.Value
	case yaml.MappingNode:
		for i := 0; i+1 < len(rn.Content); i += 2 {
			k, vn := rn.Content[i].Value, rn.Content[i+1]
			switch {
			case k == "role" || k == "name":
				ref.name = vn.Value
			case keywords[k] != nil && keywords[k].where&onRole != 0:
			case roleEntryKeys[k]:
				v, err := l.nodeValue(file, vn)
				if err != nil {
					return nil, err
				}
				ref.params.Set("\x00"+k, v)
			default:
				v, err := l.nodeValue(file, vn)
				if err != nil {
					return nil, err
				}
				ref.params.Set(k, v)
			}
		}
		if err := l.checkValues(file, rn, onRole); err != nil {
			return nil, err
		}
		if err := l.parseKeywords(file, rn, &ref.kw); err != nil {
			return nil, err
		}
	default:
		return nil, errAt(ref.pos, "a role must be a name or a mapping")
	}
	if ref.name == "" {
		return nil, errAt(ref.pos, "role definitions must contain a role name")
	}
	name, err := l.render(ref.name, nil)
	if err != nil {
		return nil, errAt(ref.pos, "%v", err)
	}
	ref.name = name
	return ref, nil
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range s {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// mainFile finds dir/name(.yml|.yaml|.json|"").
func mainFile(dir, name string) string {
	for _, ext := range []string{".yml", ".yaml", ".json", ""} {
		p := filepath.Join(dir, name+ext)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

func (l *Loader) LoadVarsFile(path string) (*value.Map, error) {
	root, err := l.readYAML(path)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return value.NewMap(0), nil
	}
	v, err := value.FromNode(root)
	if err != nil {
		return nil, yamlErr(path, err)
	}
	m, ok := v.(*value.Map)
	if !ok {
		if v == nil {
			return value.NewMap(0), nil
		}
		return nil, errAt(posOf(path, root), "vars file must be a mapping, got %s", kindName(root))
	}
	return m, nil
}

// loadRole reads a role's directory once.
func (l *Loader) loadRole(pos Pos, path string) (*Role, error) {
	if r, ok := l.roles[path]; ok {
		return r, nil
	}
	r := &Role{Name: filepath.Base(path), Collection: roleCollection(path), Path: path, Defaults: value.NewMap(0), Vars: value.NewMap(0)}
	if l.roles == nil {
		l.roles = map[string]*Role{}
	}
	l.roles[path] = r
	l.addLibrary(path)
	for _, dv := range []struct {
		dir string
		m   **value.Map
	}{{"defaults", &r.Defaults}, {"vars", &r.Vars}} {
		m, ok, err := l.loadRoleVars(filepath.Join(path, dv.dir), "main", true)
		if err != nil {
			return nil, err
		}
		if ok {
			*dv.m = m
		}
	}
	if f := mainFile(filepath.Join(path, "meta"), "main"); f != "" {
		root, err := l.readYAML(f)
		if err != nil {
			return nil, err
		}
		if root != nil && root.Kind == yaml.MappingNode {
			if v := mapGet(root, "allow_duplicates"); v != nil {
				av, _ := value.FromNode(v)
				r.allowDup = value.Bool(av)
			}
			if an := mapGet(root, "argument_specs"); an != nil {
				if err := r.setArgSpecs(f, an); err != nil {
					return nil, err
				}
			}
			if dn := mapGet(root, "dependencies"); dn != nil && dn.Kind == yaml.SequenceNode {
				for _, d := range dn.Content {
					// A dependency named only by its source is the role
					// ansible-galaxy installed from it.
					if d.Kind == yaml.MappingNode && mapGet(d, "role") == nil && mapGet(d, "name") == nil {
						if src := mapGet(d, "src"); src != nil && src.Kind == yaml.ScalarNode {
							d = &yaml.Node{Kind: yaml.MappingNode, Line: d.Line, Column: d.Column, Content: append([]*yaml.Node{
								{Kind: yaml.ScalarNode, Value: "name"}, {Kind: yaml.ScalarNode, Value: galaxy.RoleNameOfSrc(src.Value)},
							}, d.Content...)}
						}
					}
					ref, err := l.parseRoleRef(f, d)
					if err != nil {
						return nil, err
					}
					r.deps = append(r.deps, ref)
				}
			}
		}
	}
	// meta/argument_specs.yml takes precedence over meta/main.yml's.
	if f := mainFile(filepath.Join(path, "meta"), "argument_specs"); f != "" {
		root, err := l.readYAML(f)
		if err != nil {
			return nil, err
		}
		if root != nil && root.Kind == yaml.MappingNode {
			if an := mapGet(root, "argument_specs"); an != nil {
				if err := r.setArgSpecs(f, an); err != nil {
					return nil, err
				}
			}
		}
	}
	return r, nil
}

// setArgSpecs keeps a role's argument_specs: entry point -> spec.
func (r *Role) setArgSpecs(file string, n *yaml.Node) error {
	v, err := value.FromNode(n)
	if err != nil {
		return yamlErr(file, err)
	}
	if v == nil {
		// `argument_specs:` with nothing under it: no entry point
		// (ansible's `.get('argument_specs') or {}`).
		v = value.NewMap(0)
	}
	m, ok := v.(*value.Map)
	if !ok {
		return errAt(posOf(file, n), "argument_specs must be a mapping of entry points")
	}
	r.ArgSpecs, r.argSpecsPos = m, posOf(file, n)
	return nil
}

// validationTask is the task Ansible puts first in a role whose entry
// point has an argument spec: it checks the role's variables against it,
// whatever tags are asked for.
func (ri *RoleInstance) validationTask(entry string) *Task {
	r := ri.Role
	if r.ArgSpecs == nil || !value.Bool(valueOr(ri.From["rolespec_validate"], "true")) {
		return nil
	}
	sv, ok := r.ArgSpecs.Get(entry)
	spec, _ := sv.(*value.Map)
	if !ok || spec == nil {
		return nil
	}
	name := fmt.Sprintf("Validating arguments against arg spec '%s'", entry)
	if d, ok := spec.Get("short_description"); ok {
		name += " - " + value.String(d)
	}
	options, _ := spec.Get("options")
	if options == nil {
		options = value.NewMap(0)
	}
	args := value.NewMap(3)
	args.Set("argument_spec", options)
	// The role's params as written (include_role's vars are not params);
	// a copy, since an include adds its vars to ri.Params later.
	provided := value.NewMap(ri.Params.Len())
	ri.Params.Range(func(k string, v any) bool { provided.Set(k, v); return true })
	args.Set("provided_arguments", provided)
	args.Set("validate_args_context", value.MapOf("argument_spec_name", entry, "name", r.Name, "path", r.Path, "type", "role"))
	return &Task{Pos: r.argSpecsPos, Name: name, Action: "validate_argument_spec", Args: args,
		Kw: Keywords{Tags: []string{"always"}}, Role: ri}
}

func valueOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// instantiate makes a role use from a reference: finds and loads the role,
// its dependencies, and the tasks/handlers files it asks for.
func (l *Loader) instantiate(ref *roleRef, baseDir string, parent *RoleInstance) (*RoleInstance, error) {
	l.depth++
	defer func() { l.depth-- }()
	if l.depth > 30 {
		return nil, errAt(ref.pos, "role dependencies nested too deeply (cycle?)")
	}
	path, err := l.findRole(ref.pos, ref.name, baseDir)
	if err != nil {
		return nil, err
	}
	role, err := l.loadRole(ref.pos, path)
	if err != nil {
		return nil, err
	}
	ri := &RoleInstance{Role: role, Params: value.NewMap(ref.params.Len()), Parent: parent, From: map[string]string{}, Kw: ref.kw}
	ref.params.Range(func(k string, v any) bool {
		if name, ok := strings.CutPrefix(k, "\x00"); ok {
			switch name {
			case "public":
				ri.Public = value.Bool(v)
			case "allow_duplicates":
				if value.Bool(v) {
					// a per-use override of meta's allow_duplicates
					ri.From["allow_duplicates"] = "true"
				}
			default:
				ri.From[name] = value.String(v)
			}
			return true
		}
		ri.Params.Set(k, v)
		return true
	})
	for _, dref := range role.deps {
		dep, err := l.instantiate(dref, filepath.Dir(path), ri)
		if err != nil {
			return nil, err
		}
		ri.depList = append(ri.depList, dep)
	}
	if err := l.roleVars(ri, ref.pos); err != nil {
		return nil, err
	}
	if err := l.roleTasks(ri, ref.pos); err != nil {
		return nil, err
	}
	return ri, nil
}

// Deps are the role's dependencies (meta/main.yml), instantiated for this
// use; they run before it.
func (ri *RoleInstance) Deps() []*RoleInstance { return ri.depList }

// fromName is a *_from option's file name without its .yml/.yaml.
func fromName(f string) string { return strings.TrimSuffix(strings.TrimSuffix(f, ".yml"), ".yaml") }

// roleVars loads the defaults and vars files a use of a role names
// (defaults_from, vars_from); main's are the Role's own.
func (l *Loader) roleVars(ri *RoleInstance, pos Pos) error {
	var err error
	path, role := ri.Role.Path, ri.Role
	var ok bool
	if f := ri.From["defaults_from"]; f != "" {
		if ri.Defaults, ok, err = l.loadRoleVars(filepath.Join(path, "defaults"), f, false); err != nil {
			return err
		}
		if !ok {
			return errAt(pos, "could not find '%s' in role %s defaults", f, role.Name)
		}
	}
	if f := ri.From["vars_from"]; f != "" {
		if ri.Vars, ok, err = l.loadRoleVars(filepath.Join(path, "vars"), f, false); err != nil {
			return err
		}
		if !ok {
			return errAt(pos, "could not find '%s' in role %s vars", f, role.Name)
		}
	}
	return nil
}

// roleTasks loads the tasks and handlers of a use of a role (tasks_from,
// handlers_from, else main), its argument validation task first.
func (l *Loader) roleTasks(ri *RoleInstance, pos Pos) error {
	path, role := ri.Role.Path, ri.Role
	tasksName := "main"
	if f := ri.From["tasks_from"]; f != "" {
		tasksName = fromName(f)
	}
	if tf := mainFile(filepath.Join(path, "tasks"), tasksName); tf != "" {
		root, err := l.readYAML(tf)
		if err != nil {
			return err
		}
		if root != nil {
			if ri.Tasks, err = l.parseTaskList(tf, root, nil, ri, false); err != nil {
				return err
			}
		}
	} else if tasksName != "main" {
		return errAt(pos, "could not find '%s' in role %s tasks", ri.From["tasks_from"], role.Name)
	}
	if vt := ri.validationTask(tasksName); vt != nil {
		ri.Tasks = append([]Node{vt}, ri.Tasks...)
	}
	handlersName := "main"
	if f := ri.From["handlers_from"]; f != "" {
		handlersName = fromName(f)
	}
	if hf := mainFile(filepath.Join(path, "handlers"), handlersName); hf != "" {
		root, err := l.readYAML(hf)
		if err != nil {
			return err
		}
		if root != nil {
			if ri.Handlers, err = l.parseTaskList(hf, root, nil, ri, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// expandImportRole turns import_role into an implicit block of the role's
// tasks (with its dependencies first); its handlers join the play's.
func (l *Loader) expandImportRole(file string, t *Task) ([]Node, error) {
	ref := &roleRef{pos: t.Pos, params: value.NewMap(0), kw: Keywords{}}
	for _, k := range t.Args.Keys() {
		v, _ := t.Args.Get(k)
		switch k {
		case "name":
			ref.name = value.String(v)
		default:
			ref.params.Set("\x00"+k, v)
		}
	}
	if ref.name == "" {
		return nil, errAt(t.Pos, "import_role needs a role name")
	}
	name, err := l.render(ref.name, t)
	if err != nil {
		return nil, errAt(t.Pos, "%v", err)
	}
	ref.name = name
	base := l.o.PlaybookDir
	if t.Role != nil {
		base = filepath.Dir(t.Role.Role.Path)
	}
	ri, err := l.instantiate(ref, base, t.Role)
	if err != nil {
		return nil, err
	}
	ri.Included = true
	// vars on import_role become the role's vars, which import_role
	// exposes to the whole play (ansible-core behaves the same: a later
	// import's vars are seen by an earlier import of the role).
	if t.Kw.Vars != nil {
		if ri.Vars == nil {
			ri.Vars = value.NewMap(t.Kw.Vars.Len())
		} else {
			ri.Vars = ri.Vars.Clone()
		}
		t.Kw.Vars.Range(func(k string, v any) bool { ri.Vars.Set(k, v); return true })
	}
	outer := &Block{Pos: t.Pos, Parent: t.Parent, Role: t.Role, Kw: t.Kw, Implicit: true}
	outer.Kw.Vars = nil
	var nodes []Node
	var handlers []Node
	runs := l.roleRuns
	if runs == nil {
		runs = newRoleRuns()
	}
	l.appendRoleRun(ri, &nodes, &handlers, runs)
	for _, n := range nodes {
		setParent(n, outer)
	}
	outer.Block = nodes
	// the role's handlers run under the import's keywords too (ansible
	// parents them to the import_role task: delegate_to, when...)
	if len(handlers) > 0 {
		hb := &Block{Pos: t.Pos, Kw: outer.Kw, Implicit: true, Block: handlers}
		for _, n := range handlers {
			setParent(n, hb)
		}
		l.pendingHandlers = append(l.pendingHandlers, hb)
	}
	// import_role exposes the role's defaults and vars to the whole play
	// at parse time, as roles: does.
	l.pendingRoles = append(l.pendingRoles, ri)
	return []Node{outer}, nil
}
