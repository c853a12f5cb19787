package modules

import (
	"context"
	"path"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/dryrun"
)

// Predictions of the group and user modules for a check run (package
// dryrun): what groupadd, useradd, usermod and their removals would
// leave, which later tasks of the run take for the host's accounts.

// predictedGroup is the group as a check run predicts it: ok false when
// the host answers; g nil when the group would be removed.
func predictedGroup(env *Env, name string) (g *dryrun.Group, ok bool) {
	if !env.Check {
		return nil, false
	}
	return env.Sim.Group(name)
}

// predictedUser is the account as a check run predicts it: ok false
// when the host answers; u nil when the account would be removed.
func predictedUser(env *Env, name string) (u *dryrun.User, ok bool) {
	if !env.Check {
		return nil, false
	}
	return env.Sim.User(name)
}

// predictedEntry is a predicted account as the user module compares it;
// host is the host's entry, nil when there is none. Ids come from the
// host: a new account's are not known yet.
func predictedEntry(u *dryrun.User, host *passwdEnt) *passwdEnt {
	if u == nil {
		return nil
	}
	e := &passwdEnt{uid: -1, gid: -1, gecos: u.Comment, home: u.Home, shell: u.Shell, shadow: u.Password,
		group: u.Group, groups: append([]string(nil), u.Groups...), new: u.New, spMin: -1, spMax: -1}
	if host != nil && !u.New {
		e.uid = host.uid
		e.spMin, e.spMax = host.spMin, host.spMax
		if host.group == u.Group {
			e.gid = host.gid
		}
	}
	return e
}

// predict records what a changed group task leaves; ent is the group's
// entry before it (name, password, gid), when it existed.
func (m *Group) predict(env *Env, ent []string) {
	if env.Sim == nil {
		return
	}
	if !env.Check {
		env.Sim.ForgetGroup(m.Name)
		return
	}
	if m.State == "absent" {
		env.Sim.PutGroup(m.Name, nil)
		return
	}
	g := &dryrun.Group{Name: m.Name}
	if len(ent) >= 3 {
		g.GID = ent[2]
	}
	if m.GID != nil {
		g.GID = strconv.Itoa(*m.GID)
	}
	env.Sim.PutGroup(m.Name, g)
}

// predictCreation records the account useradd would create: the group
// named after it when no group is given and none exists (Debian's
// USERGROUPS_ENAB), the defaults useradd -D printed for home and shell,
// and with create_home the home directory, owned by the account.
func (m *User) predictCreation(ctx context.Context, env *Env, groups []string, ownGroup bool, defaults string) error {
	if env.Sim == nil {
		return nil
	}
	if !env.Check {
		env.Sim.ForgetUser(m.Name)
		if m.Group == "" {
			env.Sim.ForgetGroup(m.Name)
		}
		return nil
	}
	d := map[string]string{}
	for _, l := range strings.Split(defaults, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(l), "="); ok {
			d[k] = v
		}
	}
	u := &dryrun.User{Name: m.Name, Group: m.Group, Groups: groups, Home: m.Home, Shell: m.Shell, New: true}
	if m.Comment != nil {
		u.Comment = *m.Comment
	}
	if m.Password != nil {
		u.Password = *m.Password
	}
	if u.Group == "" {
		u.Group = m.Name
		if !ownGroup {
			env.Sim.PutGroup(m.Name, &dryrun.Group{Name: m.Name})
		}
	}
	if u.Home == "" {
		base := d["HOME"]
		if base == "" {
			base = "/home"
		}
		u.Home = path.Join(base, m.Name)
	}
	if u.Shell == "" {
		u.Shell = d["SHELL"]
	}
	env.Sim.PutUser(m.Name, u)
	if !m.CreateHome {
		return nil
	}
	// useradd -m leaves an existing directory as it is.
	fi, err := connection.Stat(ctx, env.Conn, u.Home, connection.StatOptions{Become: env.Become})
	if err != nil {
		return err
	}
	if !fi.Exists {
		predictFile(env, u.Home, dryrun.File{Type: "directory", New: true, Owner: m.Name, Group: u.Group})
	}
	return nil
}

// predictChange records what usermod would make of the account cur.
func (m *User) predictChange(env *Env, cur *passwdEnt, groups []string) {
	if env.Sim == nil {
		return
	}
	if !env.Check {
		env.Sim.ForgetUser(m.Name)
		return
	}
	u := &dryrun.User{Name: m.Name, Group: cur.group, Groups: cur.groups, Home: cur.home, Shell: cur.shell,
		Comment: cur.gecos, Password: cur.shadow, New: cur.new}
	if m.Group != "" {
		u.Group = m.Group
	}
	if m.Groups != nil {
		if m.Append {
			have := map[string]bool{}
			for _, g := range u.Groups {
				have[g] = true
			}
			for _, g := range groups {
				if !have[g] {
					u.Groups, have[g] = append(u.Groups, g), true
				}
			}
		} else {
			u.Groups = groups
		}
	}
	if m.Comment != nil {
		u.Comment = *m.Comment
	}
	if m.Home != "" {
		u.Home = m.Home
	}
	if m.Shell != "" {
		u.Shell = m.Shell
	}
	if m.Password != nil && m.UpdatePassword == "always" {
		u.Password = *m.Password
	}
	env.Sim.PutUser(m.Name, u)
}

// predictRemoval records that userdel would remove the account cur:
// with remove its home, and the group named after it that was its
// primary group (Debian's USERGROUPS_ENAB).
func (m *User) predictRemoval(env *Env, cur *passwdEnt) {
	if env.Sim == nil {
		return
	}
	home := ""
	if m.Remove && cur.home != "" && cur.home != "/" {
		home = cur.home
	}
	if !env.Check {
		env.Sim.ForgetUser(m.Name)
		env.Sim.ForgetGroup(m.Name)
		if home != "" {
			env.Sim.Forget(home)
		}
		return
	}
	env.Sim.PutUser(m.Name, nil)
	if cur.group == m.Name {
		env.Sim.PutGroup(m.Name, nil)
	}
	if home != "" {
		predictFile(env, home, dryrun.File{})
	}
}
