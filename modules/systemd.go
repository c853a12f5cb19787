package modules

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.systemd", Aliases: []string{"systemd", "ansible.builtin.systemd_service", "systemd_service"},
		New: func() Module { return &Systemd{} }, CheckMode: true,
	})
}

// Systemd manages a unit through systemctl: daemon-reload, mask, enable,
// start/stop/restart/reload, in that order.
type Systemd struct {
	// Name is the unit.
	Name string `arg:"name,aliases=service|unit"`
	// State is whether the unit runs, or an action on it.
	State string `arg:"state,choices=reloaded|restarted|started|stopped"`
	// Enabled is whether the unit starts at boot.
	Enabled *bool `arg:"enabled"`
	// Force overrides existing symlinks when enabling.
	Force bool `arg:"force"`
	// Masked is whether the unit is masked.
	Masked *bool `arg:"masked"`
	// DaemonReload reloads systemd's configuration first.
	DaemonReload bool `arg:"daemon_reload,aliases=daemon-reload"`
	// DaemonReexec re-executes systemd first.
	DaemonReexec bool `arg:"daemon_reexec,aliases=daemon-reexec"`
	// Scope is the systemd instance: the system's, the user's, or every user's.
	Scope string `arg:"scope,default=system,choices=system|user|global"`
	// NoBlock queues a start or stop without waiting for it.
	NoBlock bool `arg:"no_block"`
}

// Validate implements Validator.
func (m *Systemd) Validate() error {
	if m.State == "" && m.Enabled == nil && m.Masked == nil && !m.DaemonReload && !m.DaemonReexec {
		return errors.New("one of the following is required: state, enabled, masked, daemon_reload, daemon_reexec")
	}
	if m.Name == "" {
		for _, k := range []struct {
			set  bool
			name string
		}{{m.State != "", "state"}, {m.Enabled != nil, "enabled"}, {m.Masked != nil, "masked"}} {
			if k.set {
				return fmt.Errorf("missing parameter(s) required by '%s': name", k.name)
			}
		}
	}
	if strings.ContainsAny(m.Name, "*?[") {
		return fmt.Errorf("This module does not currently support using glob patterns, found '%c' in service name: %s", m.Name[strings.IndexAny(m.Name, "*?[")], m.Name)
	}
	return nil
}

func (m *Systemd) systemctl() string {
	s := "systemctl"
	if m.Scope != "system" {
		s += " --" + m.Scope
	}
	if m.NoBlock {
		s += " --no-block"
	}
	if m.Force {
		s += " --force"
	}
	return s
}

// unitState is what one round trip learned about a unit.
type unitState struct {
	status     *value.Map
	found      bool
	enabledRC  int
	enabledOut string
	initd      bool
	systemd    bool // the host boots with systemd
	sysvOn     bool
}

// querySystemd reads `systemctl show` and `is-enabled` for the unit, and
// whether an init script stands behind it, in one command.
func (m *Systemd) query(ctx context.Context, env *Env) (*unitState, *Result, error) {
	u := connection.Quote(m.Name)
	sc := m.systemctl()
	script := fmt.Sprintf(`u=%s
echo @@show
%s show -- "$u" 2>/dev/null
rc=$?
echo @@showrc
echo $rc
echo @@enabled
%s is-enabled -- "$u" 2>/dev/null
rc=$?
echo @@enabledrc
echo $rc
echo @@sd
[ -d /run/systemd/system ] && echo yes
echo @@initd
[ -x "/etc/init.d/$u" ] && echo yes
ls /etc/rc[2-5].d/S??"$u" >/dev/null 2>&1 && echo on
true
`, u, sc, sc)
	res, err := hostRun(ctx, env, script, nil)
	if err != nil {
		return nil, nil, err
	}
	if res.RC != 0 {
		return nil, cmdFailed(res, ""), nil
	}
	s := Sections(string(res.Stdout))
	st := &unitState{status: parseSystemctlShow(s["show"])}
	if strings.TrimSpace(s["showrc"]) == "0" {
		ls, _ := st.status.Get("LoadState")
		st.found = ls != nil && ls != "not-found"
	}
	fmt.Sscan(strings.TrimSpace(s["enabledrc"]), &st.enabledRC)
	st.enabledOut = strings.TrimSpace(s["enabled"])
	st.initd = strings.Contains(s["initd"], "yes")
	st.systemd = strings.Contains(s["sd"], "yes")
	st.sysvOn = strings.Contains(s["initd"], "on")
	if !st.found && st.initd {
		st.found = true
	}
	return st, nil, nil
}

