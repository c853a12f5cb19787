package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
	"github.com/fjord-run/fjord/vault"
)

// loader turns YAML files into the model. Everything is loaded before any
// host is touched; every error names file:line:col.
type loader struct {
	extraVars *value.Map
	rolesPath []string
	// collectionsPath are the directories holding ansible_collections/;
	// playCollections the `collections:` keyword of the play being loaded.
	collectionsPath []string
	playCollections []string
	roles           map[string]*Role // by path
	depth           int
	fileCache       map[string]*yaml.Node
	playbookDir     string
	render          func(src string) (string, error) // templating with extra vars for static names
	// handlers of import_role'd roles, added to the play being parsed
	pendingHandlers []Node
	pendingRoles    []*RoleInstance
	vault           *vault.Secrets // opens vault-encrypted files; nil: none
}

var playKeys = setOf("hosts", "name", "vars", "vars_files", "vars_prompt", "gather_facts",
	"gather_subset", "gather_timeout", "fact_path", "pre_tasks", "roles", "tasks", "post_tasks",
	"handlers", "serial", "max_fail_percentage", "strategy", "force_handlers", "order",
	"collections", "debugger", "import_playbook")

var commonKeys = setOf("any_errors_fatal", "become", "become_exe", "become_flags", "become_method",
	"become_user", "check_mode", "collections", "connection", "debugger", "diff", "environment",
	"ignore_errors", "ignore_unreachable", "module_defaults", "name", "no_log", "port",
	"remote_user", "run_once", "tags", "throttle", "timeout", "vars", "when", "delegate_to",
	"delegate_facts")

var blockKeys = setOf("block", "rescue", "always")

// engine actions handled by the runner itself, not modules/.
var engineActions = setOf("debug", "set_fact", "assert", "fail", "meta", "pause",
	"include_vars", "include_tasks", "import_tasks", "include_role", "import_role",
	"include", "add_host", "group_by", "set_stats", "setup", "gather_facts",
	"wait_for_connection", "validate_argument_spec")

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, k := range s {
		m[k] = true
	}
	return m
}

// canonicalAction maps ansible.builtin.X / ansible.legacy.X to X for engine
// actions, and checks modules exist.
func canonicalAction(name string) (string, bool) {
	short := name
	for _, p := range []string{"ansible.builtin.", "ansible.legacy."} {
		if s, ok := strings.CutPrefix(name, p); ok {
			short = s
		}
	}
	if engineActions[short] {
		return short, true
	}
	if _, ok := modules.Lookup(name); ok {
		return name, true
	}
	return name, false
}

func (l *loader) readYAML(path string) (*yaml.Node, error) {
	if n, ok := l.fileCache[path]; ok {
		return n, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Pos: Pos{File: path}, Err: errors.Unwrap(err)}
	}
	if data, err = decryptIfVault(l.vault, data, path); err != nil {
		return nil, &Error{Pos: Pos{File: path}, Err: err}
	}
	doc, err := value.ParseYAML(data)
	if err != nil {
		return nil, yamlErr(path, err)
	}
	var n *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		n = doc.Content[0]
	}
	if l.fileCache == nil {
		l.fileCache = map[string]*yaml.Node{}
	}
	l.fileCache[path] = n
	return n, nil
}

// yamlErr positions a *value.YAMLError from reading path: a syntax error,
// or aliases that expand too far or into themselves.
func yamlErr(path string, err error) error {
	var ye *value.YAMLError
	if !errors.As(err, &ye) {
		return &Error{Pos: Pos{File: path}, Err: err}
	}
	msg := ye.Msg
	if ye.Syntax {
		msg = "YAML syntax error: " + msg
	}
	return &Error{Pos: Pos{File: path, Line: ye.Line, Col: ye.Col}, Err: &yamlCause{msg, ye}}
}

// yamlCause is the message of a *value.YAMLError without its position,
// which Error prints in front with the file; Unwrap keeps it for playExit.
type yamlCause struct {
	msg string
	err *value.YAMLError
}

