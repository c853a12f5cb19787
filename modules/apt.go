package modules

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.apt", Aliases: []string{"apt"},
		New: func() Module { return &Apt{} }, CheckMode: true,
	})
}

// Apt manages Debian packages with apt-get and dpkg on the host (no
// python-apt): dpkg-query tells what is installed, apt-cache policy what
// could be, and the cache update shares that round trip.
type Apt struct {
	// Name lists the packages to manage, with an optional =version or a .deb path.
	Name []string `arg:"name,aliases=package|pkg"`
	// State is what the packages should be: installed, latest, removed, fixed or their build deps installed.
	State string `arg:"state,default=present,choices=absent|build-dep|fixed|latest|present"`
	// UpdateCache runs apt-get update first.
	UpdateCache *bool `arg:"update_cache,aliases=update-cache"`
	// UpdateCacheRetries is how many times a failed update is tried again.
	UpdateCacheRetries int `arg:"update_cache_retries,default=5"`
	// UpdateCacheRetryMaxDelay caps, in seconds, the wait between update retries.
	UpdateCacheRetryMaxDelay int `arg:"update_cache_retry_max_delay,default=12"`
	// CacheValidTime skips the update when the cache is younger than this many seconds.
	CacheValidTime int `arg:"cache_valid_time,default=0"`
	// Purge removes configuration files too when removing packages.
	Purge bool `arg:"purge"`
	// Deb is a .deb file on the host, or a URL, to install.
	Deb string `arg:"deb"`
	// DefaultRelease is the release packages are taken from (apt -t).
	DefaultRelease string `arg:"default_release,aliases=default-release"`
	// InstallRecommends installs recommended packages too; unset keeps apt's own setting.
	InstallRecommends *bool `arg:"install_recommends,aliases=install-recommends"`
	// Force lets apt-get act on unauthenticated or downgraded packages (--force-yes).
	Force bool `arg:"force"`
	// Upgrade upgrades installed packages: safe, full or dist.
	Upgrade string `arg:"upgrade,default=no,choices=dist|full|no|safe|yes"`
	// DpkgOptions are dpkg options, comma-separated, passed as -o Dpkg::Options::=--OPT.
	DpkgOptions *string `arg:"dpkg_options"` // default force-confdef,force-confold
	// Autoremove removes dependencies no longer needed.
	Autoremove bool `arg:"autoremove"`
	// Autoclean removes downloaded packages that can no longer be installed.
	Autoclean bool `arg:"autoclean"`
	// FailOnAutoremove fails instead of removing packages that autoremove would.
	FailOnAutoremove bool `arg:"fail_on_autoremove"`
	// PolicyRcD is the exit code policy-rc.d returns while apt runs, to keep services from starting.
	PolicyRcD *int `arg:"policy_rc_d"`
	// OnlyUpgrade upgrades only packages already installed.
	OnlyUpgrade bool `arg:"only_upgrade"`
	// ForceAptGet uses apt-get rather than aptitude.
	ForceAptGet bool `arg:"force_apt_get"`
	// Clean runs apt-get clean, emptying the package cache.
	Clean bool `arg:"clean"`
	// AllowUnauthenticated installs packages that fail authentication.
	AllowUnauthenticated bool `arg:"allow_unauthenticated,aliases=allow-unauthenticated"`
	// AllowDowngrade lets a wanted version be older than the installed one.
	AllowDowngrade bool `arg:"allow_downgrade,aliases=allow-downgrade|allow_downgrades|allow-downgrades"`
	// AllowChangeHeldPackages lets held packages be changed.
	AllowChangeHeldPackages bool `arg:"allow_change_held_packages"`
	// LockTimeout is how many seconds to wait for the dpkg lock.
	LockTimeout int `arg:"lock_timeout,default=60"`
}

// Validate implements Validator.
func (m *Apt) Validate() error {
	n := 0
	for _, set := range []bool{m.Deb != "", len(m.Name) > 0, m.Upgrade != "no"} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("parameters are mutually exclusive: deb|package|upgrade")
	}
	if !m.Autoremove && m.Deb == "" && len(m.Name) == 0 && m.UpdateCache == nil && m.Upgrade == "no" && !m.Clean && !m.Autoclean {
		return errors.New("one of the following is required: autoremove, deb, package, update_cache, upgrade")
	}
	for _, p := range m.Name {
		if strings.Count(p, "=") > 1 {
			return fmt.Errorf("invalid package spec: %s", p)
		}
	}
	return nil
}

