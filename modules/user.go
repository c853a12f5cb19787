package modules

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.user", Aliases: []string{"user"},
		New: func() Module { return &User{} }, CheckMode: true,
	})
	Register(Info{
		ID: "ansible.builtin.group", Aliases: []string{"group"},
		New: func() Module { return &Group{} }, CheckMode: true,
	})
}

// Group manages a local group with groupadd/groupmod/groupdel.
type Group struct {
	// Name is the group.
	Name string `arg:"name,required"`
	// State says whether the group exists.
	State string `arg:"state,default=present,choices=absent|present"`
	// GID is the group's id.
	GID *int `arg:"gid"`
	// System makes a system group.
	System bool `arg:"system"`
	// Force deletes the group even when it is a user's primary group.
	Force bool `arg:"force"`
	// Local uses the local tools (lgroupadd) rather than the system's.
	Local bool `arg:"local"`
	// NonUnique lets gid be shared.
	NonUnique bool `arg:"non_unique"`
}

// Run implements Module.
func (m *Group) Run(ctx context.Context, env *Env) (*Result, error) {
	res, err := hostRun(ctx, env, "getent group -- "+connection.Quote(m.Name)+"; true", nil)
	if err != nil {
		return nil, err
	}
	ent := strings.Split(trimNL(string(res.Stdout)), ":")
	exists := len(ent) >= 3
	r := &Result{}
	r.Set("name", m.Name).Set("state", m.State)
	if g, ok := predictedGroup(env, m.Name); ok {
		// what earlier tasks of the check run would leave
		exists = g != nil
		if exists {
			ent = []string{g.Name, "x", g.GID}
		}
	}
	var cmd string
	switch {
	case m.State == "absent" && exists:
		cmd = "groupdel"
		if m.Force {
			cmd += " -f"
		}
		cmd += " -- " + connection.Quote(m.Name)
	case m.State == "present" && !exists:
		cmd = "groupadd"
		if m.GID != nil {
			cmd += " -g " + strconv.Itoa(*m.GID)
			if m.NonUnique {
				cmd += " -o"
			}
		}
		if m.System {
			cmd += " -r"
		}
		cmd += " -- " + connection.Quote(m.Name)
	case m.State == "present" && m.GID != nil && ent[2] != strconv.Itoa(*m.GID):
		cmd = "groupmod -g " + strconv.Itoa(*m.GID)
		if m.NonUnique {
			cmd += " -o"
		}
		cmd += " -- " + connection.Quote(m.Name)
	}
	if m.State == "present" {
		r.Set("system", m.System)
	}
	if cmd == "" {
		if exists && m.State == "present" {
			if gid, err := strconv.Atoi(ent[2]); err == nil {
				r.Set("gid", gid)
			}
		}
		return r, nil
	}
	r.Changed = true
	m.predict(env, ent)
	if env.Check {
		if m.GID != nil {
			r.Set("gid", *m.GID)
		}
		return r, nil
	}
	if m.State == "present" {
		cmd += " && getent group -- " + connection.Quote(m.Name)
	}
	res, err = hostRun(ctx, env, cmd, nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	if f := strings.Split(trimNL(string(res.Stdout)), ":"); len(f) >= 3 {
		gid, _ := strconv.Atoi(f[2])
		r.Set("gid", gid)
	}
	return r, nil
}

// User manages a local account with useradd/usermod/userdel.
type User struct {
	// Name is the account.
	Name string `arg:"name,required,aliases=user"`
	// State says whether the account exists.
	State string `arg:"state,default=present,choices=absent|present"`
	// UID is the account's id.
	UID *int `arg:"uid"`
	// Group is the primary group.
	Group string `arg:"group"`
	// Groups are supplementary groups.
	Groups *[]string `arg:"groups"`
	// Append adds groups to the existing ones instead of replacing them.
	Append bool `arg:"append"`
	// Shell is the login shell.
	Shell string `arg:"shell"`
	// Home is the home directory.
	Home string `arg:"home"`
	// CreateHome creates the home directory with the account.
	CreateHome bool `arg:"create_home,default=true,aliases=createhome"`
	// MoveHome moves the old home directory's content when home changes.
	MoveHome bool `arg:"move_home"`
	// System makes a system account.
	System bool `arg:"system"`
	// Comment is the GECOS field.
	Comment *string `arg:"comment"`
	// Password is the password, already hashed.
	Password *string `arg:"password"`
	// UpdatePassword is whether password changes an existing account's.
	UpdatePassword string `arg:"update_password,default=always,choices=always|on_create"`
	// Remove deletes the home directory with the account.
	Remove bool `arg:"remove"`
	// Force deletes the account even when logged in, with remove its files.
	Force bool `arg:"force"`
	// NonUnique lets uid be shared.
	NonUnique bool `arg:"non_unique"`
	// Local uses the local tools (luseradd) rather than the system's.
	Local bool `arg:"local"`
	// Skeleton is the directory a new home is copied from.
	Skeleton string `arg:"skeleton"`
	// PasswordExpireMax is the most days a password stays valid
	// (chage -M).
	PasswordExpireMax *int `arg:"password_expire_max"`
	// PasswordExpireMin is the fewest days between password changes
	// (chage -m).
	PasswordExpireMin *int `arg:"password_expire_min"`
}

type passwdEnt struct {
	uid, gid                   int // -1: not known (a predicted account)
	gecos, home, shell, shadow string
	spMin, spMax               int      // the shadow entry's, -1 when empty or unknown
	group                      string   // primary, by name
	groups                     []string // supplementary, by name
	new                        bool     // predicted: the run would create it
}

// Run implements Module.
func (m *User) Run(ctx context.Context, env *Env) (*Result, error) {
	n := connection.Quote(m.Name)
	var b strings.Builder
	fmt.Fprintf(&b, "echo @@passwd; getent passwd -- %s\n", n)
	fmt.Fprintf(&b, "echo @@shadow; getent shadow -- %s\n", n)
	// The primary group, then the groups that list the account as a
	// member (the primary one too when it does), as Ansible's
	// user_group_membership reads them: id -Gn would merge the two.
	fmt.Fprintf(&b, "echo @@groups; id -gn -- %s 2>/dev/null\n", n)
	fmt.Fprintf(&b, "getent group | u=%s awk -F: '{n=split($4,m,\",\"); for(i=1;i<=n;i++) if(m[i]==ENVIRON[\"u\"]){print $1; break}}'\n", n)
	want := []string{}
	if m.Groups != nil {
		for _, g := range *m.Groups {
			if g = strings.TrimSpace(g); g != "" {
				want = append(want, g)
			}
		}
	}
	check := append([]string{}, want...)
	if m.Group != "" {
		check = append(check, m.Group)
	}
	b.WriteString("echo @@gids\n")
	for _, g := range check {
		fmt.Fprintf(&b, "e=$(getent group -- %s) && echo \"%s:${e}\" || echo %s:\n", connection.Quote(g), g, connection.Quote(g))
	}
	fmt.Fprintf(&b, "echo @@own; getent group -- %s\n", n)
	if env.Check && env.Sim != nil {
		// what useradd would fill in, for the prediction
		b.WriteString("echo @@defaults; useradd -D 2>/dev/null\n")
	}
	b.WriteString("true\n")
	res, err := hostRun(ctx, env, b.String(), nil)
	if err != nil {
		return nil, err
	}
	sec := Sections(string(res.Stdout))
	gids := map[string]string{}
	for _, l := range strings.Split(trimNL(sec["gids"]), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			f := strings.Split(v, ":")
			if len(f) >= 3 {
				gids[k] = f[2]
			} else {
				gids[k] = ""
			}
		}
	}
	var cur *passwdEnt
	if f := strings.Split(trimNL(sec["passwd"]), ":"); len(f) >= 7 {
		cur = &passwdEnt{gecos: f[4], home: f[5], shell: f[6], spMin: -1, spMax: -1}
		if sf := strings.Split(trimNL(sec["shadow"]), ":"); len(sf) >= 5 {
			cur.shadow = sf[1]
			cur.spMin, cur.spMax = shadowDays(sf[3]), shadowDays(sf[4])
		}
		cur.uid, _ = strconv.Atoi(f[2])
		cur.gid, _ = strconv.Atoi(f[3])
		for i, g := range strings.Fields(sec["groups"]) {
			if i > 0 {
				cur.groups = append(cur.groups, g)
			} else {
				cur.group = g
			}
		}
	}
	r := &Result{}
	r.Set("name", m.Name).Set("state", m.State)
	predicted := false
	if u, ok := predictedUser(env, m.Name); ok {
		// an account earlier tasks of the check run would create,
		// change or remove
		cur, predicted = predictedEntry(u, cur), true
	}
	groupExists := func(g string) bool {
		if pg, ok := predictedGroup(env, g); ok {
			predicted = predicted || pg != nil
			return pg != nil
		}
		return gids[g] != ""
	}
	if m.State == "absent" {
		r.Set("force", m.Force).Set("remove", m.Remove)
		if cur == nil {
			return r, nil
		}
		m.predictRemoval(env, cur)
		cmd := "userdel"
		if m.Force {
			cmd += " -f"
		}
		if m.Remove {
			cmd += " -r"
		}
		return m.apply(ctx, env, r, cmd+" -- "+n)
	}
	for _, g := range check {
		if !groupExists(g) {
			return Failf("Group %s does not exist", g), nil
		}
	}
	if predicted {
		r.Set("predicted", true).Set("msg", "as earlier tasks of this check run would leave the account and its groups")
	}
	if m.Password != nil {
		r.Set("password", "NOT_LOGGING_PASSWORD")
	}
	if cur == nil {
		args := []string{"useradd"}
		if m.UID != nil {
			args = append(args, "-u", strconv.Itoa(*m.UID))
			if m.NonUnique {
				args = append(args, "-o")
			}
		}
		ownGroup := strings.TrimSpace(sec["own"]) != ""
		if g, ok := predictedGroup(env, m.Name); ok {
			ownGroup = g != nil
		}
		if m.Group != "" {
			args = append(args, "-g", m.Group)
		} else if ownGroup {
			// A group named after the user becomes its primary group.
			args = append(args, "-g", m.Name)
		}
		if len(want) > 0 {
			args = append(args, "-G", strings.Join(want, ","))
		}
		if m.Comment != nil {
			args = append(args, "-c", *m.Comment)
		}
		if m.Home != "" {
			args = append(args, "-d", m.Home)
		}
		if m.Shell != "" {
			args = append(args, "-s", m.Shell)
		}
		if m.Password != nil {
			args = append(args, "-p", *m.Password)
		}
		if m.System {
			args = append(args, "-r")
		}
		if m.CreateHome {
			args = append(args, "-m")
			if m.Skeleton != "" {
				args = append(args, "-k", m.Skeleton)
			}
		} else {
			args = append(args, "-M")
		}
		args = append(args, "--", m.Name)
		r.Set("system", m.System).Set("create_home", m.CreateHome)
		if m.Groups != nil {
			r.Set("groups", strings.Join(want, ","))
		}
		cmd := quoteAll(args) + " && getent passwd -- " + n
		if err := m.predictCreation(ctx, env, want, ownGroup, sec["defaults"]); err != nil {
			return nil, err
		}
		return m.expire(ctx, env, nil)(m.apply(ctx, env, r, cmd))
	}
	// Existing account: usermod with whatever differs.
	var args []string
	if m.UID != nil && *m.UID != cur.uid {
		args = append(args, "-u", strconv.Itoa(*m.UID))
		if m.NonUnique {
			args = append(args, "-o")
		}
	}
	if m.Group != "" && !cur.primary(m.Group, gids[m.Group]) {
		args = append(args, "-g", m.Group)
	}
	if m.Groups != nil {
		have := map[string]bool{}
		for _, g := range cur.groups {
			have[g] = true
		}
		missing := false
		for _, g := range want {
			if !have[g] {
				missing = true
			}
		}
		extra := !m.Append && len(cur.groups) != countIn(want, have)
		if missing || extra {
			if m.Append {
				args = append(args, "-a")
			}
			args = append(args, "-G", strings.Join(want, ","))
		}
	}
	if m.Comment != nil && *m.Comment != cur.gecos {
		args = append(args, "-c", *m.Comment)
	}
	if m.Home != "" && m.Home != cur.home {
		args = append(args, "-d", m.Home)
		if m.MoveHome {
			args = append(args, "-m")
		}
	}
	if m.Shell != "" && m.Shell != cur.shell {
		args = append(args, "-s", m.Shell)
	}
	if m.Password != nil && m.UpdatePassword == "always" && *m.Password != cur.shadow {
		args = append(args, "-p", *m.Password)
	}
	r.Set("append", m.Append).Set("move_home", m.MoveHome)
	if len(args) == 0 {
		m.fill(r, cur)
		return m.expire(ctx, env, cur)(r, nil)
	}
	cmd := quoteAll(append(append([]string{"usermod"}, args...), "--", m.Name)) + " && getent passwd -- " + n
	if m.Groups != nil {
		r.Set("groups", strings.Join(want, ","))
	}
	m.predictChange(env, cur, want)
	if env.Check {
		r.Changed = true
		m.fill(r, cur)
		return m.expire(ctx, env, cur)(r, nil)
	}
	return m.expire(ctx, env, cur)(m.apply(ctx, env, r, cmd))
}

