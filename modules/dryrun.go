package modules

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"

	"github.com/fjord-run/fjord/dryrun"
)

// Predictions for a check run (package dryrun): what a module would leave
// on the host, recorded so that later tasks of the run see it.

// predictFile records what a check-mode task would leave at p; a task
// that ran for real makes the host's own state the truth for p again.
func predictFile(env *Env, p string, f dryrun.File) {
	if env.Sim == nil {
		return
	}
	if env.Check {
		env.Sim.Put(p, f)
	} else {
		env.Sim.Forget(p)
	}
}

// maxPredicted is the largest local file whose content a prediction
// keeps; a bigger one is predicted by its checksum-free existence.
const maxPredicted = 1 << 20

// writtenContent is what a copy or template would write: its content, or
// the local source's when it is small enough.
func (w *writeFile) writtenContent() ([]byte, bool) {
	if w.localPath == "" {
		return w.content, true
	}
	if st, err := os.Stat(w.localPath); err != nil || st.Size() > maxPredicted {
		return nil, false
	}
	b, err := os.ReadFile(w.localPath)
	return b, err == nil
}

// predictApt records the packages apt-get --simulate says it would
// install ("Inst NAME ...") or remove ("Remv NAME ...").
func predictApt(env *Env, simulated string) {
	for _, l := range strings.Split(simulated, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "Inst":
			env.Sim.Package(f[1], true)
		case "Remv", "Purg":
			env.Sim.Package(f[1], false)
		}
	}
}

// predictedUnit answers for a service a check run cannot find on the
// host when the run would install packages first: the unit may come with
// one of them. It returns nil when no package would be installed.
func predictedUnit(env *Env, name, state string, enabled *bool) *Result {
	pkgs := env.Sim.Installed()
	if len(pkgs) == 0 || !env.Check {
		return nil
	}
	from := "the packages this run installs are"
	p := unitPackage(name, pkgs)
	if p != "" {
		from = p + " is"
	}
	r := &Result{Changed: state != "" || enabled != nil}
	unit := strings.TrimSuffix(name, ".service")
	if p != "" && (p == unit || p == unit+"-server") && (state == "" || state == "started") && (enabled == nil || *enabled) {
		// Debian's packages enable and start the service named after
		// them, or after the daemon of a NAME-server package
		// (deb-systemd-helper, invoke-rc.d): once installed, the unit is
		// as the task wants it. Not so for a template unit's instance
		// (openvpn-server@x) or another unit of the package.
		r.Changed = false
	}
	r.Set("name", name)
	if state != "" {
		r.Set("state", state)
	}
	if enabled != nil {
		r.Set("enabled", *enabled)
	}
	verb := "would be " + state
	switch state {
	case "started":
		verb = "would start"
		if !r.Changed {
			verb = "would be running"
		}
	case "stopped":
		verb = "would stop"
	case "restarted":
		verb = "would restart"
	case "reloaded":
		verb = "would reload"
	case "":
		verb = "would be configured"
	}
	r.Msg = fmt.Sprintf("%s %s after %s installed (the unit is not on the host yet)", name, verb, from)
	r.Set("msg", r.Msg)
	r.Set("predicted", true)
	return r
}

// wouldRun adds to a command's check-mode result what the real run would
// run: the command as templated, its directory, the names of the
// variables the task exports, and the creates/removes that did not stop
// it (would_run; in diff mode also a section of its own). The runner
// lists it in the run's summary.
func wouldRun(env *Env, r *Result, cmd any, chdir, creates, removes string) {
	w := value.NewMap(5)
	w.Set("cmd", cmd)
	if chdir != "" {
		w.Set("chdir", chdir)
	}
	keys := make([]string, 0, len(env.Environment))
	for k := range env.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		l := make([]any, len(keys))
		for i, k := range keys {
			l[i] = k
		}
		w.Set("environment", l)
	}
	if creates != "" {
		w.Set("creates", creates+" does not exist")
	}
	if removes != "" {
		w.Set("removes", removes+" exists")
	}
	r.Set("would_run", w)
	if env.Diff {
		text := CommandText(cmd)
		var b strings.Builder
		fmt.Fprintf(&b, "would run: %s\n", text)
		if chdir != "" {
			fmt.Fprintf(&b, "  in: %s\n", chdir)
		}
		if len(keys) > 0 {
			fmt.Fprintf(&b, "  environment: %s\n", strings.Join(keys, ", "))
		}
		r.Diff = append(r.Diff, Diff{Prepared: b.String()})
	}
}

// CommandText is a command as a shell line: a string as it is, an argv
// quoted (would_run's cmd in a check run's summary too).
func CommandText(cmd any) string {
	l, ok := cmd.([]any)
	if !ok {
		return value.String(cmd)
	}
	w := make([]string, len(l))
	for i, a := range l {
		w[i] = connection.Quote(value.String(a))
	}
	return strings.Join(w, " ")
}

// unitPackage guesses which of the packages a run would install brings a
// unit, by name: nginx.service from nginx, openvpn-server@x from openvpn,
// mariadb.socket from mariadb-server. "" when none is named so.
func unitPackage(unit string, pkgs []string) string {
	stem := unit
	if i := strings.IndexAny(stem, "@."); i > 0 {
		stem = stem[:i]
	}
	first, _, _ := strings.Cut(stem, "-")
	for _, want := range []string{stem, first, stem + "-server"} {
		for _, p := range pkgs {
			if p == want {
				return p
			}
		}
	}
	return ""
}
