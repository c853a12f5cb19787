package modules

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.service", Aliases: []string{"service"},
		New: func() Module { return &Service{} }, CheckMode: true,
	})
}

// Service is the init-agnostic service module: systemctl where the host
// boots with systemd (/run/systemd/system exists), else the init script
// in /etc/init.d with update-rc.d for enablement.
type Service struct {
	// Name is the service.
	Name string `arg:"name,required"`
	// State is whether the service runs, or an action on it.
	State string `arg:"state,choices=started|stopped|restarted|reloaded"`
	// Enabled is whether the service starts at boot.
	Enabled *bool `arg:"enabled"`
	// Sleep is the pause, in seconds, between stop and start on restart.
	Sleep int `arg:"sleep"`
	// Pattern is a process name to look for when the service has no status.
	Pattern string `arg:"pattern"`
	// Runlevel is the runlevel to enable the service in (OpenRC).
	Runlevel string `arg:"runlevel,default=default"`
	// Arguments are extra arguments for the service command.
	Arguments string `arg:"arguments,aliases=args"`
	// Use is the service manager to use; auto detects it.
	Use string `arg:"use,default=auto"`
}

// Validate implements Validator.
func (m *Service) Validate() error {
	if m.State == "" && m.Enabled == nil {
		return errors.New("one of the following is required: state, enabled")
	}
	return nil
}

// Run implements Module.
func (m *Service) Run(ctx context.Context, env *Env) (*Result, error) {
	sd := &Systemd{Name: m.Name, State: m.State, Enabled: m.Enabled, Scope: "system"}
	switch m.Use {
	case "auto":
		return sd.run(ctx, env, func() (*Result, error) { return m.sysv(ctx, env) })
	case "systemd":
		return sd.Run(ctx, env)
	case "sysvinit", "service", "sysv":
		return m.sysv(ctx, env)
	}
	return Failf("service: use=%s is not supported (auto, systemd, sysvinit)", m.Use), nil
}

// sysv drives /etc/init.d scripts: status decides started/stopped, the
// rcN.d start links decide enabled.
func (m *Service) sysv(ctx context.Context, env *Env) (*Result, error) {
	u := connection.Quote(m.Name)
	status := fmt.Sprintf("/etc/init.d/%s status >/dev/null 2>&1", u)
	if m.Pattern != "" {
		status = "pgrep -f -- " + connection.Quote(m.Pattern) + " >/dev/null"
	}
	script := fmt.Sprintf(`u=%s
[ -x "/etc/init.d/$u" ] || { echo missing; exit 0; }
%s && echo running || echo stopped
ls /etc/rc[2-5].d/S??"$u" >/dev/null 2>&1 && echo enabled || echo disabled
`, u, status)
	res, err := hostRun(ctx, env, script, nil)
	if err != nil {
		return nil, err
	}
	out := strings.Fields(string(res.Stdout))
	if len(out) == 0 || out[0] == "missing" {
		if r := predictedUnit(env, m.Name, m.State, m.Enabled); r != nil {
			return r, nil
		}
		return Failf("Could not find the requested service %s: host", m.Name), nil
	}
	running, enabled := out[0] == "running", len(out) > 1 && out[1] == "enabled"
	r := &Result{}
	r.Set("name", m.Name)
	var cmds []string
	if m.Enabled != nil {
		r.Set("enabled", *m.Enabled)
		if *m.Enabled != enabled {
			r.Changed = true
			if *m.Enabled {
				cmds = append(cmds, "update-rc.d \"$u\" defaults >/dev/null && update-rc.d \"$u\" enable")
			} else {
				cmds = append(cmds, "update-rc.d \"$u\" disable")
			}
		}
	}
	if m.State != "" {
		r.Set("state", m.State)
		a := ""
		switch m.State {
		case "started":
			if !running {
				a = "start"
			}
		case "stopped":
			if running {
				a = "stop"
			}
		case "restarted":
			a = "restart"
		case "reloaded":
			a = "reload"
			if !running {
				a = "start"
			}
		}
		if a != "" {
			r.Changed = true
			args := ""
			if m.Arguments != "" {
				args = " " + m.Arguments
			}
			cmds = append(cmds, fmt.Sprintf("/etc/init.d/\"$u\" %s%s", a, args))
			if m.Sleep > 0 && a == "restart" {
				cmds[len(cmds)-1] = fmt.Sprintf("/etc/init.d/\"$u\" stop%s; sleep %d; /etc/init.d/\"$u\" start%s", args, m.Sleep, args)
			}
		}
	}
	if env.Check || len(cmds) == 0 {
		return r, nil
	}
	res, err = hostRun(ctx, env, "u="+u+"\nset -e\n"+strings.Join(cmds, "\n"), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	return r, nil
}

var _ Module = (*Service)(nil)
var _ Validator = (*Service)(nil)
