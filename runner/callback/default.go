package callback

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// Options configure the default (ansible-playbook) output.
type Options struct {
	Verbosity int  // -v count
	Color     bool // ANSI colours as ansible's defaults
	Diff      bool // --diff: print r.Diff of changed results
	Check     bool // --check (no marker is printed: check_mode_markers is off by default)
	// HideSkipped and HideOK are display_skipped_hosts=false and
	// display_ok_hosts=false; Ansible shows both by default, and so does
	// the zero Options.
	HideSkipped, HideOK bool
	// CheckModeMarkers is check_mode_markers: "DRY RUN" banners around a
	// --check run and " [CHECK MODE]" after play and task names.
	CheckModeMarkers bool
	// ShowCustomStats is show_custom_stats: set_stats' data after the recap.
	ShowCustomStats bool
	// FailedStderr is display_failed_stderr: failures and unreachable
	// hosts are printed on Stderr.
	FailedStderr bool
	// ResultFormat and PrettyResults are callback_result_format ("json"
	// or "", "yaml") and callback_format_pretty (nil: unset).
	ResultFormat  string
	PrettyResults *bool
	// Width is the terminal width; banners are padded with '*' to
	// max(80, Width) columns, as when stdout is not a terminal.
	Width int
	// Stderr receives warnings (Ansible writes them to stderr); nil
	// writes them to the main writer.
	Stderr io.Writer
	// Warner prints warnings; the engine passes the one it warns with,
	// so that a text is never printed twice. Nil: a Warner on Stderr.
	Warner *Warner
}

// ANSI SGR codes of ansible's default colours.
const (
	colorOK          = "0;32"
	colorChanged     = "0;33"
	colorSkip        = "0;36"
	colorError       = "0;31"
	colorUnreachable = "1;31"
	colorWarn        = "1;35"
	colorVerbose     = "0;34"
	colorDebug       = "1;30"
	colorDiffAdd     = "0;32"
	colorDiffRemove  = "0;31"
	colorDiffLines   = "0;36"
)

type defaultSink struct {
	w, errw io.Writer
	o       Options
	columns int

	task         Task
	haveTask     bool
	bannerShown  bool
	warner       *Warner
	deprecations map[string]bool
	err          error
	// dumper renders a result shown after "=>"; nil is dumpResult. The
	// stdout callbacks built on this one (debug) change only that.
	dumper func(*value.Map) string
	custom *value.Map // set_stats' data, for show_custom_stats
}

// NewDefault returns the default callback: ansible-playbook's screen output.
func NewDefault(w io.Writer, o Options) Sink {
	s := &defaultSink{w: w, errw: o.Stderr, o: o, columns: max(79, o.Width-1), warner: o.Warner, deprecations: map[string]bool{}}
	if s.errw == nil {
		s.errw = w
	}
	if s.warner == nil {
		s.warner = NewWarner(s.errw, o.Color, o.Width)
	}
	return s
}

func (s *defaultSink) colorize(text, color string) string {
	if !s.o.Color || color == "" {
		return text
	}
	return colorLines(text, color)
}

// display writes one message the way Ansible's Display.display does: the
// final newline is kept out of the colour and always written.
func (s *defaultSink) display(w io.Writer, msg, color string) {
	msg = strings.TrimSuffix(msg, "\n")
	s.write(w, s.colorize(msg, color)+"\n")
}

func (s *defaultSink) write(w io.Writer, text string) {
	if s.err != nil {
		return
	}
	_, s.err = io.WriteString(w, replaceInvalid(text))
}

func (s *defaultSink) banner(msg string) {
	msg = strings.TrimSpace(msg)
	stars := max(s.columns-textWidth(msg), 3)
	s.display(s.w, "\n"+msg+" "+strings.Repeat("*", stars), "")
}

func taskName(t Task) string {
	name := t.Name
	if name == "" {
		name = t.Action
	}
	if t.Role != "" {
		name = t.Role + " : " + name
	}
	return strings.TrimSpace(name)
}

func (s *defaultSink) PlaybookStart(path string) {
	if s.o.Verbosity > 1 {
		s.banner("PLAYBOOK: " + filepath.Base(path))
	}
	s.dryRun()
}

func (s *defaultSink) PlayStart(p Play) {
	s.haveTask = false
	name := strings.TrimSpace(p.Name)
	if name == "" {
		s.banner("PLAY" + s.checkMark(p.Check))
		return
	}
	s.banner("PLAY [" + name + "]" + s.checkMark(p.Check))
}

func (s *defaultSink) TaskStart(t Task) {
	s.task, s.haveTask, s.bannerShown = t, true, false
	if !s.o.HideSkipped && !s.o.HideOK {
		s.taskBanner()
	}
}

func (s *defaultSink) taskBanner() {
	if s.bannerShown || !s.haveTask {
		return
	}
	prefix := "TASK"
	if s.task.Handler {
		prefix = "RUNNING HANDLER"
	}
	s.banner(prefix + " [" + taskName(s.task) + "]" + s.checkMark(s.task.Check))
	if s.o.Verbosity >= 2 && s.task.Path != "" {
		s.display(s.w, "task path: "+s.task.Path, colorDebug)
	}
	s.bannerShown = true
}

