package callback

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/fjord-run/fjord/value"
)

// jsonSink is the ansible.posix.json stdout callback: one document with
// every play, task and host result, printed when the run ends.
type jsonSink struct {
	Nop
	w       io.Writer
	now     func() time.Time
	idPre   string
	nextID  int
	plays   []any
	play    *value.Map // current play's "play" object
	tasks   []any      // current play's tasks
	task    *value.Map // current task entry
	written bool
	stats   []Stats
	dryRun  []DryRunHost // a check run's summary, under "dry_run"

	showCustom bool       // show_custom_stats
	custom     *value.Map // set_stats' data
}

// CustomStats keeps set_stats' data for the document.
func (s *jsonSink) CustomStats(custom *value.Map) { s.custom = custom }

// NewJSON returns the json stdout callback (ANSIBLE_STDOUT_CALLBACK=json).
func NewJSON(w io.Writer) Sink {
	var b [6]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return &jsonSink{w: w, now: time.Now, idPre: h[:8] + "-0000-" + h[8:12] + "-"}
}

// isoTime is Python's datetime.utcnow().isoformat() + "Z".
func isoTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05") + "Z"
	}
	return t.Format("2006-01-02T15:04:05.000000") + "Z"
}

func (s *jsonSink) id() string {
	s.nextID++
	return fmt.Sprintf("%s%012x", s.idPre, s.nextID)
}

func (s *jsonSink) endPlay() {
	if s.play != nil {
		s.plays = append(s.plays, value.MapOf("play", s.play, "tasks", s.tasks))
		s.play, s.tasks, s.task = nil, nil, nil
	}
}

func (s *jsonSink) PlayStart(p Play) {
	s.endPlay()
	s.play = value.MapOf("name", p.Name, "id", s.id(), "path", p.Path,
		"duration", value.MapOf("start", isoTime(s.now())))
	s.tasks = []any{}
}

func (s *jsonSink) TaskStart(t Task) {
	if s.play == nil {
		s.PlayStart(Play{})
	}
	s.task = value.MapOf(
		"task", value.MapOf("name", taskName(t), "id", s.id(), "path", t.Path,
			"duration", value.MapOf("start", isoTime(s.now()))),
		"hosts", value.NewMap(4))
	s.tasks = append(s.tasks, s.task)
}

func (s *jsonSink) HostResult(r *HostResult) {
	if r.IsItem || s.task == nil {
		return
	}
	m := cleanResult(r)
	// an include's own result is the engine's, not a module's: no mark
	if _, censored := m.Get("censored"); !censored && !r.Loop && !r.Task.Include {
		if _, ok := m.Get("_ansible_no_log"); !ok {
			m.Set("_ansible_no_log", false)
		}
	}
	switch r.Status {
	case Failed:
		m.Set("failed", true)
	case Skipped:
		m.Set("skipped", true)
	}
	m.Set("action", r.Task.Action)
	hosts, _ := get(s.task, "hosts").(*value.Map)
	hosts.Set(r.Host, m)
	end := isoTime(s.now())
	get(get(s.task, "task").(*value.Map), "duration").(*value.Map).Set("end", end)
	get(s.play, "duration").(*value.Map).Set("end", end)
}

// Recap keeps the stats; Close writes the document, after a check run's
// summary (DryRun).
func (s *jsonSink) Recap(stats []Stats) { s.stats = stats }

// DryRun adds a check run's summary to the document, as "dry_run": host
// → list of notes (kind, task, text).
func (s *jsonSink) DryRun(hosts []DryRunHost) { s.dryRun = hosts }

func (s *jsonSink) flush() error {
	if s.written {
		return nil
	}
	s.written = true
	s.endPlay()
	st := value.NewMap(len(s.stats))
	for _, h := range s.stats {
		st.Set(h.Host, value.MapOf("changed", h.Changed, "failures", h.Failed, "ignored", h.Ignored,
			"ok", h.OK, "rescued", h.Rescued, "skipped", h.Skipped, "unreachable", h.Unreachable))
	}
	plays := s.plays
	if plays == nil {
		plays = []any{}
	}
	// As ansible's json callback: only with show_custom_stats, "_run"
	// apart as global_custom_stats.
	custom, global := value.NewMap(0), value.NewMap(0)
	if s.showCustom && s.custom != nil {
		s.custom.Range(func(k string, v any) bool {
			if k == "_run" {
				global, _ = v.(*value.Map)
			} else {
				custom.Set(k, v)
			}
			return true
		})
	}
	doc := value.MapOf("custom_stats", custom, "global_custom_stats", global,
		"plays", plays, "stats", st)
	if s.dryRun != nil {
		dr := value.NewMap(len(s.dryRun))
		for _, h := range s.dryRun {
			notes := make([]any, len(h.Notes))
			for i, n := range h.Notes {
				notes[i] = value.MapOf("kind", n.Kind, "task", n.Task, "text", n.Text)
			}
			dr.Set(h.Host, notes)
		}
		doc.Set("dry_run", dr)
	}
	_, err := io.WriteString(s.w, dumpJSON(doc, jsonStyle{indent: 4, sortKeys: true, ensureASCII: true})+"\n")
	return err
}

func (s *jsonSink) Close() error { return s.flush() }

var _ Sink = (*jsonSink)(nil)
