package modules

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/value"
)

func TestDirWord(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "~/.ansible_async"},
		{"~/.ansible_async", "~/.ansible_async"},
		{"~/my jobs", "~/'my jobs'"},
		{"~", "~"},
		{"~/", "~/"},
		{"~deploy/jobs", "~deploy/jobs"},
		{"~$(x)/jobs", `'~$(x)/jobs'`},
		{"/var/tmp/async", "/var/tmp/async"},
		{"/tmp/a b", "'/tmp/a b'"},
	} {
		if got := DirWord(c.in); got != c.want {
			t.Errorf("DirWord(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestKillAfter(t *testing.T) {
	// async_wrapper: sleep 5, then every 5 s, kill once the limit is out.
	for limit, want := range map[int]int{1: 10, 5: 10, 6: 15, 10: 15, 11: 20} {
		if got := KillAfter(limit); got != want {
			t.Errorf("KillAfter(%d) = %d, want %d", limit, got, want)
		}
	}
}

func TestJobResult(t *testing.T) {
	for _, c := range []struct {
		name, content       string
		finished, failed    bool
		changed             bool
		wantMsg, wantStdout string
	}{
		{name: "running", content: `{"started": 1, "finished": 0, "ansible_job_id": "j1.2"}`},
		{name: "empty", content: ""},
		{name: "done", content: `{"changed": true, "rc": 0, "stdout": "a\nb", "msg": ""}`, finished: true, changed: true, wantStdout: "a\nb"},
		{name: "timeout", content: `{"msg": "Timeout exceeded", "failed": true, "child_pid": 7}`, finished: true, failed: true, wantMsg: "Timeout exceeded"},
		{name: "junk", content: `{"changed": tru`, finished: true, failed: true, wantMsg: `Could not parse job output: {"changed": tru`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &Result{}
			jobResult(r, "j1.2", "/x/j1.2", c.content)
			fin, _ := r.Data.Get("finished")
			if (fin == 1) != c.finished || r.Failed != c.failed || r.Changed != c.changed || r.Msg != c.wantMsg {
				t.Errorf("finished=%v failed=%v changed=%v msg=%q", fin, r.Failed, r.Changed, r.Msg)
			}
			if c.wantStdout != "" {
				if s, _ := r.Data.Get("stdout"); s != c.wantStdout {
					t.Errorf("stdout %q", s)
				}
			}
		})
	}
}

// TestHostJob runs a command as a detached job with the local connection
// and reads its job file back as async_status does: the output, escaped
// by the host's sed, comes back byte for byte.
func TestHostJob(t *testing.T) {
	env, _ := testEnv(t, t.TempDir())
	dir := filepath.Join(t.TempDir(), "jobs")
	out := "tab\there \"q\" back\\slash é \x01 cr\r\n\nlast"
	spec := &JobSpec{Script: "printf '%s\\n\\n' \"$X\"; echo err >&2; exit 4", Strip: true, Cmd: "the cmd"}
	env.Environment = map[string]string{"X": out}
	j, err := LaunchHostJob(context.Background(), env, spec, dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^j\d+\.\d+$`).MatchString(j.ID) || j.File != filepath.Join(dir, j.ID) {
		t.Fatalf("job %+v", j)
	}
	var r *Result
	for i := 0; i < 100; i++ {
		if r, err = JobStatus(context.Background(), env, dir, j.ID, false); err != nil {
			t.Fatal(err)
		}
		if f, _ := r.Data.Get("finished"); f == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := map[string]any{"stdout": out, "stderr": "err", "rc": 4, "cmd": "the cmd", "msg": "non-zero return code", "finished": 1}
	for k, w := range want {
		if v, _ := r.Data.Get(k); v != w {
			t.Errorf("%s = %q, want %q", k, v, w)
		}
	}
	if !r.Failed || !r.Changed {
		t.Errorf("failed=%v changed=%v", r.Failed, r.Changed)
	}
	if l, _ := r.Data.Get("stdout_lines"); len(value.Listify(l)) != 3 {
		t.Errorf("stdout_lines %v", l)
	}
	if _, err := JobStatus(context.Background(), env, dir, j.ID, true); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("left in the job dir: %s", strings.Join(names, " "))
	}
}

// TestHostJobModuleJSON runs module programs as jobs: their JSON is the
// job's result, with junk around it dropped (a warning for junk after it)
// and stderr added, as async_wrapper does.
func TestHostJobModuleJSON(t *testing.T) {
	env, _ := testEnv(t, t.TempDir())
	dir := filepath.Join(t.TempDir(), "jobs")
	clean := t.TempDir()
	for _, c := range []struct {
		name, script string
		want         map[string]any
		failed       bool
	}{
		{"plain", `echo '{"changed": true, "msg": "ok"}'`, map[string]any{"msg": "ok"}, false},
		{"leading junk", `echo junk; echo '  {"changed": true,'; echo '"x": 1}'`, map[string]any{"x": 1}, false},
		{"trailing junk", `echo '{"changed": true}'; echo trailing junk`,
			map[string]any{"warnings": "Module invocation had junk after the JSON data: trailing junk"}, false},
		{"stderr", `echo '{"failed": true, "msg": "x"}'; echo printed >&2`, map[string]any{"stderr": "printed\n", "msg": "x"}, true},
		{"empty object", `echo '{}'; echo e >&2`, map[string]any{"stderr": "e\n"}, false},
		{"no json", `echo "Traceback: boom" >&2; exit 1`,
			map[string]any{"stderr": "Traceback: boom\n", "msg": "No start of json char found", "data": ""}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := &JobSpec{Script: c.script, ModuleJSON: true, Cmd: "mod", Cleanup: filepath.Join(clean, c.name)}
			if err := os.MkdirAll(spec.Cleanup, 0o755); err != nil {
				t.Fatal(err)
			}
			j, err := LaunchHostJob(context.Background(), env, spec, dir, 10)
			if err != nil {
				t.Fatal(err)
			}
			var r *Result
			for i := 0; i < 100; i++ {
				if r, err = JobStatus(context.Background(), env, dir, j.ID, false); err != nil {
					t.Fatal(err)
				}
				if f, _ := r.Data.Get("finished"); f == 1 {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if r.Failed != c.failed {
				t.Errorf("failed = %v", r.Failed)
			}
			for i := 0; ; i++ {
				if _, err := os.Stat(spec.Cleanup); os.IsNotExist(err) {
					break
				} else if i == 50 {
					t.Errorf("%s not removed", spec.Cleanup)
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			for k, w := range c.want {
				v, _ := r.Data.Get(k)
				if l, ok := v.([]any); ok && len(l) == 1 {
					v = l[0]
				}
				if v != w {
					t.Errorf("%s = %#v, want %#v", k, v, w)
				}
			}
		})
	}
}
