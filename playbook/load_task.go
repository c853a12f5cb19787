package playbook

import (
	"strings"

	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
	"gopkg.in/yaml.v3"
)

// Task lists, blocks and tasks: keywords and the task's action.

// parseTaskList parses a list of tasks/blocks.
func (l *Loader) parseTaskList(file string, n *yaml.Node, parent *Block, role *RoleInstance, handler bool) ([]Node, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(posOf(file, n), "a task list must be a list, got %s", kindName(n))
	}
	var out []Node
	for _, tn := range n.Content {
		// A task written as an alias (`- *cleanup`) is the anchored task
		// again, as PyYAML reads it.
		if tn.Kind == yaml.AliasNode && tn.Alias != nil {
			tn = tn.Alias
		}
		if tn.Kind != yaml.MappingNode {
			return nil, errAt(posOf(file, tn), "a task must be a mapping, got %s", kindName(tn))
		}
		nodes, err := l.parseTask(file, tn, parent, role, handler)
		if err != nil {
			return nil, err
		}
		out = append(out, nodes...)
	}
	return out, nil
}

func (l *Loader) parseKeywords(file string, n *yaml.Node, kw *Keywords) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i].Value, n.Content[i+1]
		def, ok := keywordAt(k, onShared)
		if !ok || def.set == nil && k != "when" && k != "vars" {
			continue
		}
		v, err := l.nodeValue(file, vn)
		if err != nil {
			return err
		}
		switch k {
		case "when":
			kw.When = condsAt(posOf(file, n.Content[i]), v)
		case "vars":
			switch vv := v.(type) {
			case *value.Map:
				kw.Vars = vv
			case nil:
			case []any: // old list-of-dicts form
				m := value.NewMap(len(vv))
				for _, e := range vv {
					if em, ok := e.(*value.Map); ok {
						em.Range(func(k string, v any) bool { m.Set(k, v); return true })
					}
				}
				kw.Vars = m
			default:
				return errAt(posOf(file, vn), "vars must be a mapping, got %s", kindName(vn))
			}
		case "module_defaults":
			kw.ModuleDefaults = value.Listify(v)
			groups, err := l.checkModuleDefaults(kw.ModuleDefaults)
			kw.ModuleDefaultGroups = groups
			if err != nil {
				return errAt(posOf(file, vn), "%v", err)
			}
		default:
			def.set(kw, v)
		}
	}
	return nil
}

