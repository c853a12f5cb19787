package callback

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// Goldens named *.golden hold the bytes ansible-playbook 2.14.18 printed
// for the playbooks the replays below mirror; they are never rewritten.
// -update rewrites only fjord-owned goldens (*.fjord.golden).
var update = flag.Bool("update", false, "rewrite fjord-owned testdata/*.fjord.golden")

func res(t *testing.T, js string) *value.Map {
	t.Helper()
	v, err := value.FromJSON([]byte(js))
	if err != nil {
		t.Fatalf("bad result %s: %v", js, err)
	}
	return v.(*value.Map)
}

// rec feeds a sink and a counter the same events, as the engine would.
type rec struct {
	t    *testing.T
	s    Sink
	c    *Counter
	task Task
}

func newRec(t *testing.T, s Sink) *rec { return &rec{t: t, s: s, c: NewCounter()} }

func (r *rec) play(name string) { r.s.PlayStart(Play{Name: name}) }
func (r *rec) start(t Task)     { r.task = t; r.s.TaskStart(t) }
func (r *rec) hr(h *HostResult) {
	h.Task = r.task
	if h.Result == nil {
		h.Result = value.NewMap(0)
	}
	r.s.HostResult(h)
	r.c.Add(h)
}
func (r *rec) ok(host, js string) { r.hr(&HostResult{Host: host, Status: OK, Result: res(r.t, js)}) }
func (r *rec) included(path string, hosts ...string) {
	r.s.Included(path, hosts)
	r.c.Included(hosts)
}
func (r *rec) includedItem(path, label string, hosts ...string) {
	r.s.IncludedItem(path, hosts, label)
	r.c.Included(hosts)
}
func (r *rec) finish() {
	r.s.Recap(r.c.Stats())
	if err := r.s.Close(); err != nil {
		r.t.Fatal(err)
	}
}

func compare(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update && filepath.Ext(filepath.Base(path[:len(path)-len(".golden")])) == ".fjord" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n%s", name, lineDiff(string(want), string(got)))
	}
}

func lineDiff(want, got string) string {
	var b bytes.Buffer
	for _, l := range unifiedDiff(splitLinesKeep(want), splitLinesKeep(got), "want", "got", 2) {
		b.WriteString(l)
	}
	return b.String()
}

const interp = `"ansible_facts": {"discovered_interpreter_python": "/usr/bin/python3"}, `

