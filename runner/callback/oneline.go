package callback

import (
	"fmt"
	"io"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// onelineSink is ansible's oneline stdout callback (ansible -o): the
// minimal callback's lines with each result on one line.
type onelineSink struct {
	*minimalSink
}

// NewOneline returns the oneline callback.
func NewOneline(w io.Writer, o Options) Sink {
	return &onelineSink{NewMinimal(w, o).(*minimalSink)}
}

// onelineJSON is json.dumps(indent=0) with its new lines taken out, as
// the oneline callback prints a result: "," between items, no spaces.
// A result shown verbose always (debug's), or at -vvv, gets _dump_results'
// indent of 4 instead, its spaces left in the line.
func onelineJSON(m *value.Map, verbosity int) string {
	indent := 0
	if value.Truthy(get(m, "_ansible_verbose_always")) || verbosity > 2 {
		indent = 4
	}
	a, _ := value.DeepCopy(m).(*value.Map)
	stripInternal(a, nil)
	if verbosity < 3 {
		a.Delete("invocation")
		a.Delete("diff")
	}
	a.Delete("exception")
	b, _ := value.AppendPyJSON(nil, a, value.PyJSONOptions{Indent: indent, SortKeys: true, Default: value.StringDefault})
	return strings.ReplaceAll(string(b), "\n", "")
}

func onelineCommand(host string, m *value.Map, state string) string {
	rc := -1
	if v, ok := m.Get("rc"); ok {
		rc = toInt(v)
	}
	esc := strings.NewReplacer("\n", `\n`, "\r", `\r`)
	out := fmt.Sprintf("%s | %s | rc=%d | (stdout) %s", host, state, rc, esc.Replace(value.String(get(m, "stdout"))))
	if se := value.String(get(m, "stderr")); se != "" {
		out += " (stderr) " + esc.Replace(se)
	}
	return out
}

func (s *onelineSink) HostResult(r *HostResult) {
	if r.IsItem {
		return
	}
	m := cleanResult(r)
	noJSON := moduleNoJSON[shortAction(r.Task.Action)]
	switch r.Status {
	case Failed:
		if exc, ok := m.Get("exception"); ok {
			e := strings.TrimSpace(value.String(exc))
			msg := "An exception occurred during task execution. To see the full traceback, use -vvv. The error was: " + e[strings.LastIndex(e, "\n")+1:]
			if s.o.Verbosity >= 3 {
				msg = "An exception occurred during task execution. The full traceback is:\n" + strings.ReplaceAll(value.String(exc), "\n", "")
			}
			if _, ok := m.Get("module_stderr"); noJSON && !ok {
				msg = onelineCommand(r.Host, m, "FAILED")
			}
			s.display(s.w, msg, colorError)
		}
		s.display(s.w, r.Host+" | FAILED! => "+onelineJSON(m, s.o.Verbosity), colorError)
	case Skipped:
		s.display(s.w, r.Host+" | SKIPPED", colorSkip)
	case Unreachable:
		s.display(s.w, r.Host+" | UNREACHABLE!: "+value.String(get(m, "msg")), colorUnreachable)
	default:
		state, color := "SUCCESS", colorOK
		if value.Truthy(get(m, "changed")) {
			state, color = "CHANGED", colorChanged
		}
		if _, ok := m.Get("ansible_job_id"); noJSON && !ok {
			s.display(s.w, onelineCommand(r.Host, m, state), color)
		} else {
			s.display(s.w, r.Host+" | "+state+" => "+onelineJSON(m, s.o.Verbosity), color)
		}
	}
}

var _ Sink = (*onelineSink)(nil)