func (e *yamlCause) Error() string { return e.msg }
func (e *yamlCause) Unwrap() error { return e.err }

func posOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Col: n.Column}
}

// loadPlaybook loads path and the playbooks it imports.
func (l *loader) loadPlaybook(path string) (*Playbook, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	pb := &Playbook{Path: abs, Dir: filepath.Dir(abs)}
	if err := l.loadPlaysInto(pb, abs); err != nil {
		return nil, err
	}
	return pb, nil
}

func (l *loader) loadPlaysInto(pb *Playbook, path string) error {
	l.depth++
	defer func() { l.depth-- }()
	root, err := l.readYAML(path)
	if err != nil {
		return err
	}
	if root == nil {
		return nil
	}
	if root.Kind != yaml.SequenceNode {
		return errAt(posOf(path, root), "a playbook must be a list of plays, got %s", kindName(root))
	}
	for _, pn := range root.Content {
		if pn.Kind != yaml.MappingNode {
			return errAt(posOf(path, pn), "a play must be a mapping, got %s", kindName(pn))
		}
		if key, ipn := importPlaybook(pn); ipn != nil {
			if err := l.checkKeys(path, pn, setOf(key, "name", "vars", "tags", "when"), nil, "import_playbook"); err != nil {
				return err
			}
			name, err := l.staticName(path, ipn)
			if err != nil {
				return err
			}
			if name == "" {
				// else the playbook's own directory would be read
				return errAt(posOf(path, pn), "playbook import parameter is missing")
			}
			target := name
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(path), target)
			}
			if l.depth >= 20 {
				return errAt(posOf(path, ipn), "import_playbook nested too deeply (loop?)")
			}
			before := len(pb.Plays)
			if err := l.loadPlaysInto(pb, target); err != nil {
				return err
			}
			// vars/tags/when on import_playbook apply to each imported play.
			var kw Keywords
			if err := l.parseKeywords(path, pn, &kw); err != nil {
				return err
			}
			for _, p := range pb.Plays[before:] {
				p.Kw.Tags = append(append([]string(nil), kw.Tags...), p.Kw.Tags...)
				p.Kw.When = append(append([]any(nil), kw.When...), p.Kw.When...)
				if kw.Vars != nil {
					merged := kw.Vars.Clone()
					p.Kw.Vars.Range(func(k string, v any) bool { merged.Set(k, v); return true })
					p.Kw.Vars = merged
				}
			}
			continue
		}
		p, err := l.parsePlay(path, pn)
		if err != nil {
			return err
		}
		p.Playbook = pb
		pb.Plays = append(pb.Plays, p)
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// importPlaybook finds a play entry's import_playbook, under its short
// name or its FQCN (ansible.builtin.import_playbook, as ansible-lint asks).
func importPlaybook(pn *yaml.Node) (string, *yaml.Node) {
	for _, k := range []string{"import_playbook", "ansible.builtin.import_playbook", "ansible.legacy.import_playbook"} {
		if n := mapGet(pn, k); n != nil {
			return k, n
		}
	}
	return "", nil
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// checkKeys rejects keys that are not in any of the allowed sets.
func (l *loader) checkKeys(file string, n *yaml.Node, allowed map[string]bool, more map[string]bool, what string) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if seen[k] {
			return errAt(posOf(file, n.Content[i]), "duplicate key %q in %s", k, what)
		}
		seen[k] = true
		if allowed[k] || commonKeys[k] || (more != nil && more[k]) {
			continue
		}
		return errAt(posOf(file, n.Content[i]), "%q is not a valid attribute for a %s", k, what)
	}
	return nil
}

func (l *loader) staticName(file string, n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errAt(posOf(file, n), "expected a file name, got %s", kindName(n))
	}
	s := n.Value
	if strings.Contains(s, "{{") && l.render != nil {
		r, err := l.render(s)
		if err != nil {
			return "", errAt(posOf(file, n), "%v", err)
		}
		s = r
	}
	return s, nil
}

