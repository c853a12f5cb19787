package callback

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fjord-run/fjord/value"
)

// enabledNames maps the names Ansible users list in callbacks_enabled
// (callback_whitelist, ANSIBLE_CALLBACKS_ENABLED) to the aggregate
// callbacks fjord has. ansible-core 2.14 redirects the short names to
// ansible.posix.
var enabledNames = map[string]string{
	"profile_tasks": "profile_tasks", "ansible.posix.profile_tasks": "profile_tasks",
	"profile_roles": "profile_roles", "ansible.posix.profile_roles": "profile_roles",
	"timer": "timer", "ansible.posix.timer": "timer",
}

// EnabledName returns the canonical name of an aggregate callback as
// listed in callbacks_enabled; ok is false for one fjord does not have.
func EnabledName(name string) (canonical string, ok bool) {
	canonical, ok = enabledNames[strings.TrimSpace(name)]
	return canonical, ok
}

// AggregateOptions configure the callbacks of callbacks_enabled.
type AggregateOptions struct {
	// Start is when the run began: profile_tasks' first "total" is
	// counted from it, as ansible counts from loading the plugin.
	Start time.Time
	// Now reads the clock; nil is time.Now. Tests set a fake one.
	Now func() time.Time
	// SortOrder is profile_tasks' sort_order: "descending" (also ""),
	// "ascending" or "none" (the order the tasks ran in).
	SortOrder string
	// OutputLimit is profile_tasks' output_limit: how many tasks the
	// summary lists, sliced as Python slices (a negative one drops from
	// the end); "all" or "" lists every task. ansible's default is "20".
	OutputLimit string
	Verbosity   int
	Width       int // terminal width, as Options.Width
}