func tagList(v any) []string {
	var out []string
	for _, e := range value.Listify(v) {
		for _, t := range strings.Split(value.String(e), ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// parseTask parses one entry of a task list: a block, or a task (static
// imports expand to the tasks they bring).
func (l *Loader) parseTask(file string, n *yaml.Node, parent *Block, role *RoleInstance, handler bool) ([]Node, error) {
	pos := posOf(file, n)
	if mapGet(n, "block") != nil {
		b, err := l.parseBlock(file, n, parent, role, handler)
		if err != nil {
			return nil, err
		}
		return []Node{b}, nil
	}
	if mapGet(n, "rescue") != nil || mapGet(n, "always") != nil {
		return nil, errAt(pos, "'rescue' and 'always' need a 'block'")
	}
	t := &Task{Pos: pos, Parent: parent, Role: role, Handler: handler}
	where := uint8(onTask)
	if handler {
		where = onHandler
	}
	if err := l.checkValues(file, n, where); err != nil {
		return nil, err
	}
	if err := l.parseKeywords(file, n, &t.Kw); err != nil {
		return nil, err
	}
	var actionKeys []*yaml.Node
	var argsNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		switch k := kn.Value; {
		case k == "args":
			argsNode = vn
		case k == "action" || k == "local_action":
			actionKeys = append(actionKeys, kn)
		case keywords[k] != nil:
			if _, ok := keywordAt(k, where); !ok {
				what := "Task"
				if handler {
					what = "Handler"
				}
				return nil, errAt(posOf(file, kn), "'%s' is not a valid attribute for a %s", k, what)
			}
			if err := l.taskKeyword(file, t, kn, vn); err != nil {
				return nil, err
			}
		case strings.HasPrefix(k, "with_"):
			if err := l.taskKeyword(file, t, kn, vn); err != nil {
				return nil, err
			}
		default:
			actionKeys = append(actionKeys, kn)
		}
	}
	if len(actionKeys) == 0 {
		return nil, errAt(pos, "no module/action detected in task")
	}
	if len(actionKeys) > 1 {
		names := make([]string, len(actionKeys))
		for i, a := range actionKeys {
			names[i] = a.Value
		}
		return nil, errAt(posOf(file, actionKeys[1]), "conflicting action statements: %s", strings.Join(names, ", "))
	}
	an := actionKeys[0]
	if err := l.setTaskAction(file, t, n, an); err != nil {
		return nil, err
	}
	if argsNode != nil {
		if err := l.mergeArgs(file, t, argsNode); err != nil {
			return nil, err
		}
	}
	return l.finishTask(file, t, an)
}

// parseBlock parses a block with its rescue and always sections.
func (l *Loader) parseBlock(file string, n *yaml.Node, parent *Block, role *RoleInstance, handler bool) (*Block, error) {
	if err := l.checkKeys(file, n, onBlock, nil, "block"); err != nil {
		return nil, err
	}
	b := &Block{Pos: posOf(file, n), Parent: parent, Role: role}
	if nn := mapGet(n, "name"); nn != nil {
		b.Name = nn.Value
	}
	if err := l.parseKeywords(file, n, &b.Kw); err != nil {
		return nil, err
	}
	var err error
	if b.Block, err = l.parseTaskList(file, mapGet(n, "block"), b, role, handler); err != nil {
		return nil, err
	}
	if rn := mapGet(n, "rescue"); rn != nil {
		if b.Rescue, err = l.parseTaskList(file, rn, b, role, handler); err != nil {
			return nil, err
		}
	}
	if an := mapGet(n, "always"); an != nil {
		if b.Always, err = l.parseTaskList(file, an, b, role, handler); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// taskKeyword reads one of a task's own keywords (name, loops, register,
// notify, conditions, retries...); the keywords tasks share with plays and
// blocks are parseKeywords'.
func (l *Loader) taskKeyword(file string, t *Task, kn, vn *yaml.Node) error {
	k := kn.Value
	switch {
	case k == "name":
		if vn.Kind != yaml.ScalarNode {
			return errAt(posOf(file, vn), "task name must be a string")
		}
		t.Name = vn.Value
		if vn.Tag == "!!null" {
			t.Name = ""
		}
		return nil
	case k == "register":
		t.Register = vn.Value
		return nil
	case k == "loop_control":
		return l.loopControl(file, t, vn)
	case k == "loop" || strings.HasPrefix(k, "with_"):
		if t.HasLoop {
			return errAt(posOf(file, kn), "only one of loop or with_ may be used on a task")
		}
		t.HasLoop = true
		if k != "loop" {
			t.LoopLookup = strings.TrimPrefix(k, "with_")
			if !knownLookups[templates.LookupName(t.LoopLookup)] && !templates.HasLookup(t.LoopLookup) {
				return errAt(posOf(file, kn), "unsupported loop lookup %q", k)
			}
		}
	}
	v, err := l.nodeValue(file, vn)
	if err != nil {
		return err
	}
	switch k {
	case "loop":
		t.Loop = v
	case "listen":
		t.Listen = nameList(v)
	case "changed_when":
		t.ChangedWhen, t.HasChanged = condsAt(posOf(file, kn), v), true
	case "failed_when":
		t.FailedWhen, t.HasFailed = condsAt(posOf(file, kn), v), true
	case "until":
		t.Until = condsAt(posOf(file, kn), v)
	case "retries":
		t.Retries = v
	case "delay":
		t.Delay = v
	case "async":
		t.Async = v
	case "poll":
		t.Poll = v
	default:
		if strings.HasPrefix(k, "with_") {
			t.Loop = v
		}
	}
	return nil
}

// loopControl reads a task's loop_control: a mapping of known options.
func (l *Loader) loopControl(file string, t *Task, vn *yaml.Node) error {
	v, err := l.nodeValue(file, vn)
	if err != nil {
		return err
	}
	m, ok := v.(*value.Map)
	if !ok {
		return errAt(posOf(file, vn), "loop_control must be a mapping")
	}
	for _, lk := range m.Keys() {
		switch lk {
		case "loop_var", "index_var", "label", "pause", "extended", "extended_allitems":
		default:
			return errAt(posOf(file, vn), "%q is not a valid attribute for loop_control", lk)
		}
	}
	t.LoopControl = m
	return nil
}

// mergeArgs adds a task's args: mapping to the arguments its action line
// gave; the action line wins.
func (l *Loader) mergeArgs(file string, t *Task, argsNode *yaml.Node) error {
	v, err := l.nodeValue(file, argsNode)
	if err != nil {
		return err
	}
	am, ok := v.(*value.Map)
	if !ok {
		if !value.Truthy(v) {
			return nil // (ansible ignores an empty args)
		}
		s, isStr := v.(string)
		switch {
		case !isStr:
			return errAt(posOf(file, argsNode), "Complex args must be a dictionary or variable string (\"{{var}}\").")
		case !templates.IsTemplate(s):
			return errAt(posOf(file, argsNode), "Complex args containing variables cannot use bare variables (without Jinja2 delimiters), and must use the full variable style ('{{var_name}}')")
		}
		if _, exists := t.Args.Get(VariableParams); !exists {
			t.Args.Set(VariableParams, s)
		}
		return nil
	}
	am.Range(func(k string, v any) bool {
		if _, exists := t.Args.Get(k); !exists {
			t.Args.Set(k, v)
		}
		return true
	})
	return nil
}

// setTaskAction resolves the task's action; a task's own `collections:`
// keyword replaces the play's for that (ansible's Task.preprocess_data).
func (l *Loader) setTaskAction(file string, t *Task, n, an *yaml.Node) error {
	if cn := mapGet(n, "collections"); cn != nil && cn.Kind == yaml.SequenceNode {
		saved := l.playCollections
		defer func() { l.playCollections = saved }()
		l.playCollections = nil
		for _, c := range cn.Content {
			l.playCollections = append(l.playCollections, c.Value)
		}
	}
	return l.setAction(file, t, an, mapGet(n, an.Value))
}