// primary says whether the account's primary group is g (whose gid the
// host gave, "" when it has no such group).
func (e *passwdEnt) primary(g, gid string) bool {
	if e.group == g {
		return true
	}
	return e.gid >= 0 && gid != "" && gid == strconv.Itoa(e.gid)
}

func countIn(want []string, have map[string]bool) int {
	seen := map[string]bool{}
	for _, g := range want {
		if have[g] {
			seen[g] = true
		}
	}
	return len(seen)
}

// fill sets the account's return values from its passwd entry.
func (m *User) fill(r *Result, e *passwdEnt) {
	if e.uid >= 0 {
		r.Set("uid", e.uid)
	}
	if e.gid >= 0 {
		r.Set("group", e.gid)
	}
	r.Set("comment", e.gecos).Set("home", e.home).Set("shell", e.shell)
	if m.Groups == nil && len(e.groups) > 0 {
		g := append([]string(nil), e.groups...)
		sort.Strings(g)
		r.Set("groups", strings.Join(g, ","))
	}
}

func (m *User) apply(ctx context.Context, env *Env, r *Result, cmd string) (*Result, error) {
	r.Changed = true
	if env.Check {
		return r, nil
	}
	res, err := hostRun(ctx, env, cmd, nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		f := cmdFailed(res, "")
		f.Set("name", m.Name)
		return f, nil
	}
	if f := strings.Split(trimNL(string(res.Stdout)), ":"); len(f) >= 7 {
		e := &passwdEnt{gecos: f[4], home: f[5], shell: f[6]}
		e.uid, _ = strconv.Atoi(f[2])
		e.gid, _ = strconv.Atoi(f[3])
		m.fill(r, e)
	}
	return r, nil
}

var (
	_ Module = (*User)(nil)
	_ Module = (*Group)(nil)
)