func (o AggregateOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// NewEnabled returns the aggregate callback called name (any name
// EnabledName takes), writing to w; nil for one fjord does not have.
func NewEnabled(name string, w io.Writer, o AggregateOptions) Sink {
	canonical, _ := EnabledName(name)
	if o.Start.IsZero() {
		o.Start = o.now()
	}
	p := &printer{w: w}
	switch canonical {
	case "profile_tasks":
		return &profileTasks{printer: p, o: o, clock: clock{t0: o.Start, tn: o.Start}, columns: max(79, o.Width-1)}
	case "profile_roles":
		return &profileRoles{printer: p, o: o, clock: clock{t0: o.Start, tn: o.Start}, totals: map[string]time.Duration{}}
	case "timer":
		return &timer{printer: p, o: o}
	}
	return nil
}

// printer writes lines and keeps the first write error for Close.
type printer struct {
	Nop
	w   io.Writer
	err error
}

func (p *printer) line(s string) {
	if p.err == nil {
		_, p.err = io.WriteString(p.w, s+"\n")
	}
}

func (p *printer) Close() error { return p.err }

// clock is profile_tasks' and profile_roles' "Saturday 05 December 2026
// 13:12:01 +0000 (0:00:00.123)       0:00:01.234 *****" line: the time,
// the time since the previous line and since the start.
type clock struct{ t0, tn time.Time }

func (c *clock) line(now time.Time) string {
	s := fmt.Sprintf("%s (%s)%s%s", now.Format("Monday 02 January 2006  15:04:05 -0700"),
		hms(now.Sub(c.tn)), strings.Repeat(" ", 7), hms(now.Sub(c.t0)))
	c.tn = now
	return filled(s, '*')
}

// hms is an elapsed time as "H:MM:SS.mmm", milliseconds truncated.
func hms(d time.Duration) string {
	ms := max(d.Milliseconds(), 0)
	return fmt.Sprintf("%d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// filled pads msg with fill to 79 columns (at least 3), keeping the
// trailing space ansible's plugins leave.
func filled(msg string, fill byte) string {
	width := 79
	if msg != "" {
		msg += " "
		width -= utf8.RuneCountInString(msg)
	}
	return msg + strings.Repeat(string(fill), max(width, 3)) + " "
}

// padRow is "name ------- 1.23s": name and a space padded with '-' to
// width runes, then the seconds right-aligned in 9 with '-'.
func padRow(name string, d time.Duration, width int) string {
	name += " "
	secs := fmt.Sprintf(" %.2fs", d.Seconds())
	return name + strings.Repeat("-", max(width-utf8.RuneCountInString(name), 0)) +
		strings.Repeat("-", max(9-len(secs), 0)) + secs
}

// profileTasks is ansible.posix.profile_tasks.
type profileTasks struct {
	*printer
	o       AggregateOptions
	clock   clock
	columns int
	current *taskTime
	byID    map[string]*taskTime
	order   []*taskTime
}

type taskTime struct {
	name, path string
	started    time.Time
	elapsed    time.Duration
}

func (p *profileTasks) stop(now time.Time) {
	if p.current != nil {
		p.current.elapsed += now.Sub(p.current.started)
	}
}

func (p *profileTasks) TaskStart(t Task) {
	now := p.o.now()
	p.line(p.clock.line(now))
	p.stop(now)
	if p.byID == nil {
		p.byID = map[string]*taskTime{}
	}
	// A task run again (serial batches) adds to its own total.
	id := t.ID
	if id == "" {
		id = t.Path + "\x00" + taskName(t)
	}
	tt := p.byID[id]
	if tt == nil {
		tt = &taskTime{name: taskName(t)}
		p.byID[id] = tt
		p.order = append(p.order, tt)
	}
	tt.started = now
	if p.o.Verbosity >= 2 {
		tt.path = t.Path
	}
	p.current = tt
}

func (p *profileTasks) Recap([]Stats) {
	now := p.o.now()
	p.line(p.clock.line(now))
	p.line(filled("", '='))
	p.stop(now)
	p.current = nil
	rows := append([]*taskTime(nil), p.order...)
	switch p.o.SortOrder {
	case "none":
	case "ascending":
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].elapsed < rows[j].elapsed })
	default:
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].elapsed > rows[j].elapsed })
	}
	rows = pySlice(rows, p.o.OutputLimit)
	for _, r := range rows {
		msg := padRow(r.name, r.elapsed, p.columns-9)
		if r.path != "" {
			path := r.path + " "
			msg += "\n" + path + strings.Repeat("-", max(p.columns-utf8.RuneCountInString(path), 0))
		}
		p.line(msg)
	}
}

// pySlice is Python's rows[:limit] for output_limit ("all" or "" is
// every row; a number not parsed is every row too).
func pySlice[T any](rows []T, limit string) []T {
	var n int
	if limit == "" || limit == "all" {
		return rows
	}
	if _, err := fmt.Sscanf(limit, "%d", &n); err != nil {
		return rows
	}
	if n < 0 {
		n += len(rows)
	}
	return rows[:min(max(n, 0), len(rows))]
}

// profileRoles is ansible.posix.profile_roles: time per role, and per
// action for tasks outside roles.
type profileRoles struct {
	*printer
	o       AggregateOptions
	clock   clock
	current string
	running bool // current is being timed
	started time.Time
	totals  map[string]time.Duration
	order   []string
}

func (p *profileRoles) stop(now time.Time) {
	if p.running {
		p.totals[p.current] += now.Sub(p.started)
	}
}

func (p *profileRoles) TaskStart(t Task) {
	now := p.o.now()
	p.line(p.clock.line(now))
	p.stop(now)
	key := t.Role
	if key == "" {
		key = t.Written
		if key == "" {
			key = t.Action
		}
	}
	if _, ok := p.totals[key]; !ok {
		p.order = append(p.order, key)
		p.totals[key] = 0
	}
	p.current, p.started, p.running = key, now, true
}