func (l *loader) nodeValue(file string, n *yaml.Node) (any, error) {
	v, err := value.FromNode(n)
	if err != nil {
		return nil, yamlErr(file, err)
	}
	return v, nil
}

func (l *loader) parsePlay(file string, n *yaml.Node) (*Play, error) {
	if err := l.checkKeys(file, n, playKeys, nil, "play"); err != nil {
		return nil, err
	}
	p := &Play{Pos: posOf(file, n), Dir: filepath.Dir(file), Strategy: "linear"}
	l.pendingHandlers, l.pendingRoles, l.playCollections = nil, nil, nil
	if cn := mapGet(n, "collections"); cn != nil {
		cv, err := l.nodeValue(file, cn)
		if err != nil {
			return nil, err
		}
		for _, c := range asList(cv) {
			l.playCollections = append(l.playCollections, value.String(c))
		}
		p.Collections = l.playCollections
	}
	if err := l.parseKeywords(file, n, &p.Kw); err != nil {
		return nil, err
	}
	if p.Kw.Vars == nil {
		p.Kw.Vars = value.NewMap(0)
	}
	hn := mapGet(n, "hosts")
	if hn == nil {
		return nil, errAt(p.Pos, "the field 'hosts' is required but was not set")
	}
	hv, err := l.nodeValue(file, hn)
	if err != nil {
		return nil, err
	}
	switch hv := hv.(type) {
	case []any:
		parts := make([]string, len(hv))
		for i, e := range hv {
			parts[i] = value.String(e)
		}
		p.Hosts = strings.Join(parts, ",")
	case nil:
		return nil, errAt(posOf(file, hn), "hosts list cannot be empty")
	default:
		p.Hosts = value.String(hv)
	}
	if nn := mapGet(n, "name"); nn != nil {
		p.Name = nn.Value
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i].Value, n.Content[i+1]
		switch k {
		case "vars_files":
			v, err := l.nodeValue(file, vn)
			if err != nil {
				return nil, err
			}
			switch v := v.(type) {
			case []any:
				p.VarsFiles = v
			case nil:
			default:
				p.VarsFiles = []any{v}
			}
		case "gather_facts":
			p.GatherFacts, _ = l.nodeValue(file, vn)
		case "serial":
			v, _ := l.nodeValue(file, vn)
			if l, ok := v.([]any); ok {
				p.Serial = l
			} else if v != nil {
				p.Serial = []any{v}
			}
		case "max_fail_percentage":
			p.MaxFailPct, _ = l.nodeValue(file, vn)
		case "strategy":
			p.Strategy = vn.Value
			if p.Strategy != "linear" && p.Strategy != "free" && p.Strategy != "ansible.builtin.linear" && p.Strategy != "ansible.builtin.free" && !strings.Contains(p.Strategy, "{{") {
				return nil, errAt(posOf(file, vn), "invalid play strategy specified: %s", vn.Value)
			}
			p.Strategy = strings.TrimPrefix(p.Strategy, "ansible.builtin.")
		case "vars_prompt":
			v, err := l.nodeValue(file, vn)
			if err != nil {
				return nil, err
			}
			for _, e := range asList(v) {
				m, ok := e.(*value.Map)
				if !ok {
					return nil, errAt(posOf(file, vn), "vars_prompt entries must be mappings")
				}
				if _, ok := m.Get("name"); !ok {
					return nil, errAt(posOf(file, vn), "vars_prompt entries need a name")
				}
				p.VarsPrompt = append(p.VarsPrompt, m)
			}
		case "force_handlers":
			v, _ := l.nodeValue(file, vn)
			p.Force = value.Bool(v)
		case "order":
			p.Order = vn.Value
		}
	}
	var err2 error
	section := func(key string) []Node {
		sn := mapGet(n, key)
		if sn == nil || err2 != nil {
			return nil
		}
		nodes, err := l.parseTaskList(file, sn, nil, nil, key == "handlers")
		if err != nil {
			err2 = err
		}
		return nodes
	}
	p.PreTasks = section("pre_tasks")
	if rn := mapGet(n, "roles"); rn != nil {
		roles, err := l.parsePlayRoles(file, rn, p)
		if err != nil {
			return nil, err
		}
		p.Roles = roles
	}
	tasks := section("tasks")
	p.PostTasks = section("post_tasks")
	handlers := section("handlers")
	imported := l.pendingHandlers
	l.pendingHandlers = nil
	p.Exposed = l.pendingRoles
	l.pendingRoles = nil
	if err2 != nil {
		return nil, err2
	}
	// roles: run before tasks:, each as an implicit block; their handlers
	// come before the play's.
	seen := map[string]bool{}
	for _, ri := range p.Roles {
		l.appendRoleRun(ri, &p.Tasks, &p.Handlers, seen)
	}
	p.Tasks = append(p.Tasks, tasks...)
	p.Handlers = append(p.Handlers, imported...)
	p.Handlers = append(p.Handlers, handlers...)
	setPlay(p, p.PreTasks)
	setPlay(p, p.Tasks)
	setPlay(p, p.PostTasks)
	setPlay(p, p.Handlers)
	return p, nil
}

