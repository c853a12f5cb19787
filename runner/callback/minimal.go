package callback

import (
	"fmt"
	"io"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// minimalSink is ansible's minimal stdout callback: one "host | STATE"
// block per final result, no banners and no recap.
type minimalSink struct {
	*defaultSink
}

// NewMinimal returns the minimal callback (ANSIBLE_STDOUT_CALLBACK=minimal).
// Options are those of NewDefault; banners and the recap are not printed.
func NewMinimal(w io.Writer, o ...Options) Sink {
	var opt Options
	if len(o) > 0 {
		opt = o[0]
	}
	return &minimalSink{NewDefault(w, opt).(*defaultSink)}
}

func commandMsg(host string, m *value.Map, state string) string {
	rc := -1
	if v, ok := m.Get("rc"); ok {
		rc = toInt(v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s | %s | rc=%d >>\n", host, state, rc)
	for _, k := range []string{"stdout", "stderr", "msg"} {
		if v, ok := m.Get(k); ok {
			b.WriteString(value.String(v))
		}
	}
	return b.String() + "\n"
}

func (s *minimalSink) HostResult(r *HostResult) {
	if r.IsItem {
		return
	}
	m := cleanResult(r)
	if s.o.Verbosity < 3 {
		m.Delete("invocation")
	}
	noJSON := moduleNoJSON[r.Task.Action] || moduleNoJSON["ansible.builtin."+r.Task.Action]
	if a := shortAction(r.Task.Action); moduleNoJSON[a] {
		noJSON = true
	}
	switch r.Status {
	case Failed:
		s.exception(m)
		s.warnings(m)
		if _, ok := m.Get("module_stderr"); noJSON && !ok {
			s.display(s.w, commandMsg(r.Host, m, "FAILED"), colorError)
		} else {
			s.display(s.w, r.Host+" | FAILED! => "+dumpResult(m, s.o.Verbosity, 4), colorError)
		}
	case Skipped:
		s.display(s.w, r.Host+" | SKIPPED", colorSkip)
	case Unreachable:
		s.display(s.w, r.Host+" | UNREACHABLE! => "+dumpResult(m, s.o.Verbosity, 4), colorUnreachable)
	default:
		if s.o.Diff && len(r.Diff) > 0 {
			s.diff(r.Diff)
		}
		cleanDebug(m, r.Task.Action)
		s.warnings(m)
		state, color := "SUCCESS", colorOK
		if value.Truthy(get(m, "changed")) {
			state, color = "CHANGED", colorChanged
		}
		if _, ok := m.Get("ansible_job_id"); noJSON && !ok {
			s.display(s.w, commandMsg(r.Host, m, state), color)
		} else {
			s.display(s.w, r.Host+" | "+state+" => "+dumpResult(m, s.o.Verbosity, 4), color)
		}
	}
}

func (s *minimalSink) PlaybookStart(string)                  {}
func (s *minimalSink) PlayStart(Play)                        {}
func (s *minimalSink) TaskStart(t Task)                      { s.task, s.haveTask, s.bannerShown = t, true, true }
func (s *minimalSink) Included(string, []string)             {}
func (s *minimalSink) IncludedItem(string, []string, string) {}
func (s *minimalSink) Retry(*HostResult)                     {}
func (s *minimalSink) NoHostsMatched()                       {}
func (s *minimalSink) NoMoreHosts()                          {}
func (s *minimalSink) Recap([]Stats)                         {}

// Async prints nothing: the minimal and oneline callbacks have no
// v2_runner_on_async_* of their own.
func (s *minimalSink) Async(AsyncEvent, *HostResult) {}

var _ Sink = (*minimalSink)(nil)

// DryRun prints nothing: ansible's minimal callback (ad hoc's) has no
// summary after the recap.
func (s *minimalSink) DryRun([]DryRunHost) {}
