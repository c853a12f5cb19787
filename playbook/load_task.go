package playbook

import (
	"strings"

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
			if err := checkModuleDefaults(kw.ModuleDefaults); err != nil {
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

// parseTask parses one task mapping: a block, a static import (expanded
// here), or a task.
func (l *Loader) parseTask(file string, n *yaml.Node, parent *Block, role *RoleInstance, handler bool) ([]Node, error) {
	pos := posOf(file, n)
	if mapGet(n, "block") != nil {
		if err := l.checkKeys(file, n, onBlock, nil, "block"); err != nil {
			return nil, err
		}
		b := &Block{Pos: pos, Parent: parent, Role: role}
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
		k := kn.Value
		switch {
		case k == "name":
			if vn.Kind != yaml.ScalarNode {
				return nil, errAt(posOf(file, vn), "task name must be a string")
			}
			t.Name = vn.Value
			if vn.Tag == "!!null" {
				t.Name = ""
			}
		case strings.HasPrefix(k, "with_"):
			if t.HasLoop {
				return nil, errAt(posOf(file, kn), "only one of loop or with_ may be used on a task")
			}
			t.HasLoop = true
			t.LoopLookup = strings.TrimPrefix(k, "with_")
			if !knownLookups[t.LoopLookup] {
				return nil, errAt(posOf(file, kn), "unsupported loop lookup %q", k)
			}
			v, err := l.nodeValue(file, vn)
			if err != nil {
				return nil, err
			}
			t.Loop = v
		case k == "loop":
			if t.HasLoop {
				return nil, errAt(posOf(file, kn), "only one of loop or with_ may be used on a task")
			}
			t.HasLoop = true
			v, err := l.nodeValue(file, vn)
			if err != nil {
				return nil, err
			}
			t.Loop = v
		case k == "loop_control":
			v, err := l.nodeValue(file, vn)
			if err != nil {
				return nil, err
			}
			m, ok := v.(*value.Map)
			if !ok {
				return nil, errAt(posOf(file, vn), "loop_control must be a mapping")
			}
			for _, lk := range m.Keys() {
				switch lk {
				case "loop_var", "index_var", "label", "pause", "extended", "extended_allitems":
				default:
					return nil, errAt(posOf(file, vn), "%q is not a valid attribute for loop_control", lk)
				}
			}
			t.LoopControl = m
		case k == "register":
			t.Register = vn.Value
		case k == "notify":
			v, _ := l.nodeValue(file, vn)
			for _, e := range value.Listify(v) {
				t.Notify = append(t.Notify, value.String(e))
			}
		case k == "listen" && handler:
			v, _ := l.nodeValue(file, vn)
			for _, e := range value.Listify(v) {
				t.Listen = append(t.Listen, value.String(e))
			}
		case k == "changed_when":
			v, _ := l.nodeValue(file, vn)
			t.ChangedWhen, t.HasChanged = condsAt(posOf(file, kn), v), true
		case k == "failed_when":
			v, _ := l.nodeValue(file, vn)
			t.FailedWhen, t.HasFailed = condsAt(posOf(file, kn), v), true
		case k == "until":
			v, _ := l.nodeValue(file, vn)
			t.Until = condsAt(posOf(file, kn), v)
		case k == "retries":
			t.Retries, _ = l.nodeValue(file, vn)
		case k == "delay":
			t.Delay, _ = l.nodeValue(file, vn)
		case k == "args":
			argsNode = vn
		case k == "async", k == "poll":
			v, _ := l.nodeValue(file, vn)
			if k == "async" && v != nil && value.String(v) != "0" {
				return nil, errAt(posOf(file, kn), "async is not supported by fjord yet")
			}
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
	vn := mapGet(n, an.Value)
	if err := l.setAction(file, t, an, vn); err != nil {
		return nil, err
	}
	if argsNode != nil {
		v, err := l.nodeValue(file, argsNode)
		if err != nil {
			return nil, err
		}
		am, ok := v.(*value.Map)
		if !ok {
			return nil, errAt(posOf(file, argsNode), "args must be a mapping")
		}
		am.Range(func(k string, v any) bool {
			if _, exists := t.Args.Get(k); !exists {
				t.Args.Set(k, v)
			}
			return true
		})
	}
	if handler && t.Name == "" && len(t.Listen) == 0 {
		// Ansible allows it, but such a handler can only be reached by
		// its action name; keep it.
	}
	return l.finishTask(file, t, an)
}