func hostLabel(r *HostResult, m *value.Map) string {
	label := r.Host
	if r.Delegate != "" && r.Delegate != r.Host {
		label += " -> " + r.Delegate
		if dv, ok := get(m, "_ansible_delegated_vars").(*value.Map); ok {
			if ah, ok := dv.Get("ansible_host"); ok && value.String(ah) != r.Delegate {
				label += "(" + value.String(ah) + ")"
			}
		}
	}
	return label
}

func (s *defaultSink) dump(m *value.Map) string {
	if s.dumper != nil {
		return s.dumper(m)
	}
	if s.o.ResultFormat == "yaml" || s.o.PrettyResults != nil {
		return formatDump(m, s.o.Verbosity, s.o.ResultFormat, s.o.PrettyResults)
	}
	return dumpResult(m, s.o.Verbosity, 0)
}

func isChanged(r *HostResult, m *value.Map) bool {
	return r.Status == Changed || value.Truthy(get(m, "changed"))
}

func (s *defaultSink) HostResult(r *HostResult) {
	m := cleanResult(r)
	if s.o.Verbosity < 3 {
		// a module's invocation is shown from -vvv, as _dump_results does
		m.Delete("invocation")
	}
	label := hostLabel(r, m)
	if r.IsItem {
		s.itemResult(r, m, label)
		return
	}
	hasResults := func() bool {
		_, ok := m.Get("results")
		return r.Loop && ok
	}
	switch r.Status {
	case Failed:
		cleanDebug(m, r.Task.Action)
		s.taskBanner()
		s.exception(m)
		s.warnings(m)
		if !hasResults() {
			s.display(s.failW(), fmt.Sprintf("fatal: [%s]: FAILED! => %s", label, s.dump(m)), colorError)
		}
		if r.Ignored {
			s.display(s.w, "...ignoring", colorSkip)
		}
	case Unreachable:
		s.taskBanner()
		s.display(s.failW(), fmt.Sprintf("fatal: [%s]: UNREACHABLE! => %s", label, s.dump(m)), colorUnreachable)
		if r.Ignored {
			s.display(s.w, "...ignoring", colorSkip)
		}
	case Skipped:
		if s.o.HideSkipped {
			return
		}
		cleanDebug(m, r.Task.Action)
		s.taskBanner()
		m.Delete("results")
		msg := "skipping: [" + r.Host + "]"
		if runIsVerbose(m, s.o.Verbosity, 0) {
			msg += " => " + s.dump(m)
		}
		s.display(s.w, msg, colorSkip)
	default:
		changed := isChanged(r, m)
		s.FileDiff(r)
		if r.Task.Include {
			s.taskBanner()
			return
		}
		msg, color := "changed: ["+label+"]", colorChanged
		if !changed {
			if s.o.HideOK {
				return
			}
			msg, color = "ok: ["+label+"]", colorOK
		}
		s.taskBanner()
		s.warnings(m)
		if hasResults() {
			return
		}
		cleanDebug(m, r.Task.Action)
		if runIsVerbose(m, s.o.Verbosity, 0) {
			msg += " => " + s.dump(m)
		}
		s.display(s.w, msg, color)
	}
}

func (s *defaultSink) itemResult(r *HostResult, m *value.Map, label string) {
	item := itemLabel(r, m)
	switch r.Status {
	case Failed, Unreachable:
		s.taskBanner()
		cleanDebug(m, r.Task.Action)
		s.exception(m)
		s.warnings(m)
		s.display(s.failW(), fmt.Sprintf("failed: [%s] (item=%s) => %s", label, item, s.dump(m)), colorError)
	case Skipped:
		if s.o.HideSkipped {
			return
		}
		s.taskBanner()
		cleanDebug(m, r.Task.Action)
		msg := fmt.Sprintf("skipping: [%s] => (item=%s) ", r.Host, item)
		if runIsVerbose(m, s.o.Verbosity, 0) {
			msg += " => " + s.dump(m)
		}
		s.display(s.w, msg, colorSkip)
	default:
		// each item's diff before its line, as ansible's strategy sends
		// v2_on_file_diff for an item result
		s.FileDiff(r)
		if r.Task.Include {
			return
		}
		msg, color := "changed", colorChanged
		if !isChanged(r, m) {
			if s.o.HideOK {
				return
			}
			msg, color = "ok", colorOK
		}
		s.taskBanner()
		msg = fmt.Sprintf("%s: [%s] => (item=%s)", msg, label, item)
		cleanDebug(m, r.Task.Action)
		if runIsVerbose(m, s.o.Verbosity, 0) {
			msg += " => " + s.dump(m)
		}
		s.display(s.w, msg, color)
	}
}

// FileDiff prints what HostResult prints of r's diff: the job event
// sink makes it an event of its own, as ansible's v2_on_file_diff.
func (s *defaultSink) FileDiff(r *HostResult) {
	if s.o.Diff && isChanged(r, r.Result) && len(r.Diff) > 0 {
		s.taskBanner() // (once)
		s.diff(r.Diff)
	}
}

