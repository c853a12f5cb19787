package modules

import (
	"context"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.package", Aliases: []string{"package"},
		New: func() Module { return &Package{} }, CheckMode: true,
	})
	Register(Info{
		ID: "ansible.builtin.dnf", Aliases: []string{"dnf"},
		New: func() Module { return &Dnf{tool: "dnf"} }, CheckMode: true,
	})
	Register(Info{
		ID: "ansible.builtin.yum", Aliases: []string{"yum"},
		New: func() Module { return &Dnf{tool: "yum"} }, CheckMode: true,
	})
}

// Package installs or removes packages with the host's package manager:
// apt where apt-get exists, else dnf, else yum. Arguments beyond name
// and state are handed to that module, which rejects ones it lacks.
type Package struct {
	// Name lists the packages.
	Name []string `arg:"name,required"`
	// State is what the packages should be: present, latest or absent.
	State string `arg:"state,required"`
	// Use is the package module to use; auto picks by what the host has.
	Use string `arg:"use,default=auto"`
	// UpdateCache refreshes the package index first (apt, dnf/yum).
	UpdateCache *bool `arg:"update_cache"`
	// CacheValidTime skips the index refresh when it is younger than
	// this many seconds (apt).
	CacheValidTime *int `arg:"cache_valid_time"`
	// InstallRecommends installs recommended packages too (apt).
	InstallRecommends *bool `arg:"install_recommends"`
	// Purge removes configuration files too (apt).
	Purge *bool `arg:"purge"`
	// Autoremove removes dependencies no longer needed.
	Autoremove *bool `arg:"autoremove"`
	// Enablerepo lists repositories to enable for this run (dnf/yum).
	Enablerepo []string `arg:"enablerepo"`
	// Disablerepo lists repositories to leave out (dnf/yum).
	Disablerepo []string `arg:"disablerepo"`
	// DisableGPGCheck skips signature checks (dnf/yum).
	DisableGPGCheck *bool `arg:"disable_gpg_check"`
}

// Run implements Module.
func (m *Package) Run(ctx context.Context, env *Env) (*Result, error) {
	use := m.Use
	if use == "auto" {
		res, err := hostRun(ctx, env, "for t in apt-get dnf yum; do command -v $t >/dev/null 2>&1 && { echo $t; exit 0; }; done; echo unknown", nil)
		if err != nil {
			return nil, err
		}
		use = strings.TrimSuffix(strings.TrimSpace(string(res.Stdout)), "-get")
	}
	if use == "unknown" {
		return Failf("Could not detect which major revision of package manager to use: no apt-get, dnf or yum on the host"), nil
	}
	args := value.NewMap(8)
	names := make([]any, len(m.Name))
	for i, n := range m.Name {
		names[i] = n
	}
	args.Set("name", names)
	args.Set("state", m.State)
	set := func(k string, v any, ok bool) {
		if ok {
			args.Set(k, v)
		}
	}
	deref := func(p *bool) any {
		if p == nil {
			return nil
		}
		return *p
	}
	set("update_cache", deref(m.UpdateCache), m.UpdateCache != nil)
	set("install_recommends", deref(m.InstallRecommends), m.InstallRecommends != nil)
	set("purge", deref(m.Purge), m.Purge != nil)
	set("autoremove", deref(m.Autoremove), m.Autoremove != nil)
	set("disable_gpg_check", deref(m.DisableGPGCheck), m.DisableGPGCheck != nil)
	if m.CacheValidTime != nil {
		args.Set("cache_valid_time", *m.CacheValidTime)
	}
	for k, l := range map[string][]string{"enablerepo": m.Enablerepo, "disablerepo": m.Disablerepo} {
		if l != nil {
			v := make([]any, len(l))
			for i, s := range l {
				v[i] = s
			}
			args.Set(k, v)
		}
	}
	info, ok := Lookup(use)
	if !ok {
		return Failf("package: no module for package manager %s", use), nil
	}
	mod, err := Decode(info, args)
	if err != nil {
		return Failf("%s", strings.Replace(err.Error(), "(ansible.legacy."+info.ID[strings.LastIndex(info.ID, ".")+1:]+")", "("+info.ID+")", 1)), nil
	}
	return mod.Run(ctx, env)
}

