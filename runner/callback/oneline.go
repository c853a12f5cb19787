package callback

import (
	"fmt"
	"io"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// onelineSink is ansible's oneline stdout callback (ansible -o): one
// "host | STATE => {...}" line per final result, no banners, no recap.
type onelineSink struct {
	*minimalSink
}

// NewOneline returns the oneline callback (ANSIBLE_STDOUT_CALLBACK=oneline).
func NewOneline(w io.Writer, o Options) Sink {
	return &onelineSink{&minimalSink{NewDefault(w, o).(*defaultSink)}}
}

// onelineDump is CallbackBase._dump_results with indent=0 and its new
// lines removed: items follow one another with "," and no space, or
// with four spaces for a result shown verbosely.
func onelineDump(m *value.Map, verbosity int) string {
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

// onelineCommand is a command's result on one line, its output's new
// lines escaped.
func onelineCommand(host string, m *value.Map, state string) string {
	esc := strings.NewReplacer("\n", `\n`, "\r", `\r`)
	rc := "-1"
	if v, ok := m.Get("rc"); ok {
		rc = pyStr(v)
	}
	msg := fmt.Sprintf("%s | %s | rc=%s | (stdout) %s", host, state, rc, esc.Replace(optString(m, "stdout")))
	if stderr := optString(m, "stderr"); stderr != "" {
		msg += " (stderr) " + esc.Replace(stderr)
	}
	return msg
}

func isNoJSON(action string) bool {
	return moduleNoJSON[action] || moduleNoJSON[shortAction(action)]
}

func (s *onelineSink) HostResult(r *HostResult) {
	if r.IsItem {
		return
	}
	m := cleanResult(r)
	host := r.Host
	switch r.Status {
	case Failed:
		if exc, ok := m.Get("exception"); ok {
			text := value.String(exc)
			msg := "An exception occurred during task execution. The full traceback is:\n" + strings.ReplaceAll(text, "\n", "")
			if s.o.Verbosity < 3 {
				lines := strings.Split(strings.TrimSpace(text), "\n")
				msg = "An exception occurred during task execution. To see the full traceback, use -vvv. The error was: " + lines[len(lines)-1]
			}
			if _, ok := m.Get("module_stderr"); isNoJSON(r.Task.Action) && !ok {
				msg = onelineCommand(host, m, "FAILED")
			}
			s.display(s.w, msg, colorError)
		}
		s.display(s.w, host+" | FAILED! => "+onelineDump(m, s.o.Verbosity), colorError)
	case Skipped:
		s.display(s.w, host+" | SKIPPED", colorSkip)
	case Unreachable:
		s.display(s.w, host+" | UNREACHABLE!: "+optString(m, "msg"), colorUnreachable)
	default:
		state, color := "SUCCESS", colorOK
		if value.Truthy(get(m, "changed")) {
			state, color = "CHANGED", colorChanged
		}
		if _, ok := m.Get("ansible_job_id"); isNoJSON(r.Task.Action) && !ok {
			s.display(s.w, onelineCommand(host, m, state), color)
		} else {
			s.display(s.w, host+" | "+state+" => "+onelineDump(m, s.o.Verbosity), color)
		}
	}
}

var _ Sink = (*onelineSink)(nil)
