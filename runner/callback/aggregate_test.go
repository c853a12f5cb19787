package callback

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock advances by the next step each time it is read.
type fakeClock struct {
	t     time.Time
	steps []time.Duration
}

func (c *fakeClock) now() time.Time {
	if len(c.steps) > 0 {
		c.t = c.t.Add(c.steps[0])
		c.steps = c.steps[1:]
	}
	return c.t
}

func runProfile(t *testing.T, o AggregateOptions, names ...string) string {
	t.Helper()
	start := time.Date(2026, 12, 5, 13, 12, 1, 0, time.UTC)
	// tasks a, b, c, a again (a serial batch) take 1s, 3s, 2s and 0.5s
	c := &fakeClock{t: start, steps: []time.Duration{0, time.Second, 3 * time.Second, 2 * time.Second, 500 * time.Millisecond}}
	o.Start, o.Now = start, c.now
	var out bytes.Buffer
	var sinks []Sink
	for _, n := range names {
		sinks = append(sinks, NewEnabled(n, &out, o))
	}
	s := Tee(sinks...)
	tasks := []Task{{Name: "a", ID: "1", Action: "debug", Written: "ansible.builtin.debug", Path: "/p/site.yml:3"}, {Name: "b", ID: "2", Role: "r", Path: "/p/r.yml:1"},
		{Name: "c", ID: "3", Action: "command", Path: "/p/site.yml:9"}, {Name: "a", ID: "1", Action: "debug", Written: "ansible.builtin.debug", Path: "/p/site.yml:3"}}
	for _, tk := range tasks {
		s.TaskStart(tk)
	}
	s.Recap(nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestProfileTasks(t *testing.T) {
	got := runProfile(t, AggregateOptions{OutputLimit: "20"}, "profile_tasks")
	want := `Saturday 05 December 2026  13:12:01 +0000 (0:00:00.000)       0:00:00.000 ***** 
Saturday 05 December 2026  13:12:02 +0000 (0:00:01.000)       0:00:01.000 ***** 
Saturday 05 December 2026  13:12:05 +0000 (0:00:03.000)       0:00:04.000 ***** 
Saturday 05 December 2026  13:12:07 +0000 (0:00:02.000)       0:00:06.000 ***** 
Saturday 05 December 2026  13:12:07 +0000 (0:00:00.500)       0:00:06.500 ***** 
=============================================================================== 
r : b ------------------------------------------------------------------- 3.00s
c ----------------------------------------------------------------------- 2.00s
a ----------------------------------------------------------------------- 1.50s
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	rows := func(s string) string { return s[strings.Index(s, "= \n")+3:] }
	if got := rows(runProfile(t, AggregateOptions{SortOrder: "ascending", OutputLimit: "2"}, "ansible.posix.profile_tasks")); got !=
		"a ----------------------------------------------------------------------- 1.50s\n"+
			"c ----------------------------------------------------------------------- 2.00s\n" {
		t.Errorf("ascending, 2:\n%s", got)
	}
	if got := rows(runProfile(t, AggregateOptions{SortOrder: "none", OutputLimit: "-1", Verbosity: 2}, "profile_tasks")); got !=
		"a ----------------------------------------------------------------------- 1.50s\n"+
			"/p/site.yml:3 -----------------------------------------------------------------\n"+
			"r : b ------------------------------------------------------------------- 3.00s\n"+
			"/p/r.yml:1 --------------------------------------------------------------------\n" {
		t.Errorf("none, -1, -vv:\n%s", got)
	}
}

func TestProfileRolesAndTimer(t *testing.T) {
	got := runProfile(t, AggregateOptions{}, "profile_roles", "timer")
	want := `=============================================================================== 
r ----------------------------------------------------------------------- 3.00s
command ----------------------------------------------------------------- 2.00s
ansible.builtin.debug --------------------------------------------------- 1.50s
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~ 
total ------------------------------------------------------------------- 6.50s
Playbook run took 0 days, 0 hours, 0 minutes, 6 seconds
`
	if i := strings.Index(got, "===="); i < 0 || got[i:] != want {
		t.Errorf("got\n%s\nwant the end\n%s", got, want)
	}
	var out bytes.Buffer
	start := time.Now()
	tm := NewEnabled("timer", &out, AggregateOptions{Start: start, Now: func() time.Time { return start.Add(26*time.Hour + 61*time.Second) }})
	tm.Recap(nil)
	if want := "Playbook run took 1 days, 2 hours, 1 minutes, 1 seconds\n"; out.String() != want {
		t.Errorf("timer: %q", out.String())
	}
	if s := NewEnabled("nosuch", &out, AggregateOptions{}); s != nil {
		t.Errorf("unknown callback gave %T", s)
	}
}

// display_failed_stderr sends failures and unreachable hosts to stderr;
// the banner and "...ignoring" stay on stdout, as ansible prints them.
func TestFailedStderr(t *testing.T) {
	var out, errs bytes.Buffer
	s := NewDefault(&out, Options{FailedStderr: true, Stderr: &errs})
	r := newRec(t, s)
	r.play("h1")
	r.start(Task{Name: "f", Action: "fail"})
	r.hr(&HostResult{Host: "h1", Status: Failed, Ignored: true, Result: res(t, `{"changed": false, "failed": true, "msg": "x"}`)})
	r.hr(&HostResult{Host: "h2", Status: Unreachable, Result: res(t, `{"changed": false, "msg": "down", "unreachable": true}`)})
	if want := "fatal: [h1]: FAILED! => {\"changed\": false, \"msg\": \"x\"}\nfatal: [h2]: UNREACHABLE! => {\"changed\": false, \"msg\": \"down\", \"unreachable\": true}\n"; errs.String() != want {
		t.Errorf("stderr %q", errs.String())
	}
	if !strings.Contains(out.String(), "TASK [f] ***") || !strings.Contains(out.String(), "...ignoring") || strings.Contains(out.String(), "fatal") {
		t.Errorf("stdout %q", out.String())
	}
}