// twoHosts replays p2.yml (testdata/playbooks/two_hosts.yml) in the order ansible ran it.
func twoHosts(t *testing.T, s Sink) *rec {
	r := newRec(t, s)
	r.play("h1,h2")
	r.start(Task{Name: "role task", Role: "web", Action: "debug"})
	for _, h := range []string{"h1", "h2"} {
		r.hr(&HostResult{Host: h, Status: Changed, Result: res(t, `{"msg": "fromrole", "changed": true}`)})
	}
	r.start(Task{Name: "ping", Action: "ping"})
	r.ok("h2", `{`+interp+`"changed": false, "ping": "pong"}`)
	r.ok("h1", `{`+interp+`"changed": false, "ping": "pong"}`)
	r.start(Task{Action: "include_tasks", Include: true})
	for _, h := range []string{"h1", "h2"} {
		r.hr(&HostResult{Host: h, Status: OK, Result: res(t, `{"changed": false, "include": "inc.yml", "include_args": {}}`)})
	}
	r.included("/tmp/cb/inc.yml", "h1", "h2")
	r.start(Task{Name: "included task", Action: "ping"})
	r.ok("h1", `{"changed": false, "ping": "pong"}`)
	r.ok("h2", `{"changed": false, "ping": "pong"}`)
	r.start(Task{Name: "include loop", Action: "include_tasks", Include: true})
	for _, it := range []string{"x", "y"} {
		r.hr(&HostResult{Host: "h2", Status: Skipped, IsItem: true, Label: it,
			Result: res(t, `{"ansible_loop_var": "item", "changed": false, "item": "`+it+`", "skip_reason": "Conditional result was False", "skipped": true}`)})
	}
	r.hr(&HostResult{Host: "h2", Status: Skipped, Loop: true, Result: res(t, `{"changed": false, "msg": "All items skipped", "results": [], "skipped": true}`)})
	for _, it := range []string{"x", "y"} {
		r.hr(&HostResult{Host: "h1", Status: OK, IsItem: true, Label: it, Result: res(t, `{"ansible_loop_var": "item", "include": "inc.yml", "include_args": {}, "item": "`+it+`"}`)})
	}
	r.hr(&HostResult{Host: "h1", Status: OK, Loop: true, Result: res(t, `{"changed": false, "msg": "All items completed", "results": []}`)})
	r.includedItem("/tmp/cb/inc.yml", "x", "h1")
	r.includedItem("/tmp/cb/inc.yml", "y", "h1")
	for range 2 {
		r.start(Task{Name: "included task", Action: "ping"})
		r.ok("h1", `{"changed": false, "ping": "pong"}`)
	}
	r.start(Task{Name: "items mixed", Action: "debug"})
	for _, h := range []string{"h1", "h2"} {
		for _, it := range []string{"1", "2", "3"} {
			if it == "2" {
				r.hr(&HostResult{Host: h, Status: Skipped, IsItem: true, Label: it, Result: res(t, `{"ansible_loop_var": "item", "changed": false, "item": 2, "skip_reason": "Conditional result was False", "skipped": true}`)})
				continue
			}
			r.hr(&HostResult{Host: h, Status: OK, IsItem: true, Label: it, Result: res(t, `{"ansible_loop_var": "item", "changed": false, "failed": false, "item": `+it+`, "msg": `+it+`}`)})
		}
		r.hr(&HostResult{Host: h, Status: OK, Loop: true, Result: res(t, `{"changed": false, "msg": "All items completed", "results": []}`)})
	}
	r.start(Task{Name: "loop fail", Action: "fail"})
	for _, it := range []string{"a", "b"} {
		r.hr(&HostResult{Host: "h1", Status: Skipped, IsItem: true, Label: it, Result: res(t, `{"ansible_loop_var": "item", "changed": false, "item": "`+it+`", "skip_reason": "Conditional result was False", "skipped": true}`)})
	}
	r.hr(&HostResult{Host: "h1", Status: Skipped, Loop: true, Result: res(t, `{"changed": false, "msg": "All items skipped", "results": [], "skipped": true}`)})
	for _, it := range []string{"a", "b"} {
		r.hr(&HostResult{Host: "h2", Status: Failed, IsItem: true, Label: it, Result: res(t, `{"ansible_loop_var": "item", "changed": false, "failed": true, "item": "`+it+`", "msg": "bad `+it+`"}`)})
	}
	r.hr(&HostResult{Host: "h2", Status: Failed, Loop: true, Ignored: true, Result: res(t, `{"changed": false, "failed": true, "msg": "One or more items failed", "results": []}`)})
	r.start(Task{Name: "nolog loop", Action: "debug"})
	for _, h := range []string{"h1", "h2"} {
		r.hr(&HostResult{Host: h, Status: OK, IsItem: true, NoLog: true, Label: "s1", Result: res(t, `{"msg": "s1", "item": "s1"}`)})
		r.hr(&HostResult{Host: h, Status: OK, Loop: true, NoLog: true, Result: res(t, `{"changed": false, "msg": "All items completed", "results": []}`)})
	}
	r.start(Task{Name: "deleg", Action: "ping"})
	r.hr(&HostResult{Host: "h1", Delegate: "h2", Status: OK, Result: res(t, `{"changed": false, "ping": "pong", "_ansible_delegated_vars": {"ansible_host": "h2"}}`)})
	r.hr(&HostResult{Host: "h2", Delegate: "h2", Status: OK, Result: res(t, `{"changed": false, "ping": "pong"}`)})
	r.start(Task{Action: "fail"})
	r.hr(&HostResult{Host: "h1", Status: Failed, Rescued: true, Result: res(t, `{"changed": false, "failed": true, "msg": "inblock"}`)})
	r.hr(&HostResult{Host: "h2", Status: Skipped, Result: res(t, `{"changed": false, "skip_reason": "Conditional result was False", "skipped": true}`)})
	r.start(Task{Action: "debug"})
	r.ok("h1", `{"changed": false, "msg": "rescued"}`)
	r.start(Task{Action: "debug"})
	r.ok("h1", `{"changed": false, "msg": "always"}`)
	r.ok("h2", `{"changed": false, "msg": "always"}`)
	r.start(Task{Name: "assert", Action: "assert"})
	r.ok("h1", `{"changed": false, "msg": "All assertions passed"}`)
	r.ok("h2", `{"changed": false, "msg": "All assertions passed"}`)
	r.start(Task{Name: "setfact", Action: "set_fact"})
	r.ok("h1", `{"ansible_facts": {"x": 1}, "changed": false}`)
	r.ok("h2", `{"ansible_facts": {"x": 1}, "changed": false}`)
	r.start(Task{Name: "unicode ünï 日本", Action: "debug"})
	for _, h := range []string{"h1", "h2"} {
		r.ok(h, `{"changed": false, "msg": "héllo \t \u0001 \"q\" 日本"}`)
	}
	r.start(Task{Name: "restart", Action: "debug", Handler: true})
	r.ok("h1", `{"changed": false, "msg": "restarted"}`)
	r.ok("h2", `{"changed": false, "msg": "restarted"}`)
	r.play("nomatch")
	r.s.Warn("Could not match supplied host pattern, ignoring: nothere")
	r.s.NoHostsMatched()
	r.play("h1")
	r.start(Task{Action: "fail"})
	r.hr(&HostResult{Host: "h1", Status: Failed, Result: res(t, `{"changed": false, "failed": true, "msg": "x"}`)})
	return r
}

