package runner

import (
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/value"
)

// The play's roles at run time: which roles' defaults and vars every task
// of the play sees, and the role name magic variables.

// exposeRole makes a public include_role's defaults and vars visible to the
// whole play from now on, and counts it among the play's roles, as
// ansible appends it to play.roles when the include is processed.
func (pr *playRun) exposeRole(ri *playbook.RoleInstance) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for _, x := range pr.exposed {
		if x == ri {
			return
		}
	}
	// new maps, not modified in place: scopes built before hold the old
	defs, vars := pr.roleDefs.Clone(), pr.roleVars.Clone()
	collectRoleVars(ri, defs, vars)
	pr.roleDefs, pr.roleVars = defs, vars
	pr.exposed = append(pr.exposed, ri)
	pr.magic = nil // role names changed
}

// roleLayers are the play-wide role defaults and vars.
func (pr *playRun) roleLayers() (defs, vars *value.Map) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.roleDefs, pr.roleVars
}

// setRoleNames sets the role name magic variables in m: the play's roles
// (roles:, import_role'd, public include_role'd), their dependencies, and
// both, as ansible's variable manager. Called under pr.mu.
func (pr *playRun) setRoleNames(m *value.Map) {
	var play []*playbook.RoleInstance
	play = append(play, pr.play.Roles...)
	play = append(play, pr.play.Exposed...)
	play = append(play, pr.exposed...)
	playNames := []any{}
	all := map[string]bool{}
	var allNames []any
	add := func(name string) {
		if !all[name] {
			all[name] = true
			allNames = append(allNames, name)
		}
	}
	for _, ri := range play {
		playNames = append(playNames, ri.Role.FQName())
		add(ri.Role.FQName())
	}
	depNames := []any{}
	seen := map[string]bool{}
	var deps func(ri *playbook.RoleInstance)
	deps = func(ri *playbook.RoleInstance) {
		for _, d := range ri.Deps() {
			if !seen[d.Role.FQName()] {
				seen[d.Role.FQName()] = true
				depNames = append(depNames, d.Role.FQName())
				add(d.Role.FQName())
			}
			deps(d)
		}
	}
	for _, ri := range play {
		deps(ri)
	}
	if allNames == nil {
		allNames = []any{}
	}
	m.Set("ansible_play_role_names", playNames)
	m.Set("role_names", playNames)
	m.Set("ansible_dependent_role_names", depNames)
	m.Set("ansible_role_names", allNames)
}

// parentRoleNames are ansible_parent_role_names and _paths for a task of
// role use ri: the role that included or imported each use on the way up,
// innermost first; none outside an included or imported role.
func parentRoleNames(ri *playbook.RoleInstance) (names, paths []any) {
	for ; ri != nil; ri = ri.Parent {
		if ri.Included && ri.Parent != nil {
			names = append(names, ri.Parent.Role.FQName())
			paths = append(paths, ri.Parent.Role.Path)
		}
	}
	return names, paths
}