var aptEnv = map[string]string{
	"DEBIAN_FRONTEND": "noninteractive", "DEBIAN_PRIORITY": "critical",
	"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C", "LC_CTYPE": "C",
}

// aptPkg is one requested package and what the host knows of it.
type aptPkg struct {
	spec, name, version string
	status              string // dpkg's two-letter abbreviation, "" if unknown
	installed           string // installed version
	candidate           string // apt-cache policy's candidate, "" if none
	known               bool   // apt-cache knows the name
}

func (p *aptPkg) isInstalled() bool {
	return len(p.status) >= 2 && strings.ContainsRune("iWt", rune(p.status[1]))
}

const aptStamp = `stamp() { if [ -e /var/lib/apt/periodic/update-success-stamp ]; then stat -c %Y /var/lib/apt/periodic/update-success-stamp; elif [ -e /var/lib/apt/lists ]; then stat -c %Y /var/lib/apt/lists; else echo 0; fi; }
`

func (m *Apt) getOpts() string {
	var b strings.Builder
	opts := "force-confdef,force-confold"
	if m.DpkgOptions != nil {
		opts = *m.DpkgOptions
	}
	for _, o := range strings.Split(opts, ",") {
		if o = strings.TrimSpace(o); o != "" {
			fmt.Fprintf(&b, " -o %s", connection.Quote("Dpkg::Options::=--"+o))
		}
	}
	if m.LockTimeout > 0 {
		fmt.Fprintf(&b, " -o DPkg::Lock::Timeout=%d", m.LockTimeout)
	}
	return b.String()
}

// Run implements Module.
func (m *Apt) Run(ctx context.Context, env *Env) (*Result, error) {
	var pkgs []*aptPkg
	all := false
	for _, s := range m.Name {
		s = strings.TrimSpace(s)
		if s == "*" {
			all = true
			continue
		}
		p := &aptPkg{spec: s, name: s}
		if n, v, ok := strings.Cut(s, "="); ok {
			p.name, p.version = n, v
		}
		pkgs = append(pkgs, p)
	}
	if all && m.State == "latest" {
		if len(pkgs) > 0 {
			return Failf("unable to install additional packages when upgrading all installed packages"), nil
		}
		m.Upgrade = "yes"
	}
	// Round trip 1: cache age, optional update, dpkg and apt-cache state.
	var b strings.Builder
	b.WriteString(aptStamp)
	b.WriteString("command -v apt-get >/dev/null || { echo 'apt-get not found' >&2; exit 127; }\n")
	b.WriteString("echo @@mtime; stamp\n")
	if m.Clean && !env.Check {
		b.WriteString("apt-get clean >/dev/null 2>&1\n")
	}
	wantUpdate := (m.UpdateCache != nil && *m.UpdateCache) || m.CacheValidTime > 0
	if wantUpdate {
		fmt.Fprintf(&b, "if [ $(( $(stamp) + %d )) -lt $(date +%%s) ]; then\n echo @@update\n", m.CacheValidTime)
		if !env.Check {
			retries := m.UpdateCacheRetries
			if retries < 1 {
				retries = 1
			}
			fmt.Fprintf(&b, " i=0; until out=$(apt-get update -q 2>&1); do i=$((i+1)); if [ $i -ge %d ]; then echo @@updatefail; echo \"$out\"; exit 0; fi; d=$((1<<i)); [ $d -gt %d ] && d=%d; sleep $d; done\n",
				retries, m.UpdateCacheRetryMaxDelay, m.UpdateCacheRetryMaxDelay)
		}
		b.WriteString(" echo @@mtime2; stamp\nfi\n")
	}
	names := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		names = append(names, p.name)
	}
	if len(names) > 0 {
		fmt.Fprintf(&b, "echo @@dpkg\ndpkg-query -W -f='${Package}\\t${db:Status-Abbrev}\\t${Version}\\n' -- %s 2>/dev/null\n", quoteAll(names))
		rel := ""
		if m.DefaultRelease != "" {
			rel = " -o APT::Default-Release=" + connection.Quote(m.DefaultRelease)
		}
		fmt.Fprintf(&b, "echo @@policy\napt-cache%s policy -- %s 2>/dev/null\n", rel, quoteAll(names))
	}
	b.WriteString("true\n")
	res, err := hostRun(ctx, env, b.String(), aptEnv)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	sec := Sections(string(res.Stdout))
	if out, ok := sec["updatefail"]; ok {
		return Failf("Failed to update apt cache: %s", strings.TrimSpace(out)), nil
	}
	mtime, _ := strconv.Atoi(strings.TrimSpace(sec["mtime"]))
	updated := false
	if _, ok := sec["update"]; ok {
		m2, _ := strconv.Atoi(strings.TrimSpace(sec["mtime2"]))
		updated = env.Check || m2 != mtime
		mtime = m2
	}
	r := &Result{}
	r.Set("cache_updated", updated).Set("cache_update_time", mtime)
	parseDpkg(pkgs, sec["dpkg"])
	parsePolicy(pkgs, sec["policy"])

	if m.Upgrade != "no" {
		return m.upgrade(ctx, env, r)
	}
	if m.Deb != "" {
		if m.State != "present" {
			return Failf("deb only supports state=present"), nil
		}
		return m.installDeb(ctx, env, r)
	}
	if len(pkgs) == 0 {
		if m.Autoremove || m.Autoclean {
			op := "autoremove"
			if m.Autoclean {
				op = "autoclean"
			}
			return m.runApt(ctx, env, r, op, nil, m.Purge)
		}
		r.Changed = updated
		return r, nil
	}
	switch m.State {
	case "absent":
		var rm []string
		for _, p := range pkgs {
			if p.isInstalled() || (m.Purge && len(p.status) >= 2 && p.status[1] == 'c') {
				if p.version == "" || p.version == p.installed {
					rm = append(rm, p.name)
				}
			}
		}
		if len(rm) == 0 {
			return r, nil
		}
		return m.runApt(ctx, env, r, "remove", rm, m.Purge)
	case "build-dep":
		return m.runApt(ctx, env, r, "build-dep", names, false)
	}
	var inst []string
	for _, p := range pkgs {
		if !p.known && !p.isInstalled() {
			r2 := Failf("No package matching '%s' is available", p.name)
			return r2, nil
		}
		switch {
		case p.version != "":
			if !p.isInstalled() || !versionMatch(p.version, p.installed) {
				inst = append(inst, p.spec)
			}
		case !p.isInstalled():
			inst = append(inst, p.name)
		case m.State == "latest" && p.candidate != "" && p.candidate != p.installed:
			inst = append(inst, p.name)
		}
	}
	if m.State == "fixed" {
		return m.runApt(ctx, env, r, "install", inst, false)
	}
	if len(inst) == 0 {
		return r, nil
	}
	return m.runApt(ctx, env, r, "install", inst, false)
}

