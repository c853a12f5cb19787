package playbook

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/value"
	"gopkg.in/yaml.v3"
)

// Plays: their keywords, roles and sections, as the loader reads them.

func (l *Loader) parsePlay(file string, n *yaml.Node) (*Play, error) {
	if err := l.checkKeys(file, n, onPlay, nil, "play"); err != nil {
		return nil, err
	}
	p := &Play{Pos: posOf(file, n), Dir: filepath.Dir(file), Strategy: "linear", roleRuns: newRoleRuns()}
	l.pendingHandlers, l.pendingRoles, l.playCollections, l.groupCache = nil, nil, nil, nil
	l.roleRuns = p.roleRuns
	if cn := mapGet(n, "collections"); cn != nil {
		cv, err := l.nodeValue(file, cn)
		if err != nil {
			return nil, err
		}
		for _, c := range value.Listify(cv) {
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
	if l.importVars != nil {
		l.importVars.Range(func(k string, v any) bool { p.Kw.Vars.Set(k, v); return true })
	}
	l.playVars = p.Kw.Vars
	if err := l.playHosts(file, n, p); err != nil {
		return nil, err
	}
	if nn := mapGet(n, "name"); nn != nil {
		p.Name = nn.Value
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if err := l.playKeyword(file, p, n.Content[i].Value, n.Content[i+1]); err != nil {
			return nil, err
		}
	}
	if err := l.playSections(file, n, p); err != nil {
		return nil, err
	}
	return p, nil
}

// playHosts reads a play's hosts: a pattern, or a list joined as one.
func (l *Loader) playHosts(file string, n *yaml.Node, p *Play) error {
	hn := mapGet(n, "hosts")
	if hn == nil {
		return errAt(p.Pos, "the field 'hosts' is required but was not set")
	}
	hv, err := l.nodeValue(file, hn)
	if err != nil {
		return err
	}
	switch hv := hv.(type) {
	case []any:
		parts := make([]string, len(hv))
		for i, e := range hv {
			parts[i] = value.String(e)
		}
		p.Hosts = strings.Join(parts, ",")
	case nil:
		return errAt(posOf(file, hn), "hosts list cannot be empty")
	default:
		p.Hosts = value.String(hv)
	}
	return nil
}

// playKeyword reads one of a play's own keywords (vars_files, serial,
// strategy...); the keywords it shares with blocks and tasks are
// parseKeywords'.
func (l *Loader) playKeyword(file string, p *Play, k string, vn *yaml.Node) error {
	switch k {
	case "strategy":
		p.Strategy = strings.TrimPrefix(vn.Value, "ansible.builtin.")
		if !KnownStrategy(p.Strategy) && !strings.Contains(p.Strategy, "{{") {
			return errAt(posOf(file, vn), "invalid play strategy specified: %s", vn.Value)
		}
		return nil
	case "order":
		p.Order = vn.Value
		return nil
	case "vars_files", "gather_facts", "serial", "max_fail_percentage", "vars_prompt", "force_handlers":
	default:
		return nil
	}
	v, err := l.nodeValue(file, vn)
	if err != nil {
		return err
	}
	switch k {
	case "vars_files":
		p.VarsFiles = value.Listify(v)
	case "gather_facts":
		p.GatherFacts = v
	case "serial":
		p.Serial = value.Listify(v)
	case "max_fail_percentage":
		p.MaxFailPct = v
	case "force_handlers":
		p.Force = value.Bool(v)
	case "vars_prompt":
		for _, e := range value.Listify(v) {
			m, ok := e.(*value.Map)
			if !ok {
				return errAt(posOf(file, vn), "vars_prompt entries must be mappings")
			}
			if _, ok := m.Get("name"); !ok {
				return errAt(posOf(file, vn), "vars_prompt entries need a name")
			}
			p.VarsPrompt = append(p.VarsPrompt, m)
		}
	}
	return nil
}

// playSections reads a play's task lists and roles: roles run before
// tasks:, each as an implicit block, and their handlers come before the
// play's.
func (l *Loader) playSections(file string, n *yaml.Node, p *Play) error {
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
	// the sections are read in the order they run, so a role use runs
	// once, where it first runs (a pre_tasks import_role's dependency
	// before roles:, roles: before an import_role's in tasks:)
	p.PreTasks = section("pre_tasks")
	if rn := mapGet(n, "roles"); rn != nil {
		roles, err := l.parsePlayRoles(file, rn, p)
		if err != nil {
			return err
		}
		p.Roles = roles
	}
	for _, ri := range p.Roles {
		l.appendRoleRun(ri, &p.Tasks, &p.Handlers, p.roleRuns)
	}
	tasks := section("tasks")
	p.PostTasks = section("post_tasks")
	handlers := section("handlers")
	imported := l.pendingHandlers
	l.pendingHandlers = nil
	p.Exposed = l.pendingRoles
	l.pendingRoles = nil
	if err2 != nil {
		return err2
	}
	p.Tasks = append(p.Tasks, tasks...)
	p.Handlers = append(p.Handlers, imported...)
	p.Handlers = append(p.Handlers, handlers...)
	SetPlay(p, p.PreTasks)
	SetPlay(p, p.Tasks)
	SetPlay(p, p.PostTasks)
	SetPlay(p, p.Handlers)
	return nil
}

// SetPlay links nodes, and the tasks of blocks among them, to play p
// (a task's search paths and keyword chain end at its play).
func SetPlay(p *Play, nodes []Node) {
	for _, n := range nodes {
		switch n := n.(type) {
		case *Task:
			n.Play = p
		case *Block:
			SetPlay(p, n.Block)
			SetPlay(p, n.Rescue)
			SetPlay(p, n.Always)
		}
	}
}

// roleKey identifies a role use for de-duplication: same role, same params.
func roleKey(ri *RoleInstance) string {
	b, _ := ri.Params.MarshalJSON()
	return ri.Role.Path + "\x00" + string(b) + "\x00" + fmt.Sprint(ri.From)
}

// appendRoleRun adds a role's dependency chain then its own tasks as
// implicit blocks, running each distinct role use once per play, and the
// handlers of each use.
func (l *Loader) appendRoleRun(ri *RoleInstance, tasks *[]Node, handlers *[]Node, runs *roleRuns) {
	for _, dep := range ri.Deps() {
		l.appendRoleRun(dep, tasks, handlers, runs)
	}
	key := roleKey(ri)
	hkey := key
	if ri.Included {
		vb, _ := ri.Vars.MarshalJSON()
		hkey += "\x00included\x00" + string(vb)
	}
	hb := runs.handlers[hkey]
	if hb == nil && len(ri.Handlers) > 0 {
		hb = &Block{Pos: Pos{File: ri.Role.Path}, Block: ri.Handlers, Implicit: true, Role: ri}
		for _, n := range ri.Handlers {
			setParent(n, hb)
		}
		runs.handlers[hkey] = hb
	}
	if hb != nil {
		*handlers = append(*handlers, hb)
	}
	// import_role and include_role run their role again (their
	// allow_duplicates defaults to true); a roles: entry or a dependency
	// runs once per play with the same params unless the role allows
	// duplicates (ansible's Role.has_run).
	if runs.seen[key] && !ri.Role.allowDup && !ri.Included {
		return
	}
	runs.seen[key] = true
	blk := &Block{Pos: Pos{File: ri.Role.Path}, Block: ri.Tasks, Implicit: true, Role: ri, Kw: ri.Kw}
	for _, n := range ri.Tasks {
		setParent(n, blk)
	}
	*tasks = append(*tasks, blk)
}

func setParent(n Node, b *Block) {
	switch n := n.(type) {
	case *Task:
		n.Parent = b
	case *Block:
		n.Parent = b
	}
}

// KnownStrategy says whether name (without ansible.builtin.) is one of
// ansible-core's strategies: linear, free, host_pinned (free with each
// host kept on one worker until it is done, as fjord's free runs anyway)
// and debug (linear, its debugger aside).
func KnownStrategy(name string) bool {
	switch name {
	case "linear", "free", "host_pinned", "debug":
		return true
	}
	return false
}