func setPlay(p *Play, nodes []Node) {
	for _, n := range nodes {
		switch n := n.(type) {
		case *Task:
			n.play = p
		case *Block:
			n.play = p
			setPlay(p, n.Block)
			setPlay(p, n.Rescue)
			setPlay(p, n.Always)
		}
	}
}

// roleKey identifies a role use for de-duplication: same role, same params.
func roleKey(ri *RoleInstance) string {
	b, _ := ri.Params.MarshalJSON()
	return ri.Role.Path + "\x00" + string(b) + "\x00" + fmt.Sprint(ri.From)
}

// appendRoleRun adds a role's dependency chain then its own tasks as
// implicit blocks, running each distinct role use once per play.
func (l *loader) appendRoleRun(ri *RoleInstance, tasks *[]Node, handlers *[]Node, seen map[string]bool) {
	for _, dep := range ri.deps() {
		l.appendRoleRun(dep, tasks, handlers, seen)
	}
	key := roleKey(ri)
	if seen[key] && !ri.Role.allowDup {
		return
	}
	seen[key] = true
	blk := &Block{Pos: Pos{File: ri.Role.Path}, Block: ri.Tasks, Implicit: true, Role: ri, Kw: ri.Kw}
	for _, n := range ri.Tasks {
		setParent(n, blk)
	}
	*tasks = append(*tasks, blk)
	// A role's handlers join the play once, from its first use, however
	// many times the role runs with other params (as ansible-core does).
	if len(ri.Handlers) > 0 && !seen["handlers\x00"+ri.Role.Path] {
		seen["handlers\x00"+ri.Role.Path] = true
		hb := &Block{Pos: Pos{File: ri.Role.Path}, Block: ri.Handlers, Implicit: true, Role: ri}
		for _, n := range ri.Handlers {
			setParent(n, hb)
		}
		*handlers = append(*handlers, hb)
	}
}

func setParent(n Node, b *Block) {
	switch n := n.(type) {
	case *Task:
		n.Parent = b
	case *Block:
		n.Parent = b
	}
}