// runApt runs apt-get op on args (install, remove, build-dep,
// autoremove, autoclean), simulated in check mode.
func (m *Apt) runApt(ctx context.Context, env *Env, r *Result, op string, args []string, purge bool) (*Result, error) {
	var b strings.Builder
	b.WriteString("apt-get -y -q")
	b.WriteString(m.getOpts())
	if m.Force {
		b.WriteString(" --force-yes")
	}
	if purge {
		b.WriteString(" --purge")
	}
	if m.Autoremove && op != "autoremove" {
		b.WriteString(" --auto-remove")
	}
	if m.FailOnAutoremove {
		b.WriteString(" --no-remove")
	}
	if m.OnlyUpgrade {
		b.WriteString(" --only-upgrade")
	}
	if m.State == "fixed" {
		b.WriteString(" --fix-broken")
	}
	if env.Check {
		b.WriteString(" --simulate")
	}
	if op == "install" || op == "build-dep" {
		if m.DefaultRelease != "" {
			b.WriteString(" -t " + connection.Quote(m.DefaultRelease))
		}
		if m.InstallRecommends != nil {
			if *m.InstallRecommends {
				b.WriteString(" -o APT::Install-Recommends=yes")
			} else {
				b.WriteString(" -o APT::Install-Recommends=no")
			}
		}
		if m.AllowUnauthenticated {
			b.WriteString(" --allow-unauthenticated")
		}
		if m.AllowDowngrade {
			b.WriteString(" --allow-downgrades")
		}
		if m.AllowChangeHeldPackages {
			b.WriteString(" --allow-change-held-packages")
		}
	}
	b.WriteString(" " + op)
	if len(args) > 0 {
		b.WriteString(" -- " + quoteAll(args))
	}
	cmd := b.String()
	res, err := hostRun(ctx, env, m.withPolicy(cmd, env.Check), aptEnv)
	if err != nil {
		return nil, err
	}
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	if res.RC != 0 {
		f := Failf("'%s' failed: %s", cmd, stderr)
		f.Set("stdout", stdout).Set("stderr", stderr).Set("rc", res.RC).
			Set("cache_updated", data(r, "cache_updated")).Set("cache_update_time", data(r, "cache_update_time"))
		return f, nil
	}
	r.Changed = true
	if env.Check {
		predictApt(env, stdout)
	}
	if op == "autoremove" || op == "autoclean" || op == "build-dep" {
		r.Changed = !strings.Contains(stdout, "0 upgraded, 0 newly installed, 0 to remove")
	}
	r.Set("stdout", stdout).Set("stderr", stderr).
		Set("stdout_lines", lines(stdout)).Set("stderr_lines", lines(stderr))
	if env.Diff {
		r.Diff = append(r.Diff, Diff{Prepared: aptDiff(stdout)})
	}
	return r, nil
}

