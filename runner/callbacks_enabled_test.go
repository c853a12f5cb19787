package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// maskTimes hides what changes from run to run in the output of
// profile_tasks, profile_roles and timer: dates, durations and the
// padding before a duration (its width varies with it), and the stars
// after a date (their number varies with the names of day and month).
func maskTimes(s string) string {
	for _, m := range []struct{ re, with string }{
		{`[A-Z][a-z]+day \d\d [A-Z][a-z]+ \d{4}  \d\d:\d\d:\d\d [+-]\d{4}`, "<DATE>"},
		{`\d+:\d\d:\d\d\.\d{3}`, "<T>"},
		{`(?m)^(<DATE> .*) \*+ $`, "$1 <STARS> "},
		{`(?m) -+ \d+\.\d\ds$`, " <S>"},
		{`took \d+ days, \d+ hours, \d+ minutes, \d+ seconds`, "took <D> days, <H> hours, <M> minutes, <S> seconds"},
	} {
		s = regexp.MustCompile(m.re).ReplaceAllString(s, m.with)
	}
	return s
}

// The enabled callbacks print what ansible-playbook 2.14's print for the
// same playbook, times masked: callback/testdata/profile.golden is its
// output (callback/testdata/playbooks/README says how it was made).
func TestCallbacksEnabledGolden(t *testing.T) {
	out, errs, want := runBook(t, "profile.yml", "profile.golden",
		Options{CallbacksEnabled: []string{"profile_tasks", "timer", "ansible.posix.profile_roles", "nosuchcb"}}, false)
	// the stars fill a date line to 80 columns, as in ansible's
	for _, l := range regexp.MustCompile(`(?m)^[A-Z][a-z]+day .*$`).FindAllString(out, -1) {
		if len(l) != 80 || !strings.HasSuffix(l, "* ") {
			t.Errorf("date line of %d columns: %q", len(l), l)
		}
	}
	if got := maskTimes(out); got != maskTimes(want) {
		t.Errorf("output differs from ansible-playbook's:\n--- got\n%s--- want\n%s", got, maskTimes(want))
	}
	if w := "[WARNING]: Skipping callback plugin 'nosuchcb', unable to load\n"; errs != w {
		t.Errorf("stderr %q, want %q", errs, w)
	}
}

// The oneline, debug and yaml stdout callbacks, and the default one with
// result_format=yaml, print what ansible-playbook 2.14's print, the
// command's times masked.
func TestStdoutCallbacksGolden(t *testing.T) {
	mask := regexp.MustCompile(`("?\b(start|end|delta)"?: ?)["'][^"'\n]*["']`)
	no := false
	for _, tc := range []struct {
		golden, book string
		o            Options
	}{
		{"oneline", "stdout_cbs.yml", Options{Callback: "oneline"}},
		{"debug", "stdout_cbs.yml", Options{Callback: "debug"}},
		{"yaml", "yaml_cb.yml", Options{Callback: "community.general.yaml"}},
		{"result_format_yaml", "yaml_cb.yml", Options{ResultFormat: "yaml"}},
		{"result_format_yaml_strict", "yaml_cb.yml", Options{ResultFormat: "yaml", PrettyResults: &no}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, _, want := runBook(t, tc.book, tc.golden+".golden", tc.o, true)
			got, w := mask.ReplaceAllString(out, `$1"<T>"`), mask.ReplaceAllString(want, `$1"<T>"`)
			if got != w {
				t.Errorf("output differs from ansible-playbook's:\n--- got\n%s--- want\n%s", got, w)
			}
		})
	}
}

// Each serial batch is announced with its own PLAY banner, as ansible's
// task queue manager starts the play again for every batch.
func TestPlayBannerPerBatch(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": "- hosts: all\n  serial: 1\n  gather_facts: false\n  tasks:\n    - debug: {msg: hi}\n",
	})
	var out bytes.Buffer
	code := Run(context.Background(), &Options{
		Playbooks:  []string{filepath.Join(dir, "site.yml")},
		Inventory:  []string{"h1,h2,h3"},
		Connection: "local",
		Stdout:     &out,
		Stderr:     &out,
	})
	if n := bytes.Count(out.Bytes(), []byte("PLAY [all] ***")); code != 0 || n != 3 {
		t.Errorf("exit %d, %d PLAY banners for 3 batches:\n%s", code, n, out.String())
	}
}

// set_stats' data, per host and for the run, aggregated or replaced,
// shows after the recap with show_custom_stats as ansible-playbook 2.14
// shows it.
func TestCustomStatsGolden(t *testing.T) {
	out, _, want := runBook(t, "custom_stats.yml", "custom_stats.golden", Options{Forks: 1, ShowCustomStats: true}, true)
	if out != want {
		t.Errorf("output differs from ansible-playbook's:\n--- got\n%s--- want\n%s", out, want)
	}
}

// runBook runs the playbook book of callback/testdata/playbooks against
// its hosts.ini with o, failing t unless it exits 0, and returns what it
// printed on stdout and on stderr (both in out when merged, as the
// golden was recorded) and ansible-playbook's output, the golden named.
func runBook(t *testing.T, book, golden string, o Options, merged bool) (out, errs, want string) {
	t.Helper()
	dir := filepath.Join("callback", "testdata", "playbooks")
	var ob, eb bytes.Buffer
	o.Playbooks = []string{filepath.Join(dir, book)}
	o.Inventory = []string{filepath.Join(dir, "hosts.ini")}
	o.Stdout, o.Stderr = &ob, &eb
	// as the goldens were recorded (ANSIBLE_PYTHON_INTERPRETER): no
	// interpreter discovery
	o.PythonInterpreter = "/usr/bin/python3"
	if merged {
		o.Stderr = &ob
	}
	if code := Run(context.Background(), &o); code != 0 {
		t.Fatalf("exit %d: %s%s", code, ob.String(), eb.String())
	}
	w, err := os.ReadFile(filepath.Join("callback", "testdata", golden))
	if err != nil {
		t.Fatal(err)
	}
	return ob.String(), eb.String(), string(w)
}
