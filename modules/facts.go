package modules

import (
	"context"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.service_facts", Aliases: []string{"service_facts"},
		New: func() Module { return &ServiceFacts{} }, CheckMode: true,
	})
	Register(Info{
		ID: "ansible.builtin.package_facts", Aliases: []string{"package_facts"},
		New: func() Module { return &PackageFacts{} }, CheckMode: true,
	})
}

// ServiceFacts returns ansible_facts.services: every service unit systemd
// knows (list-units for state, list-unit-files for enablement, show for
// the state of units not loaded), or, without systemd, the scripts in
// /etc/init.d with their status. One round trip.
type ServiceFacts struct{}

const serviceFactsScript = `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	echo @@units
	systemctl list-units --all --type=service --no-legend --no-pager --plain 2>/dev/null
	echo @@files
	systemctl list-unit-files --type=service --no-legend --no-pager --plain 2>/dev/null
	echo @@show
	systemctl show --no-pager -p Id -p ActiveState -- $(systemctl list-unit-files --type=service --no-legend --no-pager --plain 2>/dev/null | cut -d' ' -f1) 2>/dev/null
	exit 0
fi
echo @@sysv
for f in /etc/init.d/*; do
	[ -x "$f" ] || continue
	n=${f##*/}
	case $n in README|skeleton|rc|rcS|functions) continue ;; esac
	"$f" status >/dev/null 2>&1
	r=$?
	if ls /etc/rc[2-5].d/S??"$n" >/dev/null 2>&1; then e=enabled; else e=disabled; fi
	echo "$n $r $e"
done
`

// badUnitStates are load/active states Ansible reports as the status.
var badUnitStates = map[string]bool{"not-found": true, "masked": true, "failed": true}

// Run implements Module.
func (m *ServiceFacts) Run(ctx context.Context, env *Env) (*Result, error) {
	res, err := hostRun(ctx, env, serviceFactsScript, map[string]string{"LC_ALL": "C", "SYSTEMD_COLORS": "0"})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	facts := value.NewMap(1)
	facts.Set("services", parseServices(Sections(string(res.Stdout))))
	return (&Result{}).Set("ansible_facts", facts), nil
}

// parseServices reads serviceFactsScript's sections.
func parseServices(sec map[string]string) *value.Map {
	type svc struct{ state, status, source string }
	all := map[string]*svc{}
	if sysv, ok := sec["sysv"]; ok {
		for _, l := range strings.Split(sysv, "\n") {
			f := strings.Fields(l)
			if len(f) != 3 {
				continue
			}
			s := &svc{state: "unknown", status: f[2], source: "sysv"}
			switch f[1] {
			case "0":
				s.state = "running"
			case "3":
				s.state = "stopped"
			}
			all[f[0]] = s
		}
	} else {
		for _, l := range strings.Split(sec["units"], "\n") {
			f := strings.Fields(l)
			if len(f) < 4 || !strings.HasSuffix(f[0], ".service") {
				continue
			}
			s := &svc{state: "stopped", status: f[2], source: "systemd"}
			if badUnitStates[f[1]] {
				s.status = f[1]
			} else if badUnitStates[f[2]] {
				s.status = f[2]
			}
			if f[3] == "running" {
				s.state = "running"
			}
			all[f[0]] = s
		}
		active := map[string]string{}
		id := ""
		for _, l := range strings.Split(sec["show"], "\n") {
			k, v, _ := strings.Cut(strings.TrimSpace(l), "=")
			switch k {
			case "Id":
				id = v
			case "ActiveState":
				active[id] = v
			}
		}
		for _, l := range strings.Split(sec["files"], "\n") {
			f := strings.Fields(l)
			if len(f) < 2 || !strings.HasSuffix(f[0], ".service") {
				continue
			}
			if s, ok := all[f[0]]; ok {
				if !badUnitStates[s.status] {
					s.status = f[1]
				}
				continue
			}
			st := active[f[0]]
			if st == "" {
				st = "unknown"
			}
			all[f[0]] = &svc{state: st, status: f[1], source: "systemd"}
		}
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	services := value.NewMap(len(names))
	for _, n := range names {
		s := all[n]
		services.Set(n, value.MapOf("name", n, "state", s.state, "status", s.status, "source", s.source))
	}
	return services
}

// PackageFacts returns ansible_facts.packages from dpkg-query in one
// round trip: name → list of {name, version, arch, category, source}.
type PackageFacts struct {
	// Manager lists the package managers to ask; auto finds them.
	Manager []string `arg:"manager,default=auto"`
	// Strategy is whether the first manager found answers or all of them.
	Strategy string `arg:"strategy,default=first,choices=all|first"`
}

// Run implements Module.
func (m *PackageFacts) Run(ctx context.Context, env *Env) (*Result, error) {
	for _, mg := range m.Manager {
		switch mg {
		case "auto", "apt":
		default:
			return Failf("package_facts: manager %s is not supported by fjord yet (auto, apt)", mg), nil
		}
	}
	script := `command -v dpkg-query >/dev/null 2>&1 || { echo @@none; exit 0; }
echo @@dpkg
dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\t${Section}\n'
`
	res, err := hostRun(ctx, env, script, map[string]string{"LC_ALL": "C"})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	sec := Sections(string(res.Stdout))
	if _, ok := sec["none"]; ok {
		return Failf("Could not detect a supported package manager from the following list: ['apt'], or the required Python library is not installed. Check warnings for details."), nil
	}
	pkgs := value.NewMap(512)
	for _, l := range strings.Split(sec["dpkg"], "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 5 {
			continue
		}
		st := f[0]
		// installed, or configured far enough to have a current version
		if len(st) < 2 || !strings.ContainsRune("iWtFU", rune(st[1])) {
			continue
		}
		e := value.MapOf("name", f[1], "version", f[2], "arch", f[3], "category", f[4], "source", "apt")
		if prev, ok := pkgs.Get(f[1]); ok {
			pkgs.Set(f[1], append(prev.([]any), e))
		} else {
			pkgs.Set(f[1], []any{e})
		}
	}
	facts := value.NewMap(1)
	facts.Set("packages", pkgs)
	return (&Result{}).Set("ansible_facts", facts), nil
}

var (
	_ Module = (*ServiceFacts)(nil)
	_ Module = (*PackageFacts)(nil)
)
