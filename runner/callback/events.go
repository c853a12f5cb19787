package callback

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fjord-run/fjord/value"
)

// EventOptions configure the job events fjord writes when ansible-runner
// runs it as ansible-playbook (stdout callback awx_display). The CLI
// reads them from the environment ansible-runner sets.
type EventOptions struct {
	// Dir is AWX_ISOLATED_DATA_DIR, the job's artifact directory: each
	// event's data goes to Dir/job_events/<uuid>-partial.json.
	Dir string
	// JobID, AdHocCommandID and ProjectUpdateID are AWX's JOB_ID,
	// AD_HOC_COMMAND_ID and PROJECT_UPDATE_ID (0: unset), copied into
	// every event as ansible-runner's callback copies them.
	JobID, AdHocCommandID, ProjectUpdateID int
	// AdHoc: the run is an ad hoc command (ansible-runner sets
	// AD_HOC_COMMAND_ID): its play and task starts are no events.
	AdHoc bool
	// OmitEventData (RUNNER_OMIT_EVENTS) leaves event_data empty;
	// OnlyFailedEventData (RUNNER_ONLY_FAILED_EVENTS) keeps it only for
	// failures.
	OmitEventData, OnlyFailedEventData bool
	// MaxEventRes (MAX_EVENT_RES, 0: 700000) is the longest result kept
	// in an event; a longer one is replaced by {}.
	MaxEventRes int
	Verbosity   int
	Diff        bool // --diff: results with a diff get a runner_on_file_diff event
	// Stderr is where warnings go; their markers go with them.
	Stderr io.Writer
	// Now reads the clock; nil is time.Now.
	Now func() time.Time
	// AwaitReader, when positive, makes Close wait, at most that long,
	// until ansible-runner has filed the last event, which it shows by
	// removing the event's partial file. Set it when stdout is
	// ansible-runner's pty: ansible-runner (pexpect) reads the pty only
	// while it finds the child alive, so a run that ends before
	// ansible-runner first looks (a fast run on a loaded machine) has
	// none of its output read: no stdout, every event left partial.
	AwaitReader time.Duration
}

// NewEvents wraps the stdout callback s so that ansible-runner sees the
// job events ansible-runner's awx_display callback emits: each event's
// data is written to a partial file under o.Dir, and what s prints for
// the event is bracketed on w by markers carrying its uuid, from which
// ansible-runner numbers the events and gives each its stdout lines.
// warner's warnings become events of their own when printed outside one.
func NewEvents(s Sink, w io.Writer, warner *Warner, o EventOptions) Sink {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxEventRes == 0 {
		o.MaxEventRes = 700000
	}
	if o.Stderr == nil {
		o.Stderr = w
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	e := &eventSink{inner: s, w: w, o: o, pid: os.Getpid(),
		idPre:     h[:8] + "-" + h[8:12] + "-",
		taskUUID:  map[string]string{},
		taskRuns:  map[string]int{},
		playUUID:  map[string]string{},
		playRuns:  map[string]int{},
		hostStart: map[string]time.Time{},
	}
	if warner != nil {
		warner.Around(e.aroundWarning)
	}
	return e
}

// eventSink is ansible-runner's awx_display around a stdout callback.
type eventSink struct {
	inner Sink
	w     io.Writer
	o     EventOptions
	pid   int

	mu      sync.Mutex  // one event at a time
	inEvent atomic.Bool // an event is being printed: warnings belong to it
	err     error       // the first write error

	playbook, playbookUUID string
	play                   *value.Map // play, play_uuid, play_pattern
	task                   *value.Map // the current task's context
	taskID                 string

	idPre    string // play and task uuids are idPre + a counter, as ansible's
	nextID   int
	taskUUID map[string]string // Task.ID → its uuid
	taskRuns map[string]int    // Task.ID → times it started
	playUUID map[string]string // Play.ID → its uuid
	playRuns map[string]int    // Play.ID → times it started

	hostStart map[string]time.Time // when the host's current task began
	custom    *value.Map           // set_stats' data, for artifact_data

	lastPartial string // the partial file of the last event written
}

// newUUID is a random (version 4) UUID, as Python's uuid4.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// objectUUID is a play's or task's uuid: the same for the same object
// through the run, as ansible's _uuid.
func (e *eventSink) objectUUID() string {
	e.nextID++
	return fmt.Sprintf("%s%04x-%04x-%012x", e.idPre, e.nextID>>48&0xffff, e.nextID>>32&0xffff, e.nextID)
}

// pyTime is Python's datetime.isoformat() of a naive UTC time.
func pyTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}

// marker is the awx_display escape sequence carrying data: base64 JSON
// in chunks of 78, each followed by a cursor-back of its length, between
// two erase-line sequences, so a terminal shows nothing of it.
func marker(data string) string {
	b64 := base64.StdEncoding.EncodeToString([]byte(data))
	var sb strings.Builder
	sb.WriteString("\x1b[K")
	for len(b64) > 0 {
		n := min(78, len(b64))
		fmt.Fprintf(&sb, "%s\x1b[%dD", b64[:n], n)
		b64 = b64[n:]
	}
	sb.WriteString("\x1b[K")
	return sb.String()
}

func (e *eventSink) write(w io.Writer, s string) {
	if _, err := io.WriteString(w, s); err != nil && e.err == nil {
		e.err = err
	}
}