func TestDefaultTwoHosts(t *testing.T) {
	for _, tc := range []struct {
		golden string
		v      int
	}{{"two_hosts.golden", 0}, {"two_hosts_v.golden", 1}} {
		t.Run(tc.golden, func(t *testing.T) {
			var out, errs bytes.Buffer
			r := twoHosts(t, NewDefault(&out, Options{Verbosity: tc.v, Stderr: &errs}))
			r.finish()
			compare(t, tc.golden, out.Bytes())
			if want := "[WARNING]: Could not match supplied host pattern, ignoring: nothere\n"; errs.String() != want {
				t.Errorf("stderr = %q, want %q", errs.String(), want)
			}
		})
	}
}

func p5(t *testing.T, s Sink) *rec {
	r := newRec(t, s)
	r.play("h1,h2")
	r.start(Task{Action: "debug"})
	r.hr(&HostResult{Host: "h1", Status: Changed, Result: res(t, `{"changed": true, "msg": "hi"}`)})
	r.ok("h2", `{"changed": false, "msg": "hi"}`)
	r.start(Task{Action: "ping"})
	r.hr(&HostResult{Host: "h2", Status: Skipped, Result: res(t, `{"changed": false, "skip_reason": "Conditional result was False", "skipped": true}`)})
	r.ok("h1", `{`+interp+`"changed": false, "ping": "pong"}`)
	r.start(Task{Action: "fail"})
	r.hr(&HostResult{Host: "h1", Status: Skipped, Result: res(t, `{"changed": false, "skip_reason": "Conditional result was False", "skipped": true}`)})
	r.hr(&HostResult{Host: "h2", Status: Failed, Result: res(t, `{"changed": false, "failed": true, "msg": "no"}`)})
	r.start(Task{Action: "debug"})
	r.ok("h1", `{"changed": false, "msg": "after"}`)
	return r
}

func TestColor(t *testing.T) {
	var out bytes.Buffer
	p5(t, NewDefault(&out, Options{Color: true})).finish()
	compare(t, "color.golden", out.Bytes())
}

func TestMinimal(t *testing.T) {
	var out bytes.Buffer
	p5(t, NewMinimal(&out)).finish()
	compare(t, "p5_minimal.golden", out.Bytes())
}

func TestUnreachable(t *testing.T) {
	var out bytes.Buffer
	r := newRec(t, NewDefault(&out, Options{}))
	r.play("h1,down,down2")
	r.start(Task{Name: "reach", Action: "ping"})
	for _, h := range []string{"down", "down2"} {
		r.hr(&HostResult{Host: h, Status: Unreachable, Result: res(t, `{"changed": false, "msg": "Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused", "unreachable": true}`)})
	}
	r.ok("h1", `{"changed": false, "ping": "pong"}`)
	r.start(Task{Name: "reach ignored", Action: "ping"})
	r.ok("h1", `{"changed": false, "ping": "pong"}`)
	r.play("down")
	r.finish()
	compare(t, "unreachable.golden", out.Bytes())
}

