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
		ID: "ansible.builtin.hostname", Aliases: []string{"hostname"},
		New: func() Module { return &Hostname{file: "/etc/hostname"} }, CheckMode: true,
	})
}

// Hostname sets the host's current and permanent host name: through
// hostnamectl where systemd runs (use=systemd), else hostname(1) and
// /etc/hostname (use=debian), or hostname(1) alone (use=generic).
type Hostname struct {
	// Name is the host name to set.
	Name string `arg:"name,required"`
	// Use picks the strategy; unset, systemd when it is PID 1, else the
	// /etc/hostname file when there is one, else generic. The other
	// Ansible strategies (redhat, alpine, ...) are accepted and use the
	// file, which is what those distributions read too.
	Use string `arg:"use,choices=alpine|debian|freebsd|generic|macos|macosx|darwin|openbsd|openrc|redhat|sles|solaris|systemd"`

	file string // the permanent name's file; tests point it elsewhere
}

// Validate implements Validator.
func (m *Hostname) Validate() error {
	switch m.Use {
	case "freebsd", "macos", "macosx", "darwin", "openbsd", "solaris":
		return fmt.Errorf("use=%s is not supported by fjord yet", m.Use)
	}
	return nil
}

// Run implements Module.
func (m *Hostname) Run(ctx context.Context, env *Env) (*Result, error) {
	return Execute(ctx, env, m)
}

// Plan implements Planner: one round trip reads the strategy in use and
// the current and permanent names; Detail is the script that sets them.
func (m *Hostname) Plan(ctx context.Context, env *Env) (*Plan, error) {
	f := connection.Quote(m.file)
	var b strings.Builder
	switch m.Use {
	case "":
		fmt.Fprintf(&b, "if [ -d /run/systemd/system ] && command -v hostnamectl >/dev/null; then u=systemd; elif [ -f %s ]; then u=debian; else u=generic; fi\n", f)
	case "systemd", "generic":
		fmt.Fprintf(&b, "u=%s\n", m.Use)
	default:
		b.WriteString("u=debian\n")
	}
	fmt.Fprintf(&b, `echo "@@use $u"
case $u in
systemd) echo @@current; hostnamectl --transient status || exit 1; echo @@permanent; hostnamectl --static status || exit 1;;
debian) echo @@current; hostname || exit 1; echo @@permanent; [ ! -f %[1]s ] || cat -- %[1]s;;
*) echo @@current; hostname || exit 1;;
esac
`, f)
	res, err := hostRun(ctx, env, b.String(), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return &Plan{Result: cmdFailed(res, "")}, nil
	}
	sec := Sections(string(res.Stdout))
	use := ""
	for k := range sec {
		if u, ok := strings.CutPrefix(k, "use "); ok {
			use = u
		}
	}
	if use == "systemd" && len(m.Name) > 64 {
		return &Plan{Result: Failf("name cannot be longer than 64 characters on systemd servers, try a shorter name")}, nil
	}
	current := strings.TrimSpace(sec["current"])
	permanent, hasPermanent := sec["permanent"]
	permanent = strings.TrimSpace(permanent)
	if use == "generic" {
		permanent, hasPermanent = m.Name, true
	}
	r := &Result{}
	p := &Plan{Result: r}
	r.Set("name", m.Name)
	facts := value.NewMap(4)
	short, domain, _ := strings.Cut(m.Name, ".")
	facts.Set("ansible_hostname", short)
	facts.Set("ansible_nodename", m.Name)
	facts.Set("ansible_fqdn", m.Name)
	facts.Set("ansible_domain", domain)
	r.Set("ansible_facts", facts)

	var w strings.Builder
	q := connection.Quote(m.Name)
	if current != m.Name {
		p.Changed = true
		if use == "systemd" {
			fmt.Fprintf(&w, "hostnamectl --transient set-hostname %s || exit 1\n", q)
		} else {
			fmt.Fprintf(&w, "hostname %s || exit 1\n", q)
		}
	}
	if hasPermanent && permanent != m.Name {
		p.Changed = true
		if use == "systemd" {
			fmt.Fprintf(&w, "hostnamectl --pretty --static set-hostname %s || exit 1\n", q)
		} else {
			fmt.Fprintf(&w, `t=$(mktemp %[1]s.XXXXXXXX) || exit 1
printf '%%s\n' %[2]s > "$t" && chmod 0644 "$t" && mv -f -- "$t" %[1]s || { rm -f -- "$t"; exit 1; }
`, f, q)
		}
	}
	if p.Changed {
		p.Diff = []Diff{{Before: "hostname = " + current + "\n", After: "hostname = " + m.Name + "\n"}}
	}
	p.Detail = w.String()
	return p, nil
}

// Apply implements Planner.
func (m *Hostname) Apply(ctx context.Context, env *Env, p *Plan) (*Result, error) {
	res, err := hostRun(ctx, env, p.Detail.(string), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		f := cmdFailed(res, "")
		f.Msg = fmt.Sprintf("Failed to set hostname (rc=%d, out=%s, err=%s)", res.RC, trimNL(string(res.Stdout)), trimNL(string(res.Stderr)))
		f.Set("msg", f.Msg)
		return f, nil
	}
	return p.Result, nil
}

var _ Module = (*Hostname)(nil)
var _ Validator = (*Hostname)(nil)
var _ Planner = (*Hostname)(nil)