// Dnf is the dnf and yum modules' core: name, state, update_cache,
// enablerepo/disablerepo, disable_gpg_check. rpm -q tells what is
// installed; best effort, unproved on a real RHEL host.
type Dnf struct {
	// Name lists the packages, with an optional version.
	Name []string `arg:"name,aliases=pkg"`
	// State is what the packages should be.
	State string `arg:"state,choices=absent|installed|latest|present|removed"`
	// UpdateCache refreshes the metadata first.
	UpdateCache bool `arg:"update_cache,aliases=expire-cache"`
	// Enablerepo lists repositories to enable for this run.
	Enablerepo []string `arg:"enablerepo"`
	// Disablerepo lists repositories to disable for this run.
	Disablerepo []string `arg:"disablerepo"`
	// DisableGPGCheck skips signature checks.
	DisableGPGCheck bool `arg:"disable_gpg_check"`
	// InstallWeakDeps installs weak dependencies too.
	InstallWeakDeps bool `arg:"install_weak_deps,default=true"`
	// Autoremove removes dependencies no longer needed.
	Autoremove bool `arg:"autoremove"`
	// Exclude lists packages left out of the transaction.
	Exclude []string `arg:"exclude"`
	// Releasever is the release version packages are taken from.
	Releasever string `arg:"releasever"`

	tool string
}

// Run implements Module.
func (m *Dnf) Run(ctx context.Context, env *Env) (*Result, error) {
	state := m.State
	switch state {
	case "", "installed":
		state = "present"
	case "removed":
		state = "absent"
	}
	if len(m.Name) == 0 {
		if m.UpdateCache && !env.Check {
			res, err := hostRun(ctx, env, m.tool+" -y makecache", nil)
			if err != nil {
				return nil, err
			}
			if res.RC != 0 {
				return cmdFailed(res, ""), nil
			}
		}
		return (&Result{}).Set("msg", "").Set("rc", 0).Set("results", []any{}), nil
	}
	opts := " -y"
	for _, r := range m.Enablerepo {
		opts += " --enablerepo=" + connection.Quote(r)
	}
	for _, r := range m.Disablerepo {
		opts += " --disablerepo=" + connection.Quote(r)
	}
	if m.DisableGPGCheck {
		opts += " --nogpgcheck"
	}
	if len(m.Exclude) > 0 {
		opts += " --exclude=" + connection.Quote(strings.Join(m.Exclude, ","))
	}
	if m.Releasever != "" {
		opts += " --releasever=" + connection.Quote(m.Releasever)
	}
	if !m.InstallWeakDeps {
		opts += " --setopt=install_weak_deps=False"
	}
	// One round trip: which names rpm knows as installed, and for
	// latest, which have updates.
	var b strings.Builder
	fmt.Fprintf(&b, "for p in %s; do rpm -q --whatprovides -- \"$p\" >/dev/null 2>&1 && echo \"I $p\"; done\n", quoteAll(m.Name))
	if state == "latest" {
		fmt.Fprintf(&b, "echo @@updates\n%s%s -q check-update -- %s 2>/dev/null\ntrue\n", m.tool, opts, quoteAll(m.Name))
	}
	res, err := hostRun(ctx, env, b.String(), nil)
	if err != nil {
		return nil, err
	}
	installed := map[string]bool{}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if p, ok := strings.CutPrefix(l, "I "); ok {
			installed[p] = true
		}
	}
	updates := Sections(string(res.Stdout))["updates"]
	var todo []string
	verb := "install"
	for _, n := range m.Name {
		switch state {
		case "present":
			if !installed[n] {
				todo = append(todo, n)
			}
		case "absent":
			verb = "remove"
			if installed[n] {
				todo = append(todo, n)
			}
		case "latest":
			if !installed[n] || strings.Contains(updates, n+".") {
				todo = append(todo, n)
			}
		}
	}
	r := &Result{}
	r.Set("msg", "").Set("rc", 0)
	results := []any{}
	if len(todo) == 0 {
		r.Set("results", results)
		return r, nil
	}
	r.Changed = true
	for _, n := range todo {
		results = append(results, fmt.Sprintf("%sed: %s", strings.TrimSuffix(verb, "e"), n))
	}
	r.Set("results", results)
	if env.Check {
		return r, nil
	}
	if state == "latest" {
		verb = "install"
		for _, n := range todo {
			if installed[n] {
				verb = "upgrade"
			}
		}
	}
	res, err = hostRun(ctx, env, m.tool+opts+" "+verb+" -- "+quoteAll(todo), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	return r, nil
}

var (
	_ Module = (*Package)(nil)
	_ Module = (*Dnf)(nil)
)