func (p *profileRoles) Recap([]Stats) {
	now := p.o.now()
	p.line(p.clock.line(now))
	p.line(filled("", '='))
	p.stop(now)
	p.running = false
	keys := append([]string(nil), p.order...)
	sort.SliceStable(keys, func(i, j int) bool { return p.totals[keys[i]] > p.totals[keys[j]] })
	var total time.Duration
	for _, k := range keys {
		total += p.totals[k]
		p.line(padRow(k, p.totals[k], 70))
	}
	p.line(filled("", '~'))
	p.line(padRow("total", total, 70))
}

// timer is ansible.posix.timer: how long the run took, at the end.
type timer struct {
	*printer
	o AggregateOptions
}

func (t *timer) Recap([]Stats) {
	secs := int64(t.o.now().Sub(t.o.Start) / time.Second)
	t.line(fmt.Sprintf("Playbook run took %d days, %d hours, %d minutes, %d seconds",
		secs/86400, secs%86400/3600, secs%3600/60, secs%60))
}

// Tee sends every event to each sink in turn: the stdout callback first,
// then the enabled ones in the order they were listed, as ansible calls
// its plugins. Warnings and verbose messages go to the first only.
func Tee(sinks ...Sink) Sink {
	if len(sinks) == 1 {
		return sinks[0]
	}
	return tee(sinks)
}

type tee []Sink

func (t tee) each(f func(Sink)) {
	for _, s := range t {
		f(s)
	}
}

func (t tee) PlaybookStart(path string) { t.each(func(s Sink) { s.PlaybookStart(path) }) }
func (t tee) PlayStart(p Play)          { t.each(func(s Sink) { s.PlayStart(p) }) }
func (t tee) TaskStart(tk Task)         { t.each(func(s Sink) { s.TaskStart(tk) }) }
func (t tee) HostResult(r *HostResult)  { t.each(func(s Sink) { s.HostResult(r) }) }
func (t tee) Included(path string, hosts []string) {
	t.each(func(s Sink) { s.Included(path, hosts) })
}
func (t tee) IncludedItem(path string, hosts []string, label string) {
	t.each(func(s Sink) { s.IncludedItem(path, hosts, label) })
}
func (t tee) Retry(r *HostResult)           { t.each(func(s Sink) { s.Retry(r) }) }
func (t tee) Verbose(level int, msg string) { t[0].Verbose(level, msg) }
func (t tee) NoHostsMatched()               { t.each(func(s Sink) { s.NoHostsMatched() }) }
func (t tee) NoMoreHosts()                  { t.each(func(s Sink) { s.NoMoreHosts() }) }
func (t tee) Warn(msg string)               { t[0].Warn(msg) }
func (t tee) Recap(stats []Stats)           { t.each(func(s Sink) { s.Recap(stats) }) }

func (t tee) Async(ev AsyncEvent, r *HostResult) {
	t.each(func(s Sink) {
		if as, ok := s.(AsyncSink); ok {
			as.Async(ev, r)
		}
	})
}

func (t tee) CustomStats(custom *value.Map) {
	t.each(func(s Sink) {
		if cs, ok := s.(CustomStatsSink); ok {
			cs.CustomStats(custom)
		}
	})
}

func (t tee) DryRun(hosts []DryRunHost) {
	t.each(func(s Sink) {
		if d, ok := s.(DryRunSink); ok {
			d.DryRun(hosts)
		}
	})
}

func (t tee) HostStart(host string, tk Task) {
	t.each(func(s Sink) {
		if hs, ok := s.(HostStartSink); ok {
			hs.HostStart(host, tk)
		}
	})
}

func (t tee) Notify(handler, host string) {
	t.each(func(s Sink) {
		if n, ok := s.(NotifySink); ok {
			n.Notify(handler, host)
		}
	})
}

func (t tee) Close() error {
	var first error
	for _, s := range t {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

var (
	_ AsyncSink       = tee(nil)
	_ CustomStatsSink = tee(nil)
	_ DryRunSink      = tee(nil)
	_ HostStartSink   = tee(nil)
	_ NotifySink      = tee(nil)
)