// parseSystemctlShow reads Key=Value lines; a value opening with "{"
// runs until a line closing it with "}".
func parseSystemctlShow(out string) *value.Map {
	m := value.NewMap(64)
	var key, multi string
	inMulti := false
	for _, l := range strings.Split(out, "\n") {
		if inMulti {
			multi += "\n" + l
			if strings.HasSuffix(strings.TrimSpace(l), "}") {
				m.Set(key, multi)
				inMulti = false
			}
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		if strings.HasPrefix(v, "{") && !strings.HasSuffix(strings.TrimSpace(v), "}") {
			key, multi, inMulti = k, v, true
			continue
		}
		m.Set(k, v)
	}
	if inMulti {
		m.Set(key, multi)
	}
	return m
}

func statusString(st *value.Map, k string) string {
	v, _ := st.Get(k)
	s, _ := v.(string)
	return s
}

// Run implements Module.
func (m *Systemd) Run(ctx context.Context, env *Env) (*Result, error) { return m.run(ctx, env, nil) }

// run is Run; when the host turns out not to run systemd and noSystemd
// is set, that decides instead (the service module's sysvinit path).
func (m *Systemd) run(ctx context.Context, env *Env, noSystemd func() (*Result, error)) (*Result, error) {
	r := &Result{}
	r.Set("name", m.Name).Set("status", value.NewMap(0))
	sc := m.systemctl()
	do := func(args string) (*connection.Result, error) {
		return hostRun(ctx, env, sc+" "+args, nil)
	}
	if m.DaemonReload && !env.Check {
		res, err := do("daemon-reload")
		if err != nil {
			return nil, err
		}
		if res.RC != 0 {
			return Failf("failure %d during daemon-reload: %s", res.RC, string(res.Stderr)), nil
		}
	}
	if m.DaemonReexec && !env.Check {
		res, err := do("daemon-reexec")
		if err != nil {
			return nil, err
		}
		if res.RC != 0 {
			return Failf("failure %d during daemon-reexec: %s", res.RC, string(res.Stderr)), nil
		}
	}
	if m.Name == "" {
		return r, nil
	}
	st, fail, err := m.query(ctx, env)
	if err != nil || fail != nil {
		return fail, err
	}
	if !st.systemd && noSystemd != nil {
		return noSystemd()
	}
	r.Set("status", st.status)
	if ls := statusString(st.status, "LoadState"); ls != "" && ls != "masked" && ls != "not-found" {
		if le, ok := st.status.Get("LoadError"); ok {
			return Failf("Error loading unit file '%s': %s", m.Name, value.String(le)), nil
		}
	}
	missing := func() *Result {
		if r := predictedUnit(env, m.Name, m.State, m.Enabled); r != nil {
			return r
		}
		return Failf("Could not find the requested service %s: host", m.Name)
	}
	// Actions are batched into one command after the decisions are made.
	var actions []string
	if m.Masked != nil {
		masked := st.enabledOut == "masked" || st.enabledOut == "masked-runtime"
		if masked != *m.Masked {
			r.Changed = true
			a := "unmask"
			if *m.Masked {
				a = "mask"
			}
			actions = append(actions, a)
		}
	}
	if m.Enabled != nil {
		if !st.found {
			return missing(), nil
		}
		enabled := false
		if st.enabledRC == 0 {
			enabled = st.enabledOut != "indirect" && st.enabledOut != "alias"
		} else if st.enabledRC == 1 && m.Scope == "system" && st.initd && !strings.HasSuffix(st.enabledOut, "disabled") && st.sysvOn {
			enabled = true
		}
		r.Set("enabled", enabled)
		if enabled != *m.Enabled {
			r.Changed = true
			a := "disable"
			if *m.Enabled {
				a = "enable"
			}
			actions = append(actions, a)
			r.Set("enabled", !enabled)
		}
	}
	if m.State != "" {
		if !st.found {
			return missing(), nil
		}
		r.Set("state", m.State)
		active := statusString(st.status, "ActiveState")
		if active == "" {
			r2 := Failf("Service is in unknown state")
			r2.Set("status", st.status)
			return r2, nil
		}
		running := active == "active" || active == "activating"
		a := ""
		switch m.State {
		case "started":
			if !running {
				a = "start"
			}
		case "stopped":
			if running || active == "deactivating" {
				a = "stop"
			}
		default:
			a = strings.TrimSuffix(m.State, "ed")
			if !running {
				a = "start"
			}
			r.Set("state", "started")
		}
		if a != "" {
			r.Changed = true
			actions = append(actions, a)
		}
	}
	if env.Check || len(actions) == 0 {
		return r, nil
	}
	// One command runs every action and stops at the first failure,
	// naming it.
	var b strings.Builder
	fmt.Fprintf(&b, "u=%s\n", connection.Quote(m.Name))
	for _, a := range actions {
		fmt.Fprintf(&b, "%s %s -- \"$u\" || { echo '@@failed %s' >&2; exit 1; }\n", sc, a, a)
	}
	res, err := hostRun(ctx, env, b.String(), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		stderr := string(res.Stderr)
		a := ""
		if i := strings.LastIndex(stderr, "@@failed "); i >= 0 {
			a = strings.TrimSpace(stderr[i+len("@@failed "):])
			stderr = stderr[:i]
		}
		switch a {
		case "mask", "unmask":
			if !st.found {
				return missing(), nil
			}
			return Failf("Unable to %s service %s: %s", a, m.Name, stderr), nil
		case "enable", "disable":
			return Failf("Unable to %s service %s: %s%s", a, m.Name, res.Stdout, stderr), nil
		}
		return Failf("Unable to %s service %s: %s", a, m.Name, stderr), nil
	}
	return r, nil
}

var _ Module = (*Systemd)(nil)
var _ Validator = (*Systemd)(nil)
