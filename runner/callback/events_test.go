package callback

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/value"
)

// markerRE is ansible-runner's OutputEventFilter.EVENT_DATA_RE.
var markerRE = regexp.MustCompile(`\x1b\[K((?:[A-Za-z0-9+/=]+\x1b\[\d+D)+)\x1b\[K`)

type seenEvent struct {
	uuid, stdout string
	partial      map[string]any
}

// parseEvents reads output as ansible-runner does: the text between a
// begin marker ({"uuid": ...}) and the end marker ({}) is that event's
// stdout; its data is the partial file.
func parseEvents(t *testing.T, out, dir string) []seenEvent {
	t.Helper()
	var evs []seenEvent
	var cur *seenEvent
	rest := out
	for {
		loc := markerRE.FindStringSubmatchIndex(rest)
		if loc == nil {
			break
		}
		b64 := regexp.MustCompile(`\x1b\[\d+D`).ReplaceAllString(rest[loc[2]:loc[3]], "")
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		text := rest[:loc[0]]
		rest = rest[loc[1]:]
		if cur != nil {
			cur.stdout = text
			evs = append(evs, *cur)
			cur = nil
		} else if text != "" {
			t.Errorf("text outside any event: %q", text)
		}
		if id := m["uuid"]; id != "" {
			b, err := os.ReadFile(filepath.Join(dir, "job_events", id+"-partial.json"))
			if err != nil {
				t.Fatal(err)
			}
			ev := seenEvent{uuid: id}
			if err := json.Unmarshal(b, &ev.partial); err != nil {
				t.Fatal(err)
			}
			cur = &ev
		}
	}
	if cur != nil {
		t.Errorf("event %s never ended", cur.uuid)
	}
	return evs
}