// event writes one event: its data to the partial file, then on w the
// begin marker, what print prints, the end marker. data holds the
// event's own keys in ansible's order; "uuid" in it is the event's uuid
// (a new one if absent). task is the task context for the event, nil
// for the current one.
func (e *eventSink) event(w io.Writer, name string, data *value.Map, task *value.Map, print func()) {
	e.inEvent.Store(true)
	defer e.inEvent.Store(false)
	uuid, _ := data.Get("uuid")
	if uuid == nil {
		uuid = newUUID()
	}
	data.Set("uuid", uuid)
	ed := value.NewMap(16)
	if e.playbookUUID != "" {
		ed.Set("playbook", e.playbook)
		ed.Set("playbook_uuid", e.playbookUUID)
	}
	withoutPlay := name == "playbook_on_start" || name == "playbook_on_stats"
	if e.play != nil && !withoutPlay {
		e.play.Range(func(k string, v any) bool { ed.Set(k, v); return true })
	}
	switch name {
	case "playbook_on_start", "playbook_on_stats", "playbook_on_no_hosts_matched", "playbook_on_no_hosts_remaining":
	default:
		if task == nil {
			task = e.task
		}
		if task != nil {
			task.Range(func(k string, v any) bool { ed.Set(k, v); return true })
		}
	}
	// A key the context has keeps its place, as in Python's dict update.
	data.Range(func(k string, v any) bool { ed.Set(k, v); return true })
	ev := value.MapOf("event", eventKind(name, ed))
	switch {
	case e.o.JobID != 0:
		ev.Set("job_id", e.o.JobID)
	case e.o.AdHocCommandID != 0:
		ev.Set("ad_hoc_command_id", e.o.AdHocCommandID)
	case e.o.ProjectUpdateID != 0:
		ev.Set("project_update_id", e.o.ProjectUpdateID)
	}
	ev.Set("pid", e.pid)
	ev.Set("uuid", uuid)
	ev.Set("created", pyTime(e.o.Now()))
	for _, k := range []string{"task_uuid", "play_uuid", "playbook_uuid"} {
		if p, ok := ed.Get(k); ok && p != nil && p != "" && p != uuid {
			ev.Set("parent_uuid", p)
			break
		}
	}
	if v, ok := ed.Get("verbosity"); ok {
		ed.Delete("verbosity")
		ev.Set("verbosity", v)
	}
	onlyFailed := e.o.OnlyFailedEventData && name != "runner_on_failed" && name != "runner_on_async_failed" && name != "runner_item_on_failed"
	if e.o.OmitEventData || onlyFailed {
		ed = value.NewMap(0)
	} else if res, ok := ed.Get("res"); ok && name != "playbook_on_stats" {
		if len(dumpJSON(res, jsonStyle{})) > e.o.MaxEventRes {
			ed.Set("res", value.NewMap(0))
		}
	}
	ev.Set("event_data", ed)
	if err := e.writePartial(value.String(uuid), ev); err != nil && e.err == nil {
		e.err = err
	}
	e.write(w, marker(`{"uuid": "`+value.String(uuid)+`"}`))
	print()
	e.write(w, marker("{}"))
}

// eventKind is the event's name; an event with none (a display of its
// own) is named by the flag its context carries, as awx_display names it.
func eventKind(name string, ed *value.Map) string {
	if name != "" {
		return name
	}
	for _, k := range []string{"debug", "verbose", "deprecated", "warning", "system_warning", "error"} {
		if value.Truthy(get(ed, k)) {
			return k
		}
	}
	return "verbose"
}

// writePartial writes an event's data where ansible-runner picks it up:
// a temporary file renamed into job_events.
func (e *eventSink) writePartial(uuid string, ev *value.Map) error {
	dir := filepath.Join(e.o.Dir, "job_events")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	final := filepath.Join(dir, uuid+"-partial.json")
	tmp := final + ".tmp"
	if err := os.WriteFile(tmp, []byte(dumpJSON(ev, jsonStyle{})), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	e.lastPartial = final
	return nil
}

// awaitReader waits, at most o.AwaitReader, until the last event's
// partial file is gone: ansible-runner removes it as it reads the
// event's end marker from the pty, having read all before it. Until
// then fjord must not exit: ansible-runner's loop (while
// child.isalive(): child.expect(...)) never reads the output of a child
// already dead when it first asks, nor what is left unread when an
// expect times out just as the child exits.
func (e *eventSink) awaitReader() {
	e.mu.Lock()
	last := e.lastPartial
	e.mu.Unlock()
	if e.o.AwaitReader <= 0 || last == "" {
		return
	}
	deadline := time.Now().Add(e.o.AwaitReader)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		if _, err := os.Lstat(last); errors.Is(err, fs.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(pause)
	}
}

// aroundWarning gives a warning printed outside any event an event of
// its own, its markers on the warning's stream (stderr), as
// awx_display's wrapped Display.display does. Inside an event the
// warning is part of that event's output.
func (e *eventSink) aroundWarning(kind string, write func() error) error {
	if e.inEvent.Load() {
		return write()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var err error
	e.event(e.o.Stderr, "", value.MapOf(kind, true), nil, func() { err = write() })
	return err
}

var (
	_ Sink            = (*eventSink)(nil)
	_ HostStartSink   = (*eventSink)(nil)
	_ NotifySink      = (*eventSink)(nil)
	_ AsyncSink       = (*eventSink)(nil)
	_ CustomStatsSink = (*eventSink)(nil)
	_ DryRunSink      = (*eventSink)(nil)
)