// withPolicy wraps cmd with a policy-rc.d that answers policy_rc_d,
// restoring any existing one afterwards.
func (m *Apt) withPolicy(cmd string, check bool) string {
	if m.PolicyRcD == nil || check {
		return cmd
	}
	return fmt.Sprintf(`p=/usr/sbin/policy-rc.d; [ -e "$p" ] && mv -f "$p" "$p.fjord"
printf '#!/bin/sh\nexit %d\n' > "$p"; chmod 0755 "$p"
%s
rc=$?; rm -f "$p"; [ -e "$p.fjord" ] && mv -f "$p.fjord" "$p"; exit $rc
`, *m.PolicyRcD, cmd)
}

func (m *Apt) upgrade(ctx context.Context, env *Env, r *Result) (*Result, error) {
	op := "upgrade"
	switch m.Upgrade {
	case "dist", "full":
		op = "dist-upgrade"
	case "safe":
		op = "upgrade --with-new-pkgs"
	}
	res, err := m.runApt(ctx, env, r, op, nil, false)
	if err != nil || res.Failed {
		return res, err
	}
	out, _ := data(res, "stdout").(string)
	res.Changed = !strings.Contains(out, "0 upgraded, 0 newly installed, 0 to remove")
	if !res.Changed {
		res.Msg = "Nothing to upgrade"
		res.Set("msg", res.Msg)
	}
	return res, nil
}

// installDeb installs a .deb file on the host (downloading it there
// first when deb is a URL), unless that version is already installed.
func (m *Apt) installDeb(ctx context.Context, env *Env, r *Result) (*Result, error) {
	deb := m.Deb
	pre := ""
	if strings.Contains(deb, "://") {
		pre = fmt.Sprintf(`d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; f="$d/$(basename %s)"
if command -v curl >/dev/null; then curl -fsSL -o "$f" %s || exit 1; else wget -q -O "$f" %s || exit 1; fi
`, connection.Quote(deb), connection.Quote(deb), connection.Quote(deb))
	} else {
		pre = fmt.Sprintf("f=%s\n", connection.Quote(deb))
	}
	script := pre + `[ -f "$f" ] || { echo "$f not found" >&2; exit 2; }
n=$(dpkg-deb -f "$f" Package) || exit 1
v=$(dpkg-deb -f "$f" Version) || exit 1
echo @@deb; echo "$n"; echo "$v"
echo @@dpkg; dpkg-query -W -f='${db:Status-Abbrev}\t${Version}\n' -- "$n" 2>/dev/null
`
	install := "apt-get -y -q" + m.getOpts()
	if m.AllowDowngrade {
		install += " --allow-downgrades"
	}
	if m.InstallRecommends != nil && !*m.InstallRecommends {
		install += " -o APT::Install-Recommends=no"
	}
	if env.Check {
		install += " --simulate"
	}
	// The decision needs the file's fields; in check mode or when the
	// version is installed nothing more runs.
	script += fmt.Sprintf(`s=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}' -- "$n" 2>/dev/null)
case "$s" in ?i*"|$v") [ %q = true ] || exit 0 ;; esac
echo @@install
case "$f" in /*) ;; *) f="./$f" ;; esac
%s install -- "$f"
`, strconv.FormatBool(m.Force), install)
	res, err := hostRun(ctx, env, m.withPolicy(script, env.Check), aptEnv)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		if res.RC == 2 {
			return Failf("%s", trimNL(string(res.Stderr))), nil
		}
		return cmdFailed(res, ""), nil
	}
	sec := Sections(string(res.Stdout))
	if out, ok := sec["install"]; ok {
		r.Changed = true
		r.Set("stdout", out).Set("stderr", string(res.Stderr))
		if env.Diff {
			r.Diff = append(r.Diff, Diff{Prepared: aptDiff(out)})
		}
	}
	return r, nil
}

var _ Module = (*Apt)(nil)
var _ Validator = (*Apt)(nil)