func TestEventsAroundDefault(t *testing.T) {
	dir := t.TempDir()
	var out, errw bytes.Buffer
	clock := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(250 * time.Millisecond); return clock }
	warner := NewWarner(&errw, false, 0)
	s := NewEvents(NewDefault(&out, Options{Warner: warner, Stderr: &errw}), &out, warner,
		EventOptions{Dir: dir, JobID: 7, Now: now, Stderr: &errw})
	task := Task{Name: "say", Action: "debug", Written: "debug", Resolved: "ansible.builtin.debug", ID: "t1", Path: "/p/site.yml:4"}
	s.PlaybookStart("site.yml")
	s.PlayStart(Play{Name: "p", Pattern: "all", ID: "p1"})
	s.TaskStart(task)
	s.(HostStartSink).HostStart("h1", task)
	s.(NotifySink).Notify("restart", "h1")
	s.HostResult(&HostResult{Host: "h1", Task: task, Status: Changed,
		Result: value.MapOf("changed", true, "msg", "hi")})
	s.Recap([]Stats{{Host: "h1", OK: 1, Changed: 1}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	evs := parseEvents(t, out.String(), dir)
	var kinds []string
	byUUID := map[string]seenEvent{}
	for _, e := range evs {
		kinds = append(kinds, e.partial["event"].(string))
		byUUID[e.uuid] = e
	}
	want := "playbook_on_start playbook_on_play_start playbook_on_task_start runner_on_start playbook_on_notify runner_on_ok playbook_on_stats"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
	parent := func(i int) string {
		p, _ := evs[i].partial["parent_uuid"].(string)
		if p == "" {
			return ""
		}
		return byUUID[p].partial["event"].(string)
	}
	for i, w := range []string{"", "playbook_on_start", "playbook_on_play_start", "playbook_on_task_start",
		"playbook_on_task_start", "playbook_on_task_start", "playbook_on_start"} {
		if got := parent(i); got != w {
			t.Errorf("%s: parent %q, want %q", kinds[i], got, w)
		}
	}
	if !strings.HasPrefix(evs[1].stdout, "\nPLAY [p] ***") || !strings.HasPrefix(evs[2].stdout, "\nTASK [say] ***") {
		t.Errorf("banners: %q %q", evs[1].stdout, evs[2].stdout)
	}
	if evs[3].stdout != "" || evs[5].stdout != "changed: [h1] => {\n    \"msg\": \"hi\"\n}\n" {
		t.Errorf("host events' stdout: %q %q", evs[3].stdout, evs[5].stdout)
	}
	ok := evs[5].partial
	ed := ok["event_data"].(map[string]any)
	if ok["job_id"] != float64(7) || ed["host"] != "h1" || ed["remote_addr"] != "h1" ||
		ed["task"] != "say" || ed["resolved_action"] != "ansible.builtin.debug" || ed["duration"].(float64) <= 0 ||
		ed["play_pattern"] != "all" || ed["playbook"] != "site.yml" {
		t.Errorf("runner_on_ok: %v", ok)
	}
	if res := ed["res"].(map[string]any); res["changed"] != true || res["_ansible_no_log"] != false {
		t.Errorf("res: %v", res)
	}
	stats := evs[6].partial["event_data"].(map[string]any)
	if b, _ := json.Marshal(stats["changed"]); string(b) != `{"h1":1}` || len(stats["failures"].(map[string]any)) != 0 {
		t.Errorf("stats: %v", stats)
	}
	if _, ok := stats["task"]; ok {
		t.Errorf("stats carry a task: %v", stats)
	}
	// ansible-runner removes each partial file as it files the event;
	// here they are all left, one per event
	files, _ := filepath.Glob(filepath.Join(dir, "job_events", "*-partial.json"))
	if len(files) != len(evs) {
		t.Errorf("%d partial files for %d events", len(files), len(evs))
	}
}

func TestEventsWarning(t *testing.T) {
	dir := t.TempDir()
	var out, errw bytes.Buffer
	warner := NewWarner(&errw, false, 0)
	s := NewEvents(NewDefault(&out, Options{Warner: warner, Stderr: &errw}), &out, warner,
		EventOptions{Dir: dir, Stderr: &errw, OmitEventData: true})
	s.PlaybookStart("site.yml")
	_ = warner.Warn("outside")
	evs := parseEvents(t, errw.String(), dir)
	if len(evs) != 1 || evs[0].partial["event"] != "warning" || evs[0].stdout != "[WARNING]: outside\n" {
		t.Fatalf("warning events: %+v", evs)
	}
	if ed := evs[0].partial["event_data"].(map[string]any); len(ed) != 0 {
		t.Errorf("RUNNER_OMIT_EVENTS: event_data %v", ed)
	}
}

func TestEventsBigResult(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	s := NewEvents(NewNull(&out, Options{}), &out, nil, EventOptions{Dir: dir, MaxEventRes: 160})
	task := Task{Name: "t", Action: "command", ID: "t"}
	s.HostResult(&HostResult{Host: "h", Task: task, Status: OK, Result: value.MapOf("stdout", strings.Repeat("x", 200))})
	s.HostResult(&HostResult{Host: "h", Task: task, Status: OK, NoLog: true, Result: value.MapOf("changed", true, "stdout", "secret")})
	evs := parseEvents(t, out.String(), dir)
	if res := evs[0].partial["event_data"].(map[string]any)["res"]; len(res.(map[string]any)) != 0 {
		t.Errorf("a result past MAX_EVENT_RES is kept: %v", res)
	}
	res := evs[1].partial["event_data"].(map[string]any)["res"].(map[string]any)
	if res["censored"] == nil || res["changed"] != true || res["stdout"] != nil {
		t.Errorf("no_log result: %v", res)
	}
}

// TestEventsAwaitReader: ansible-runner reads fjord's pty only while it
// finds fjord alive, so with AwaitReader fjord does not end (Close does
// not return) before ansible-runner, late to read as under load, has
// filed the last event, removing its partial file.
func TestEventsAwaitReader(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	s := NewEvents(NewDefault(&out, Options{}), &out, nil, EventOptions{Dir: dir, AwaitReader: time.Minute})
	s.PlaybookStart("site.yml")
	s.Recap([]Stats{{Host: "h1", OK: 1}})
	evs := parseEvents(t, out.String(), dir)
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	last := filepath.Join(dir, "job_events", evs[1].uuid+"-partial.json")
	// the reader: ansible-runner, descheduled a while, then filing the
	// events in order
	read := make(chan time.Time, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		for _, e := range evs {
			_ = os.Remove(filepath.Join(dir, "job_events", e.uuid+"-partial.json"))
		}
		read <- time.Now()
	}()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(last); err == nil {
		t.Fatal("Close returned before ansible-runner read the last event: exiting now leaves its output unread")
	}
	<-read

	// nobody reading: Close gives up after AwaitReader
	dir = t.TempDir()
	s = NewEvents(NewDefault(&out, Options{}), &out, nil, EventOptions{Dir: dir, AwaitReader: 100 * time.Millisecond})
	s.PlaybookStart("site.yml")
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 30*time.Second {
		t.Errorf("Close with no reader took %v, want AwaitReader (100ms)", d)
	}
	// not asked to wait (stdout no pty): no wait
	s = NewEvents(NewDefault(&out, Options{}), &out, nil, EventOptions{Dir: dir})
	s.PlaybookStart("site.yml")
	start = time.Now()
	if err := s.Close(); err != nil || time.Since(start) > 50*time.Millisecond {
		t.Errorf("Close without AwaitReader: %v after %v", err, time.Since(start))
	}
}