func TestDiff(t *testing.T) {
	var out bytes.Buffer
	r := newRec(t, NewDefault(&out, Options{Diff: true}))
	r.play("h1")
	tmp := "/root/.ansible/tmp/ansible-local-12813ru_lu9p3/"
	changed := func(action string, d ...modules.Diff) {
		r.start(Task{Action: action})
		r.hr(&HostResult{Host: "h1", Status: Changed, Result: res(t, `{"changed": true}`), Diff: d})
	}
	changed("copy", modules.Diff{AfterHeader: tmp + "tmp32erzk6g", After: "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"})
	changed("copy", modules.Diff{BeforeHeader: "/tmp/cb/f1.txt", AfterHeader: tmp + "tmpdblsjaej",
		Before: "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", After: "a\nB\nc\nd\ne\nf\ng\nh\nI\nj\nk"})
	changed("copy", modules.Diff{AfterHeader: tmp + "tmp_cdqa78g", After: "new\n"})
	changed("file", modules.Diff{Before: "{\n    \"path\": \"/tmp/cb/d1\",\n    \"state\": \"absent\"\n}\n", After: "{\n    \"path\": \"/tmp/cb/d1\",\n    \"state\": \"directory\"\n}\n"})
	changed("lineinfile",
		modules.Diff{BeforeHeader: "/tmp/cb/f1.txt (content)", AfterHeader: "/tmp/cb/f1.txt (content)",
			Before: "a\nB\nc\nd\ne\nf\ng\nh\nI\nj\nk", After: "a\nB\nc\nd\ne\nf\ng\nh\nI\nj\nk\nzz\n"},
		modules.Diff{BeforeHeader: "/tmp/cb/f1.txt (file attributes)", AfterHeader: "/tmp/cb/f1.txt (file attributes)"})
	r.finish()
	compare(t, "diff.golden", out.Bytes())
}

// TestDiffLoop replays testdata/playbooks/diff_loop.yml under --diff: each
// item's diff comes before its line, the loop's own result adds none.
func TestDiffLoop(t *testing.T) {
	var out bytes.Buffer
	r := newRec(t, NewDefault(&out, Options{Diff: true}))
	r.play("h1")
	r.start(Task{Action: "file"})
	for _, it := range []string{"l1", "l2"} {
		d := modules.Diff{Before: "{\n    \"path\": \"/tmp/cb/" + it + "\",\n    \"state\": \"absent\"\n}\n",
			After: "{\n    \"path\": \"/tmp/cb/" + it + "\",\n    \"state\": \"directory\"\n}\n"}
		r.hr(&HostResult{Host: "h1", Status: Changed, IsItem: true, Label: it, Diff: []modules.Diff{d},
			Result: res(t, `{"ansible_loop_var": "item", "changed": true, "item": "`+it+`"}`)})
	}
	r.hr(&HostResult{Host: "h1", Status: Changed, Loop: true, Result: res(t, `{"changed": true, "msg": "All items completed", "results": []}`)})
	r.finish()
	compare(t, "diff_loop.golden", out.Bytes())
}

// TestFailedDebug replays testdata/playbooks/failed_debug.yml: a debug or
// assert that fails before its action returns prints its result on one
// line; an assertion that is false prints it indented.
func TestFailedDebug(t *testing.T) {
	var out bytes.Buffer
	r := newRec(t, NewDefault(&out, Options{}))
	r.play("h1")
	failed := func(js string) {
		r.hr(&HostResult{Host: "h1", Status: Failed, Ignored: true, Result: res(t, js)})
	}
	r.start(Task{Action: "debug"})
	failed(`{"failed": true, "msg": "The task includes an option with an undefined variable. The error was: 'undefined_var' is undefined. 'undefined_var' is undefined\n\nThe error appears to be in '/tmp/cb/failed_debug.yml': line 4, column 7, but may\nbe elsewhere in the file depending on the exact syntax problem.\n\nThe offending line appears to be:\n\n  tasks:\n    - debug: msg=\"{{ undefined_var }}\"\n      ^ here\nWe could be wrong, but this one looks like it might be an issue with\nmissing quotes. Always quote template expression brackets when they\nstart a value. For instance:\n\n    with_items:\n      - {{ foo }}\n\nShould be written as:\n\n    with_items:\n      - \"{{ foo }}\"\n"}`)
	r.start(Task{Action: "debug"})
	failed(`{"failed": true, "msg": "'msg' and 'var' are incompatible options"}`)
	r.start(Task{Action: "debug"})
	r.ok("h1", `{"changed": false, "undefined_var": "VARIABLE IS NOT DEFINED!"}`)
	r.start(Task{Action: "assert"})
	failed(`{"failed": true, "msg": "The conditional check 'undefined_var == 2' failed. The error was: error while evaluating conditional (undefined_var == 2): 'undefined_var' is undefined. 'undefined_var' is undefined"}`)
	r.start(Task{Action: "assert"})
	failed(`{"assertion": "1 == 2", "changed": false, "evaluated_to": false, "failed": true, "msg": "Assertion failed"}`)
	r.start(Task{Action: "fail"})
	failed(`{"changed": false, "failed": true, "msg": "Failed as requested from task"}`)
	r.finish()
	compare(t, "failed_debug.golden", out.Bytes())
}
