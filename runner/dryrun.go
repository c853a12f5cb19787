package runner

import (
	"reflect"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/dryrun"
	"github.com/fjord-run/fjord/modules"
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
	}
}

func (tc *taskCtx) noteName() string {
	return tc.ex.cbTask(tc.t, tc.t.Name).Name
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
	unknowable := false
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
			s.Note(dryrun.Command, name, commandLine(get(w, "cmd")))
			unknowable = true
		}
		if value.Truthy(get(m, "predicted")) {
			s.Note(dryrun.Predicted, name, value.String(get(m, "msg")))
		}
	}
	if tc.check && value.Truthy(get(res, "skipped")) && strings.Contains(value.String(get(res, "msg")), "does not support check mode") {
		unknowable = true
	}
	if value.Truthy(get(res, "changed")) {
		text := ""
		if !tc.check {
			text = "ran for real (check_mode: false)"
		}
		s.Note(dryrun.Change, name, text)
	}
	if reg := tc.t.Register; reg != "" {
		if unknowable && tc.check {
			s.Unknowable(reg)
		} else {
			s.Known(reg)
		}
	}
}

// commandLine is a would_run command as one line.
func commandLine(cmd any) string {
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