func (s *defaultSink) diff(ds []modules.Diff) {
	var b strings.Builder
	for _, d := range ds {
		for _, l := range diffLines(d) {
			switch {
			case strings.HasPrefix(l, "+"):
				l = s.colorize(l, colorDiffAdd)
			case strings.HasPrefix(l, "-"):
				l = s.colorize(l, colorDiffRemove)
			case strings.HasPrefix(l, "@@"):
				l = s.colorize(l, colorDiffLines)
			}
			b.WriteString(l)
		}
	}
	if b.Len() == 0 {
		return
	}
	s.taskBanner()
	s.display(s.w, b.String(), "")
}

func (s *defaultSink) Included(path string, hosts []string) {
	// An include that ran shows its banner even when ok results are
	// hidden, as Ansible's v2_runner_on_ok does for TaskInclude.
	s.taskBanner()
	s.display(s.w, "included: "+path+" for "+strings.Join(hosts, ", "), colorSkip)
}

func (s *defaultSink) IncludedItem(path string, hosts []string, label string) {
	s.taskBanner()
	s.display(s.w, "included: "+path+" for "+strings.Join(hosts, ", ")+" => (item="+label+")", colorSkip)
}

func (s *defaultSink) Retry(r *HostResult) {
	m := cleanResult(r)
	if s.o.Verbosity < 3 {
		m.Delete("invocation")
	}
	left := toInt(get(r.Result, "retries")) - toInt(get(r.Result, "attempts"))
	name := r.Task.Name
	if name == "" {
		name = r.Task.Action
	}
	msg := fmt.Sprintf("FAILED - RETRYING: [%s]: %s (%d retries left).", hostLabel(r, m), name, left)
	if runIsVerbose(m, s.o.Verbosity, 2) {
		msg += "Result was: " + s.dump(m)
	}
	s.display(s.w, msg, colorDebug)
}

// Async prints ASYNC POLL, ASYNC OK and ASYNC FAILED lines.
func (s *defaultSink) Async(ev AsyncEvent, r *HostResult) {
	jid := get(r.Result, "ansible_job_id")
	if ar, ok := get(r.Result, "async_result").(*value.Map); ok && jid == nil {
		jid = get(ar, "ansible_job_id")
	}
	var msg string
	switch ev {
	case AsyncPoll:
		msg = fmt.Sprintf("ASYNC POLL on %s: jid=%s started=%s finished=%s", r.Host, pyStr(jid),
			pyStr(get(r.Result, "started")), pyStr(get(r.Result, "finished")))
	case AsyncOK:
		msg = fmt.Sprintf("ASYNC OK on %s: jid=%s", r.Host, pyStr(jid))
	default:
		msg = fmt.Sprintf("ASYNC FAILED on %s: jid=%s", r.Host, pyStr(jid))
	}
	s.taskBanner()
	s.display(s.w, msg, colorDebug)
}

// pyStr is Python's %s of a result value (None for a missing one).
func pyStr(v any) string {
	if v == nil {
		return "None"
	}
	return value.String(v)
}

func toInt(v any) int {
	switch v := v.(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return 0
}

func (s *defaultSink) Verbose(level int, msg string) {
	if s.o.Verbosity >= level {
		s.display(s.w, msg, colorVerbose)
	}
}

func (s *defaultSink) NoHostsMatched() { s.display(s.w, "skipping: no hosts matched", colorSkip) }

func (s *defaultSink) NoMoreHosts() { s.banner("NO MORE HOSTS LEFT") }

func (s *defaultSink) Warn(msg string) {
	if err := s.warner.Warn(msg); err != nil && s.err == nil {
		s.err = err
	}
}

func (s *defaultSink) Recap(stats []Stats) {
	s.banner("PLAY RECAP")
	for _, st := range stats {
		host := fmt.Sprintf("%-26s", st.Host)
		if s.o.Color {
			c := colorOK
			switch {
			case st.Failed != 0 || st.Unreachable != 0:
				c = colorError
			case st.Changed != 0:
				c = colorChanged
			}
			host = fmt.Sprintf("%-37s", s.colorize(st.Host, c))
		}
		s.display(s.w, fmt.Sprintf("%s : %s %s %s %s %s %s %s", host,
			s.count("ok", st.OK, colorOK),
			s.count("changed", st.Changed, colorChanged),
			s.count("unreachable", st.Unreachable, colorUnreachable),
			s.count("failed", st.Failed, colorError),
			s.count("skipped", st.Skipped, colorSkip),
			s.count("rescued", st.Rescued, colorOK),
			s.count("ignored", st.Ignored, colorWarn)), "")
	}
	s.display(s.w, "", "")
	s.customRecap()
	s.dryRun()
}

func (s *defaultSink) count(name string, n int, color string) string {
	text := fmt.Sprintf("%s=%-4d", name, n)
	if n != 0 {
		return s.colorize(text, color)
	}
	return text
}

func (s *defaultSink) Close() error { return s.err }

var _ Sink = (*defaultSink)(nil)
