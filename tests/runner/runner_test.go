// Package runner runs one project through ansible-runner (2.3, Debian's
// python3-ansible-runner) twice, once with ansible-playbook and once with
// fjord answering for it, and compares what ansible-runner made of each:
// the job events (types, order, stdout lines, hosts, tasks, flags, the
// keys they carry), the stdout, status and rc artifacts. It does so for
// `ansible-runner run` and for the streaming path AWX and Receptor use,
// `ansible-runner transmit | ansible-runner worker | ansible-runner
// process`.
package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fjord-run/fjord/internal/testgate"
)

// side is one way of running the project: env is the environment
// ansible-runner starts with (PATH decides which ansible-playbook runs),
// args what follows `ansible-runner run DIR -p site.yml -i IDENT`.
type side struct {
	name string
	env  []string
	args []string
	// runner is the command run as ansible-runner; nil: ansible-runner
	runner []string
}

// command is ansible-runner with args, as s runs it.
func (s side) command(ctx context.Context, args ...string) *exec.Cmd {
	runner := s.runner
	if runner == nil {
		runner = []string{"ansible-runner"}
	}
	cmd := exec.CommandContext(ctx, runner[0], append(runner[1:len(runner):len(runner)], args...)...)
	cmd.Env = s.env
	return cmd
}