// parseTaskList parses a list of tasks/blocks.
func (l *loader) parseTaskList(file string, n *yaml.Node, parent *Block, role *RoleInstance, handler bool) ([]Node, error) {
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

func (l *loader) parseKeywords(file string, n *yaml.Node, kw *Keywords) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i].Value, n.Content[i+1]
		if !commonKeys[k] || k == "name" {
			continue
		}
		v, err := l.nodeValue(file, vn)
		if err != nil {
			return err
		}
		switch k {
		case "when":
			kw.When = condsAt(posOf(file, n.Content[i]), v)
		case "tags":
			kw.Tags = tagList(v)
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
		case "become":
			kw.Become = v
		case "become_user":
			kw.BecomeUser = v
		case "become_method":
			kw.BecomeMethod = v
		case "become_flags":
			kw.BecomeFlags = v
		case "become_exe":
			kw.BecomeExe = v
		case "check_mode":
			kw.CheckMode = v
		case "diff":
			kw.Diff = v
		case "ignore_errors":
			kw.IgnoreErrors = v
		case "ignore_unreachable":
			kw.IgnoreUnreachable = v
		case "no_log":
			kw.NoLog = v
		case "any_errors_fatal":
			kw.AnyErrorsFatal = v
		case "run_once":
			kw.RunOnce = v
		case "environment":
			kw.Environment = asList(v)
		case "remote_user":
			kw.RemoteUser = v
		case "connection":
			kw.Connection = v
		case "delegate_to":
			kw.DelegateTo = v
		case "delegate_facts":
			kw.DelegateFacts = v
		case "module_defaults":
			kw.ModuleDefaults = asList(v)
			if err := checkModuleDefaults(kw.ModuleDefaults); err != nil {
				return errAt(posOf(file, vn), "%v", err)
			}
		case "port":
			kw.Port = v
		case "throttle":
			kw.Throttle = v
		case "timeout":
			kw.Timeout = v
		}
	}
	return nil
}

func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

