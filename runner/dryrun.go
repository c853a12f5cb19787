package runner

import (
	"reflect"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/dryrun"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// A check run keeps each host's predicted state (package dryrun): what
// earlier check-mode tasks would have done, which later tasks see, and
// the notes of the run's summary.

// sim is host's predicted state in a check run; nil otherwise.
func (r *run) sim(host string) *dryrun.State {
	if !r.o.Check {
		return nil
	}
	if v, ok := r.sims.Load(host); ok {
		return v.(*dryrun.State)
	}
	v, _ := r.sims.LoadOrStore(host, dryrun.New())
	return v.(*dryrun.State)
}

// simulate gives a module the predicted state of the host it runs on in
// a check run, and a check-mode task a connection whose file helpers
// answer from it. A task that runs for real (check_mode: false) keeps
// the plain connection: it must see the host as it is.
func (r *run) simulate(env *modules.Env, delegate string) {
	target := env.Host
	if delegate != "" {
		target = delegate
	}
	s := r.sim(target)
	if s == nil {
		return
	}
	env.Sim = s
	if !env.Check {
		return
	}
	c := env.Conn
	// One wrapper per connection, so that caches keyed by the
	// connection (home directories, kept payloads) keep working.
	if !reflect.TypeOf(c).Comparable() {
		env.Conn = &dryrun.Conn{Conn: c, S: s}
		return
	}
	// (hosts may share a connection: local ones do)
	key := simConnKey{c, s}
	v, ok := r.simConns.Load(key)
	if !ok {
		v, _ = r.simConns.LoadOrStore(key, &dryrun.Conn{Conn: c, S: s})
	}
	env.Conn = v.(connection.Conn)
}

type simConnKey struct {
	c connection.Conn
	s *dryrun.State
}

// noteUnknowns notes a task that uses a variable registered from a
// result the check run could not know: whether it runs, and what it
// does, may differ in the real run.
func (tc *taskCtx) noteUnknowns() {
	s := tc.ex.r.sim(tc.h.name)
	if s == nil {
		return
	}
	var texts []string
	collectText(whens(tc.t), &texts)
	if tc.t.Args != nil {
		collectText(tc.t.Args, &texts)
	}
	if tc.t.Loop != nil {
		collectText(tc.t.Loop, &texts)
	}
	if used := s.Uses(texts...); len(used) > 0 {
		s.Note(dryrun.Unknown, tc.noteName(), "uses "+strings.Join(used, ", "))
		tc.unknown = true
	}
}

// collectText appends the strings in v (a task's conditions, arguments)
// to out.
func collectText(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case []any:
		for _, e := range v {
			collectText(e, out)
		}
	case *value.Map:
		v.Range(func(k string, e any) bool { collectText(e, out); return true })
	default:
		// a condition, kept with its place in the playbook
		if e, at := playbook.Unplace(v); at != nil {
			collectText(e, out)
		}
	}
}

// noteName is the task's name as the callbacks show it (role : name).
func (tc *taskCtx) noteName() string {
	return callback.TaskName(tc.ex.cbTask(tc.t, tc.t.Name))
}

// commandChanges says whether a command the check run did not run would
// report a change: a command always does, unless changed_when says
// otherwise; known is false when changed_when reads what the command
// would print.
func (tc *taskCtx) commandChanges() (changes, known bool) {
	t := tc.t
	if !t.HasChanged || len(t.ChangedWhen) == 0 {
		return true, true
	}
	for _, c := range t.ChangedWhen {
		c, _ = playbook.Unplace(c)
		switch v := c.(type) {
		case bool:
			if !v {
				return false, true
			}
		case string:
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "false", "no":
				return false, true
			case "true", "yes":
			default:
				return false, false
			}
		default:
			return false, false
		}
	}
	return true, true
}

// noteResult adds a task's result to its host's summary, and marks its
// registered variable as unknowable when the check run could not know
// it (a command that did not run, a module without check mode).
func (tc *taskCtx) noteResult(res *value.Map) {
	s := tc.ex.r.sim(tc.h.name)
	if s == nil || res == nil {
		return
	}
	name := tc.noteName()
	unknowable, wouldChange := false, false
	each := []*value.Map{res}
	if l, ok := get(res, "results").([]any); ok {
		for _, e := range l {
			if m, ok := e.(*value.Map); ok {
				each = append(each, m)
			}
		}
	}
	for _, m := range each {
		if w, ok := get(m, "would_run").(*value.Map); ok {
			s.Note(dryrun.Command, name, modules.CommandText(get(w, "cmd")))
			unknowable = true
			if changes, known := tc.commandChanges(); !known {
				s.Note(dryrun.Unknown, name, "changed_when reads the command's output")
			} else if changes && !value.Truthy(get(res, "changed")) {
				wouldChange = true
			}
		}
		if value.Truthy(get(m, "predicted")) {
			s.Note(dryrun.Predicted, name, value.String(get(m, "msg")))
		}
	}
	skipped := value.Truthy(get(res, "skipped"))
	switch {
	case tc.check && skipped && strings.Contains(value.String(get(res, "msg")), "does not support check mode"):
		unknowable = true
	case skipped && tc.whenReadsCheckMode():
		// skipped because this is a check run: the real run runs it
		if !tc.unknown {
			s.Note(dryrun.Unknown, name, "skipped in a check run (its when: reads ansible_check_mode)")
		}
		unknowable = true
	case !tc.check && tc.programMissing(res) && len(s.Installed()) > 0:
		// a command run for real found no program, which a package the
		// run would install may bring
		s.Note(dryrun.Unknown, name, "its program is not on the host yet")
		unknowable = true
	}
	unknowable = unknowable || tc.unknown
	if wouldChange {
		s.Note(dryrun.Change, name, "the command would run")
	} else if value.Truthy(get(res, "changed")) {
		text := ""
		if !tc.check {
			text = "ran for real (check_mode: false)"
		}
		s.Note(dryrun.Change, name, text)
	}
	if reg := tc.t.Register; reg != "" {
		if unknowable {
			s.Unknowable(reg)
		} else {
			s.Known(reg)
		}
	}
}

// programMissing says whether a command's result is that of a program
// not found: the shell's 127, or the command module's ENOENT.
func (tc *taskCtx) programMissing(res *value.Map) bool {
	rc := value.String(get(res, "rc"))
	return rc == "127" || rc == "2" && strings.Contains(value.String(get(res, "msg")), "No such file or directory")
}

// whenReadsCheckMode says whether the task's conditions name
// ansible_check_mode.
func (tc *taskCtx) whenReadsCheckMode() bool {
	var texts []string
	collectText(whens(tc.t), &texts)
	for _, t := range texts {
		if strings.Contains(t, "ansible_check_mode") {
			return true
		}
	}
	return false
}

// dryRunSummary hands the hosts' notes to the sinks that show them,
// after the recap of a check run.
func (r *run) dryRunSummary(stats []callback.Stats) {
	if !r.o.Check {
		return
	}
	var hosts []callback.DryRunHost
	for _, st := range stats {
		if s := r.sim(st.Host); s != nil {
			hosts = append(hosts, callback.DryRunHost{Host: st.Host, Notes: s.Notes()})
		}
	}
	sort.Slice(hosts, func(i, j int) bool { return hosts[i].Host < hosts[j].Host })
	r.emit(func(s callback.Sink) {
		if d, ok := s.(callback.DryRunSink); ok {
			d.DryRun(hosts)
		}
	})
}
