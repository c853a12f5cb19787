package runner

import (
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/value"
)

func randHex(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// roleChain lists a role use and its parents, root first.
func roleChain(ri *playbook.RoleInstance) []*playbook.RoleInstance {
	var out []*playbook.RoleInstance
	for ; ri != nil; ri = ri.Parent {
		out = append(out, ri)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// playMagic is the part of the magic variables shared by every task of a
// play batch on one host.
func (r *run) playMagic(pr *playRun, h *hostState) *value.Map {
	m := value.NewMap(24)
	m.Set("inventory_hostname", h.name)
	short, _, _ := strings.Cut(h.name, ".")
	m.Set("inventory_hostname_short", short)
	gn := h.inv.GroupNames()
	gl := make([]any, len(gn))
	for i, g := range gn {
		gl[i] = g
	}
	m.Set("group_names", gl)
	if pr != nil {
		sh := pr.shared
		m.Set("groups", sh.groups)
		m.Set("hostvars", &hostvarsView{r: r, play: pr})
		m.Set("ansible_play_hosts_all", sh.all)
		m.Set("ansible_play_hosts", sh.act)
		m.Set("play_hosts", sh.act)
		m.Set("ansible_play_batch", sh.batch)
		name := pr.play.Name
		m.Set("ansible_play_name", name)
		m.Set("playbook_dir", pr.play.Dir)
		m.Set("ansible_check_mode", pr.check)
		m.Set("ansible_diff_mode", pr.diff)
	} else {
		m.Set("groups", r.inv.GroupsMap())
		m.Set("playbook_dir", r.pbDir)
	}
	m.Set("omit", r.omit)
	m.Set("ansible_version", ansibleVersion())
	m.Set("ansible_run_tags", strList(r.o.Tags, "all"))
	m.Set("ansible_skip_tags", strList(r.o.SkipTags, ""))
	m.Set("ansible_verbosity", r.o.Verbosity)
	m.Set("ansible_forks", r.o.Forks)
	m.Set("ansible_playbook_python", "/usr/bin/python3")
	m.Set("ansible_config_file", nil)
	m.Set("ansible_inventory_sources", r.invSources)
	if inv, ok := h.invVars.Get("inventory_dir"); ok {
		m.Set("inventory_dir", inv)
	}
	if inv, ok := h.invVars.Get("inventory_file"); ok {
		m.Set("inventory_file", inv)
	}
	return m
}

func strList(s []string, def string) []any {
	out := []any{}
	for _, e := range s {
		out = append(out, e)
	}
	if len(out) == 0 && def != "" {
		out = append(out, def)
	}
	return out
}

func ansibleVersion() *value.Map {
	return value.MapOf("full", "2.14.18", "major", 2, "minor", 14, "revision", 18, "string", "2.14.18")
}

// newScope builds the variable layers for host h and task t (nil t: the
// host's variables without task context, as hostvars shows them).
func (r *run) newScope(pr *playRun, h *hostState, t *playbook.Task, loopVars *value.Map) *scope {
	invVars, facts, incl, set := h.snapshot()
	layers := make([]*value.Map, 0, 20)
	var roleDefs, roleVars *value.Map
	if t != nil {
		// a task sees its connection's address as ansible_host when
		// nothing set it (ansible's Connection.update_vars); hostvars not.
		layers = append(layers, value.MapOf("ansible_host", h.name))
	}
	if pr != nil {
		roleDefs, roleVars = pr.roleLayers()
		layers = append(layers, roleDefs)
	}
	var chain []*playbook.RoleInstance
	if t != nil {
		chain = roleChain(t.Role)
		for _, ri := range chain {
			layers = append(layers, ri.Role.Defaults)
			if ri.Defaults != nil {
				layers = append(layers, ri.Defaults)
			}
		}
	}
	layers = append(layers, invVars, factVars(facts, h.bareFacts()))
	if pr != nil {
		layers = append(layers, pr.play.Kw.Vars)
		if vf := r.varsFilesFor(pr, h); vf != nil {
			layers = append(layers, vf)
		}
		layers = append(layers, roleVars)
	}
	var incParams []*value.Map
	if t != nil {
		for _, ri := range chain {
			layers = append(layers, ri.Role.Vars)
			if ri.Vars != nil {
				layers = append(layers, ri.Vars)
			}
		}
		var blockVars []*value.Map
		blockVars, incParams = blockLayers(t)
		layers = append(layers, blockVars...)
		if t.Kw.Vars != nil {
			layers = append(layers, t.Kw.Vars)
		}
	}
	layers = append(layers, incl, set)
	if h.failedTask != nil {
		layers = append(layers, value.MapOf("ansible_failed_task", h.failedTask, "ansible_failed_result", h.failedResult))
	}
	for _, ri := range chain {
		layers = append(layers, ri.Params)
	}
	layers = append(layers, incParams...)
	layers = append(layers, r.extraVars)
	var magic *value.Map
	if pr != nil {
		magic = pr.magicFor(r, h)
	} else {
		magic = r.playMagic(nil, h)
	}
	layers = append(layers, magic)
	if t != nil {
		layers = append(layers, roleMagic(t, r.pbDir))
	}
	if loopVars != nil {
		layers = append(layers, loopVars)
	}
	sc := &scope{r: r, layers: layers}
	if t != nil {
		sc.search = func(kind string) []string { return t.SearchDirs(r.pbDir, kind) }
	} else {
		sc.search = func(kind string) []string { return []string{filepath.Join(r.pbDir, kind), r.pbDir} }
	}
	if pr != nil {
		sc.check, sc.diff = pr.check, pr.diff
	}
	if t != nil && pr != nil {
		sc.delegatedVars(pr, t)
	}
	return sc
}

// delegatedVars adds ansible_delegated_vars when t is delegated: the
// delegated host's name and its variables (hostvars' view of it), as
// ansible's variable manager gives a delegated task.
func (sc *scope) delegatedVars(pr *playRun, t *playbook.Task) {
	d := firstKw(t, pr.play, func(k playbook.Keywords) any { return k.DelegateTo })
	if d == nil {
		return
	}
	name, err := sc.renderString(d)
	if err != nil || name == "" {
		return
	}
	var hv any = value.MapOf("inventory_hostname", name, "ansible_host", name)
	if dh := sc.r.hostState(name); dh != nil {
		hv = &hostView{r: sc.r, play: pr, h: dh}
	}
	sc.layers = append(sc.layers, value.MapOf("ansible_delegated_vars", value.MapOf(name, hv)))
}

// blockLayers are the vars of t's enclosing blocks, outermost first, and
// the params of the includes among them.
func blockLayers(t *playbook.Task) (vars, includeParams []*value.Map) {
	var blocks []*playbook.Block
	for b := t.Parent; b != nil; b = b.Parent {
		blocks = append(blocks, b)
	}
	for i := len(blocks) - 1; i >= 0; i-- {
		if blocks[i].Kw.Vars != nil {
			vars = append(vars, blocks[i].Kw.Vars)
		}
		if blocks[i].IncludeParams != nil {
			includeParams = append(includeParams, blocks[i].IncludeParams)
		}
	}
	return vars, includeParams
}

// roleMagic are the task's magic variables: ansible_search_path, and
// the role's (none outside a role): role_name, role_path,
// ansible_parent_role_names.
func roleMagic(t *playbook.Task, pbDir string) *value.Map {
	tm := value.NewMap(6)
	tm.Set("ansible_search_path", searchPath(t, pbDir))
	if t.Role == nil {
		return tm
	}
	tm.Set("role_name", t.Role.Role.Name)
	tm.Set("ansible_role_name", t.Role.Role.FQName())
	if c := t.Role.Role.Collection; c != "" {
		tm.Set("ansible_collection_name", c)
	} else {
		tm.Set("ansible_collection_name", nil)
	}
	tm.Set("role_path", t.Role.Role.Path)
	if names, paths := parentRoleNames(t.Role); names != nil {
		tm.Set("ansible_parent_role_names", names)
		tm.Set("ansible_parent_role_paths", paths)
	}
	return tm
}

// sharedMagic are the magic variables every host of a play sees alike:
// one copy for all of them (the lists are as long as the play, and a
// copy per host made memory and time grow with the square of the fleet).
// Values in scopes are never changed in place.
type sharedMagic struct {
	groups          *value.Map
	all, act, batch []any
}

func (r *run) sharedMagic(pr *playRun) *sharedMagic {
	sh := &sharedMagic{groups: r.inv.GroupsMap(), all: make([]any, 0, len(pr.all)), act: []any{}, batch: []any{}}
	for _, x := range pr.all {
		sh.all = append(sh.all, x.name)
		if x.up() {
			sh.act = append(sh.act, x.name)
		}
	}
	for _, x := range pr.batch {
		if x.up() {
			sh.batch = append(sh.batch, x.name)
		}
	}
	return sh
}

// magicFor is h's magic variables in the play, made once until the play's
// hosts, roles or inventory change (pr.magic = nil).
func (pr *playRun) magicFor(r *run, h *hostState) *value.Map {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.magic == nil {
		pr.magic = map[*hostState]*value.Map{}
		pr.shared = r.sharedMagic(pr)
	}
	if m, ok := pr.magic[h]; ok {
		return m
	}
	m := r.playMagic(pr, h)
	pr.setRoleNames(m)
	pr.magic[h] = m
	return m
}

// searchPath is ansible_search_path: the role's path and those of the
// roles it runs under (innermost first), the task file's directory, the
// playbook's, as ansible's get_search_path.
func searchPath(t *playbook.Task, pbDir string) []any {
	var out []any
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for ri := t.Role; ri != nil; ri = ri.Parent {
		add(ri.Role.Path)
	}
	if t.Pos.File != "" {
		add(filepath.Dir(t.Pos.File))
	}
	add(pbDir)
	return out
}