// sides are the reference and fjord, found as ansible-playbook (and
// ansible) first on PATH, as in an execution environment image.
func sides(t *testing.T) (ref, fj side, fjord string) {
	t.Helper()
	testgate.Tool(t, "ansible-runner", "apt-get install -y python3-ansible-runner")
	testgate.Tool(t, "ansible-playbook", "apt-get install -y ansible-core")
	fjord = buildFjord(t)
	bin := t.TempDir()
	for _, name := range []string{"ansible-playbook", "ansible"} {
		if err := os.Symlink(fjord, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	base := os.Environ()
	ref = side{name: "ansible-playbook", env: base}
	fj = side{name: "fjord", env: withPath(base, bin)}
	return ref, fj, fjord
}

// withPath puts dir first on PATH.
func withPath(env []string, dir string) []string {
	out := []string{"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")}
	for _, e := range env {
		if !strings.HasPrefix(e, "PATH=") {
			out = append(out, e)
		}
	}
	return out
}

// project copies testdata/project into a new private data directory.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.Walk("testdata/project", func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/project", p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// runRun runs `ansible-runner run` on what (the playbook when nil) and
// returns the artifact directory.
func runRun(t *testing.T, s side, what ...string) string {
	t.Helper()
	dir := project(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if what == nil {
		what = []string{"-p", "site.yml"}
	}
	args := append(append([]string{"run", dir, "-i", "job"}, what...), s.args...)
	cmd := s.command(ctx, args...)
	// ansible-runner exits with the playbook's code: the rc artifact is
	// compared, any other failure stops the test
	out, err := cmd.CombinedOutput()
	art := filepath.Join(dir, "artifacts", "job")
	if _, serr := os.Stat(filepath.Join(art, "status")); !exitCode(err) || serr != nil {
		t.Fatalf("%s: ansible-runner run: %v\n%s", s.name, err, out)
	}
	return art
}

// runStreaming runs transmit | worker | process, the worker with s's
// environment (the execution node's), and returns the artifact directory
// process wrote.
func runStreaming(t *testing.T, s side) string {
	t.Helper()
	src, work, proc := project(t), t.TempDir(), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	transmit := exec.CommandContext(ctx, "ansible-runner", "transmit", src, "-p", "site.yml", "-i", "job")
	worker := s.command(ctx, "worker", "--private-data-dir", work)
	process := exec.CommandContext(ctx, "ansible-runner", "process", proc, "-i", "job")
	var stderr lockedBuffer // three processes write it at once
	transmit.Stderr, worker.Stderr, process.Stderr = &stderr, &stderr, &stderr
	r1, w1 := io.Pipe()
	r2, w2 := io.Pipe()
	transmit.Stdout, worker.Stdin = w1, r1
	worker.Stdout, process.Stdin = w2, r2
	process.Stdout = io.Discard
	for _, c := range []*exec.Cmd{transmit, worker, process} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	err1 := transmit.Wait()
	w1.Close()
	err2 := worker.Wait()
	w2.Close()
	err3 := process.Wait()
	for _, err := range []error{err1, err2, err3} {
		if !exitCode(err) {
			t.Fatalf("%s: transmit | worker | process: %v\n%s", s.name, err, stderr.String())
		}
	}
	return filepath.Join(proc, "artifacts", "job")
}

// lockedBuffer is a bytes.Buffer several goroutines write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// exitCode is whether err is nothing or a non-zero exit.
func exitCode(err error) bool {
	var ee *exec.ExitError
	return err == nil || errors.As(err, &ee) && ee.Exited()
}

func TestRunnerRun(t *testing.T) {
	ref, fj, _ := sides(t)
	compareArtifacts(t, runRun(t, ref), runRun(t, fj), true)
}

// TestRunnerAdHoc runs an ad hoc command (AWX's ad hoc commands): fjord
// answers for ansible.
func TestRunnerAdHoc(t *testing.T) {
	ref, fj, _ := sides(t)
	what := []string{"-m", "command", "-a", "echo hi", "--hosts", "localhost"}
	compareArtifacts(t, runRun(t, ref, what...), runRun(t, fj, what...), true)
}

// TestRunnerDiff runs with --diff: each diff is a runner_on_file_diff
// event before its result's.
func TestRunnerDiff(t *testing.T) {
	ref, fj, _ := sides(t)
	what := []string{"-p", "diff.yml", "--cmdline=--diff"}
	refDir, fjDir := runRun(t, ref, what...), runRun(t, fj, what...)
	compareArtifacts(t, refDir, fjDir, false)
	n := 0
	for _, e := range readEvents(t, fjDir) {
		if e.Event == "runner_on_file_diff" && strings.Contains(e.Stdout, "+# added") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d runner_on_file_diff events show the added line, want 1", n)
	}
}

// TestRunnerBinary points ansible-runner at the fjord binary itself
// (--binary), with `playbook` as the first word of --cmdline: no
// ansible-playbook name needed.
func TestRunnerBinary(t *testing.T) {
	ref, fj, fjord := sides(t)
	fj.env = ref.env
	fj.args = []string{"--binary", fjord, "--cmdline", "playbook site.yml"}
	compareArtifacts(t, runRun(t, ref), runRun(t, fj), true)
}

func TestRunnerStreaming(t *testing.T) {
	ref, fj, _ := sides(t)
	compareArtifacts(t, runStreaming(t, ref), runStreaming(t, fj), true)
}

// lateSpawn is ansible-runner with pexpect.spawn returning only after
// the child has run for a while, as when ansible-runner is descheduled
// under load: ansible-runner reads the child's pty only while it finds
// the child alive (while child.isalive(): child.expect(...)), so a
// child already gone when it first looks has none of its output read.
const lateSpawn = `import sys, time, pexpect
spawn = pexpect.spawn
class LateSpawn(spawn):
    def __init__(self, *args, **kwargs):
        spawn.__init__(self, *args, **kwargs)
        time.sleep(2)
pexpect.spawn = LateSpawn
from ansible_runner.__main__ import main
sys.exit(main())
`

// lateRunner is the command running ansible-runner through lateSpawn,
// with the interpreter ansible-runner's script names.
func lateRunner(t *testing.T) []string {
	t.Helper()
	path, err := exec.LookPath("ansible-runner")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	interp := strings.Fields(strings.TrimPrefix(line, "#!"))
	if !strings.HasPrefix(line, "#!") || len(interp) == 0 {
		t.Skipf("%s: no interpreter line", path)
	}
	return append(interp, "-c", lateSpawn)
}

// TestRunnerLateReader: fjord, done long before ansible-runner first
// reads its output, waits for ansible-runner to read it; ending at once
// it left no stdout and every event partial (TestRunnerStreaming once
// failed so under load).
func TestRunnerLateReader(t *testing.T) {
	ref, fj, _ := sides(t)
	fj.runner = lateRunner(t)
	compareArtifacts(t, runRun(t, ref), runRun(t, fj), true)
	compareArtifacts(t, runStreaming(t, ref), runStreaming(t, fj), true)
}

// event is a job event file as ansible-runner writes it.
type event struct {
	Event      string         `json:"event"`
	UUID       string         `json:"uuid"`
	ParentUUID string         `json:"parent_uuid"`
	Counter    int            `json:"counter"`
	Stdout     string         `json:"stdout"`
	StartLine  int            `json:"start_line"`
	EndLine    int            `json:"end_line"`
	Data       map[string]any `json:"event_data"`
	raw        map[string]any
}

func readEvents(t *testing.T, artifacts string) []event {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(artifacts, "job_events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []event
	for _, f := range files {
		if strings.HasSuffix(f, "-partial.json") {
			t.Errorf("%s: a partial event file was left: its marker never reached ansible-runner", f)
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		_ = json.Unmarshal(b, &ev.raw)
		evs = append(evs, ev)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Counter < evs[j].Counter })
	return evs
}

// timings masks what differs between two runs of the same task: dates,
// times and durations in the output; projectDir the private data
// directory, each side's own.
var (
	timings    = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?|\d+:\d\d:\d\d\.\d+`)
	projectDir = regexp.MustCompile(`/\S*/project/`)
)

func mask(s string) string {
	return projectDir.ReplaceAllString(timings.ReplaceAllString(s, "T"), "PROJECT/")
}

// eventKeys are the event_data keys compared by value; the uuids are
// compared through what they point at, start, end and duration by
// presence.
var eventKeys = []string{"playbook", "play", "play_pattern", "task", "task_action", "resolved_action",
	"task_args", "role", "name", "pattern", "is_conditional", "host", "remote_addr", "handler",
	"ignore_errors", "event_loop", "changed", "dark", "failures", "ignored", "ok", "processed",
	"rescued", "skipped", "artifact_data", "included_file"}

// compareArtifacts compares the artifacts of ansible-playbook's run
// (refDir) and fjord's; commands says the project runs a command, whose
// result tells which program ran.
func compareArtifacts(t *testing.T, refDir, fjDir string, commands bool) {
	t.Helper()
	for _, f := range []string{"status", "rc"} {
		a, errA := os.ReadFile(filepath.Join(refDir, f))
		b, errB := os.ReadFile(filepath.Join(fjDir, f))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v / %v", f, errA, errB)
		}
		if string(a) != string(b) {
			t.Errorf("artifact %s: ansible-playbook %q, fjord %q", f, a, b)
		}
	}
	a, _ := os.ReadFile(filepath.Join(refDir, "stdout"))
	b, _ := os.ReadFile(filepath.Join(fjDir, "stdout"))
	if mask(string(a)) != mask(string(b)) {
		t.Errorf("artifact stdout differs:\n--- ansible-playbook\n%s\n--- fjord\n%s", a, b)
	}
	ref, fj := readEvents(t, refDir), readEvents(t, fjDir)
	if len(ref) == 0 {
		t.Fatal("ansible-playbook's run left no events")
	}
	if len(ref) != len(fj) {
		t.Errorf("%d events from ansible-playbook, %d from fjord:\n%s", len(ref), len(fj), sequence(ref, fj))
	}
	refByUUID, fjByUUID := byUUID(ref), byUUID(fj)
	sawFjordResult := false
	for i := 0; i < min(len(ref), len(fj)); i++ {
		x, y := ref[i], fj[i]
		where := func() string { return "event " + x.Event + " #" + itoa(x.Counter) }
		if x.Event != y.Event || x.Counter != y.Counter {
			t.Fatalf("event #%d: ansible-playbook %s, fjord %s:\n%s", x.Counter, x.Event, y.Event, sequence(ref, fj))
		}
		if x.StartLine != y.StartLine || x.EndLine != y.EndLine {
			t.Errorf("%s: lines %d-%d, fjord %d-%d", where(), x.StartLine, x.EndLine, y.StartLine, y.EndLine)
		}
		if mask(x.Stdout) != mask(y.Stdout) {
			t.Errorf("%s: stdout\n%q\nfjord\n%q", where(), x.Stdout, y.Stdout)
		}
		if got, want := topKeys(y.raw), topKeys(x.raw); got != want {
			t.Errorf("%s: keys %s, fjord %s", where(), want, got)
		}
		if got, want := keys(y.Data), keys(x.Data); got != want {
			t.Errorf("%s: event_data keys\n%s\nfjord\n%s", where(), want, got)
		}
		for _, k := range eventKeys {
			if mask(jsonOf(x.Data[k])) != mask(jsonOf(y.Data[k])) {
				t.Errorf("%s: %s = %s, fjord %s", where(), k, jsonOf(x.Data[k]), jsonOf(y.Data[k]))
			}
		}
		// the private data directories differ: the file and line
		if pa, pb := filepath.Base(str(x.Data["task_path"])), filepath.Base(str(y.Data["task_path"])); pa != pb {
			t.Errorf("%s: task_path %s, fjord %s", where(), x.Data["task_path"], y.Data["task_path"])
		}
		for _, k := range []string{"start", "end", "duration"} {
			if (x.Data[k] == nil) != (y.Data[k] == nil) {
				t.Errorf("%s: %s %v, fjord %v", where(), k, x.Data[k], y.Data[k])
			}
		}
		// a parent is the same kind of event on both sides
		if pa, pb := parentOf(x, refByUUID), parentOf(y, fjByUUID); pa != pb {
			t.Errorf("%s: parent %s, fjord %s", where(), pa, pb)
		}
		compareRes(t, where(), x.Data["res"], y.Data["res"])
		if res, ok := y.Data["res"].(map[string]any); ok && y.Data["task_action"] == "command" {
			// fjord's command returns no module invocation, ansible's
			// does: proof the second run was fjord's
			if _, inv := res["invocation"]; !inv {
				sawFjordResult = true
			}
		}
	}
	if commands && !sawFjordResult {
		t.Error("the fjord side's command results carry ansible's module invocation: ansible-playbook ran, not fjord")
	}
}

// compareRes compares two results by their keys (ansible's modules also
// return their invocation, fjord's do not) and their changed flag, and
// a loop's items the same way.
func compareRes(t *testing.T, where string, a, b any) {
	t.Helper()
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if okA != okB {
		t.Errorf("%s: res %s, fjord %s", where, jsonOf(a), jsonOf(b))
		return
	}
	if !okA {
		return
	}
	delete(ma, "invocation")
	if keys(ma) != keys(mb) {
		t.Errorf("%s: res keys %s, fjord %s", where, keys(ma), keys(mb))
	}
	for _, k := range []string{"changed", "censored", "msg", "rc", "stdout", "item", "skip_reason", "_ansible_item_label"} {
		if jsonOf(ma[k]) != jsonOf(mb[k]) {
			t.Errorf("%s: res %s = %s, fjord %s", where, k, jsonOf(ma[k]), jsonOf(mb[k]))
		}
	}
	ia, _ := ma["results"].([]any)
	ib, _ := mb["results"].([]any)
	if len(ia) != len(ib) {
		t.Errorf("%s: %d loop results, fjord %d", where, len(ia), len(ib))
		return
	}
	for i := range ia {
		if x, ok := ia[i].(map[string]any); ok {
			// ansible marks each debug item verbose inside the loop's
			// result too; fjord only on the item's own event
			delete(x, "_ansible_verbose_always")
		}
		compareRes(t, where+" item "+itoa(i), ia[i], ib[i])
	}
}

func byUUID(evs []event) map[string]event {
	m := map[string]event{}
	for _, e := range evs {
		m[e.UUID] = e
	}
	return m
}

func parentOf(e event, all map[string]event) string {
	if e.ParentUUID == "" {
		return "none"
	}
	p, ok := all[e.ParentUUID]
	if !ok {
		return "missing"
	}
	return p.Event + " " + jsonOf(p.Data["name"])
}

func sequence(ref, fj []event) string {
	var b strings.Builder
	for i := 0; i < max(len(ref), len(fj)); i++ {
		var x, y string
		if i < len(ref) {
			x = ref[i].Event
		}
		if i < len(fj) {
			y = fj[i].Event
		}
		b.WriteString(itoa(i+1) + " " + x + " | " + y + "\n")
	}
	return b.String()
}

func keys(m map[string]any) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func topKeys(m map[string]any) string { return keys(m) }

func str(v any) string {
	s, _ := v.(string)
	return s
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func buildFjord(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "fjord")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/fjord")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/fjord: %v\n%s", err, b)
	}
	return bin
}