func tagList(v any) []string {
	var out []string
	for _, e := range asList(v) {
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
func (l *loader) parseTask(file string, n *yaml.Node, parent *Block, role *RoleInstance, handler bool) ([]Node, error) {
	pos := posOf(file, n)
	if mapGet(n, "block") != nil {
		if err := l.checkKeys(file, n, blockKeys, nil, "block"); err != nil {
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
			for _, e := range asList(v) {
				t.Notify = append(t.Notify, value.String(e))
			}
		case k == "listen":
			v, _ := l.nodeValue(file, vn)
			for _, e := range asList(v) {
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
		case commonKeys[k]:
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

// setAction resolves the module name and arguments of a task.
func (l *loader) setAction(file string, t *Task, kn, vn *yaml.Node) error {
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
			mod, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
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
	canon, ok := canonicalAction(name)
	if !ok {
		return errAt(posOf(file, kn), "couldn't resolve module/action '%s'. This often indicates a misspelling, missing collection, or incorrect module path.", name)
	}
	t.Action = canon
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
	"include":       setOf(),
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
		raw, kv, err := splitFreeForm(s, opts)
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
	kv, rest, err := parseKV(s)
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
	"inventory_hostnames", "cartesian", "env", "template", "pipe", "vars", "community.general.cartesian")

// finishTask validates module args and expands static imports.
func (l *loader) finishTask(file string, t *Task, an *yaml.Node) ([]Node, error) {
	switch t.Action {
	case "import_tasks":
		return l.expandImportTasks(file, t)
	case "import_role":
		return l.expandImportRole(file, t)
	case "include":
		return nil, errAt(t.Pos, "'include' was removed from Ansible; use include_tasks or import_tasks")
	}
	if engineActions[t.Action] {
		return []Node{t}, checkEngineArgs(t)
	}
	info, _ := modules.Lookup(t.Action)
	if !info.Raw {
		keys := make([]string, 0, t.Args.Len())
		for _, k := range t.Args.Keys() {
			if k == "_raw_params" && info.FreeForm != "" {
				continue
			}
			keys = append(keys, k)
		}
		if _, ok := t.Args.Get("_raw_params"); ok && info.FreeForm == "" {
			return nil, errAt(t.Pos, "%s does not take free-form arguments: use key=value or a mapping", t.Action)
		}
		if err := modules.CheckArgs(info, keys); err != nil {
			return nil, errAt(t.Pos, "%v", err)
		}
	}
	return []Node{t}, nil
}

func checkEngineArgs(t *Task) error {
	allowed := map[string][]string{
		"debug":         {"msg", "var", "verbosity"},
		"set_fact":      nil,
		"assert":        {"that", "fail_msg", "msg", "success_msg", "quiet"},
		"fail":          {"msg"},
		"meta":          {"_raw_params"},
		"pause":         {"seconds", "minutes", "prompt", "echo"},
		"include_vars":  {"_raw_params", "file", "dir", "name", "depth", "files_matching", "ignore_files", "extensions", "ignore_unknown_extensions", "hash_behaviour"},
		"include_tasks": {"_raw_params", "file", "apply"},
		"include_role":  {"name", "tasks_from", "vars_from", "defaults_from", "handlers_from", "apply", "public", "allow_duplicates", "rolespec_validate"},
		"add_host":      nil,
		"group_by":      {"key", "parents"},
		"set_stats":     {"data", "per_host", "aggregate"},
		"setup":         {"gather_subset", "filter", "gather_timeout", "fact_path"},
		"gather_facts":  {"parallel"},
	}
	keys, ok := allowed[t.Action]
	if !ok || keys == nil {
		return nil
	}
	okSet := setOf(keys...)
	var bad []string
	for _, k := range t.Args.Keys() {
		if !okSet[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		sort.Strings(keys)
		return errAt(t.Pos, "Unsupported parameters for (%s) module: %s. Supported parameters include: %s.", t.Action, strings.Join(bad, ", "), strings.Join(keys, ", "))
	}
	if t.Action == "meta" {
		raw, _ := t.Args.Get("_raw_params")
		switch value.String(raw) {
		case "flush_handlers", "end_play", "end_host", "end_batch", "noop", "clear_host_errors", "clear_facts", "refresh_inventory", "reset_connection", "role_complete":
		default:
			return errAt(t.Pos, "invalid meta action requested: %s", value.String(raw))
		}
	}
	return nil
}

// resolveTaskFile finds a tasks file named in an import/include.
func (l *loader) resolveTaskFile(from Pos, role *RoleInstance, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	var cands []string
	if role != nil {
		cands = append(cands, filepath.Join(role.Role.Path, "tasks", name))
	}
	cands = append(cands, filepath.Join(filepath.Dir(from.File), name))
	if l.playbookDir != "" {
		cands = append(cands, filepath.Join(l.playbookDir, name))
	}
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", notFoundAt(from, "could not find or access '%s'", name)
}

func (l *loader) expandImportTasks(file string, t *Task) ([]Node, error) {
	raw, ok := t.Args.Get("_raw_params")
	if !ok {
		raw, ok = t.Args.Get("file")
	}
	if !ok {
		return nil, errAt(t.Pos, "import_tasks needs a file name")
	}
	name := value.String(raw)
	if strings.Contains(name, "{{") && l.render != nil {
		r, err := l.render(name)
		if err != nil {
			return nil, errAt(t.Pos, "%v", err)
		}
		name = r
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

// checkModuleDefaults checks module_defaults as Ansible does when it
// loads a play: a dictionary (or list of them) of known module names or
// action groups. No builtin module belongs to an action group, so every
// group/ entry names one that cannot be resolved.
func checkModuleDefaults(list []any) error {
	for _, d := range list {
		m, ok := d.(*value.Map)
		if !ok {
			return fmt.Errorf("module_defaults must be a dictionary or a list of dictionaries")
		}
		for _, k := range m.Keys() {
			if g, ok := strings.CutPrefix(k, "group/"); ok {
				if !strings.Contains(g, ".") {
					g = "ansible.builtin." + g
				}
				return fmt.Errorf("error loading module_defaults: could not resolve the module_defaults group %s", g)
			}
			if _, ok := canonicalAction(k); !ok {
				return fmt.Errorf("could not resolve action %s in module_defaults", k)
			}
		}
	}
	return nil
}
