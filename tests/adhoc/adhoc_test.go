// Package adhoc compares `fjord adhoc` with ansible 2.14's ad hoc command
// (`ansible`), run live on the same inventory: stdout, stderr and the exit
// code byte for byte once what legitimately varies is masked, and the
// files -t writes.
package adhoc

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/internal/testgate"
	sshtest "github.com/fjord-run/fjord/tests/ssh"
)

// adhocCase is one command line, given after `ansible` or `fjord adhoc`.
// {OUT} in an argument is the side's own output directory.
type adhocCase struct {
	name string
	args []string
	// dropKeys are result keys left out of both sides, with the reason
	// in the case's comment.
	dropKeys []string
	// stderrOnly compares stderr and the exit code only.
	stderrOnly bool
	// diffSource masks the after header of a diff: ansible names its
	// local temporary copy of content=, which fjord does not make.
	diffSource bool
}

var cases = []adhocCase{
	{name: "command-rc0", args: []string{"h1", "-a", "echo hello"}},
	{name: "command-rc1", args: []string{"h1", "-a", "false"}},
	{name: "command-two-hosts", args: []string{"all", "-f", "1", "-a", "echo {{ inventory_hostname }}"}},
	{name: "command-default-module-two-hosts-k=v", args: []string{"g", "-f", "1", "-a", "ls chdir=/"}},
	{name: "shell-stderr-rc3", args: []string{"h1", "-m", "shell", "-a", "echo out; echo err >&2; exit 3"}},
	{name: "shell-oneline", args: []string{"h1", "-m", "shell", "-a", "echo a; echo b >&2", "-o"}},
	{name: "shell-oneline-failed", args: []string{"h1", "-m", "shell", "-a", "exit 2", "-o"}},
	{name: "ping", args: []string{"all", "-f", "1", "-m", "ping"}},
	{name: "ping-oneline", args: []string{"h2", "-m", "ping", "-o"}},
	{name: "setup-filter", args: []string{"h1", "-m", "setup", "-a", "filter=ansible_hostname"}},
	{name: "debug-oneline-verbose-always", args: []string{"h1", "-m", "debug", "-a", "msg={{ inventory_hostname }}", "-o"}},
	{name: "implicit-localhost", args: []string{"localhost", "-i", "nosuch-inventory", "-m", "ping"}},
	{name: "debug-json-args", args: []string{"h1", "-m", "debug", "-a", `{"msg": "json {{ 1 + 1 }}"}`}},
	// fjord's copy has no temporary source file on the host, and does not
	// report md5sum.
	{name: "copy-content", args: []string{"h1", "-m", "copy", "-a", "content=hi dest={OUT}/c.txt mode=0644"}, dropKeys: []string{"src", "md5sum"}},
	{name: "copy-content-diff", args: []string{"h1", "-D", "-m", "copy", "-a", "content=hi dest={OUT}/d.txt mode=0644"}, dropKeys: []string{"src", "md5sum"}, diffSource: true},
	{name: "file-touch", args: []string{"h1", "-m", "file", "-a", "path={OUT}/t state=touch mode=0600"}},
	{name: "file-touch-check-diff", args: []string{"h1", "-C", "-D", "-m", "file", "-a", "path={OUT}/t state=touch"}},
	{name: "file-bad-choice", args: []string{"h1", "-m", "file", "-a", "path={OUT}/x state=bogus"}},
	{name: "unknown-module", args: []string{"h1", "-m", "nosuchmodule"}},
	{name: "unreachable-and-ok", args: []string{"h1:down", "-f", "1", "-m", "ping"}},
	{name: "no-hosts-matched", args: []string{"nosuch", "-m", "ping"}},
	{name: "limit-leaves-none", args: []string{"all", "-l", "nosuch", "-m", "ping"}},
	{name: "list-hosts", args: []string{"g", "--list-hosts"}},
	{name: "list-hosts-none", args: []string{"nosuch", "--list-hosts"}},
	{name: "tree", args: []string{"g", "-f", "1", "-a", "echo tree", "-t", "{OUT}/tree"}},
	{name: "extra-vars", args: []string{"h1", "-m", "debug", "-a", "var=x", "-e", "x=42"}},
	{name: "async-fire-and-forget", args: []string{"h1", "-B", "10", "-P", "0", "-a", "sleep 1"}},
	{name: "task-timeout", args: []string{"h1", "--task-timeout", "1", "-a", "sleep 3"}},
	{name: "async", args: []string{"h1", "-B", "10", "-P", "1", "-a", "echo bg"}},
	// ansible prints argparse's usage before the error; fjord the error.
	{name: "command-without-args", args: []string{"h1", "-m", "command"}, stderrOnly: true},
}

func TestAdhocLocal(t *testing.T) {
	runAll(t, "h1 ansible_connection=local\nh2 ansible_connection=local\n", nil)
}

// TestAdhocSSH runs the cases with h1 and h2 reached over ssh through a
// loopback sshd.
func TestAdhocSSH(t *testing.T) {
	sshtest.Require(t)
	lab := sshtest.Start(t, 1)
	srv := lab.Servers[0]
	host := "ansible_connection=ssh ansible_host=" + srv.IP + " ansible_port=" + strconv.Itoa(srv.Port) +
		" ansible_user=root ansible_ssh_private_key_file=" + lab.UserKey +
		" ansible_ssh_common_args='-o UserKnownHostsFile=" + lab.KnownHosts + "'\n"
	// The lab's sshd has no sftp subsystem: ansible would warn, on each
	// transfer, that sftp and scp failed before piping the file.
	runAll(t, "h1 "+host+"h2 "+host, []string{"ANSIBLE_SSH_TRANSFER_METHOD=piped"})
}

func runAll(t *testing.T, hosts string, env []string) {
	if testing.Short() {
		t.Skip("runs ansible")
	}
	ansible := testgate.Tool(t, "ansible", "apt-get install ansible-core")
	fjord := buildFjord(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := runSide(t, c, hosts, env, ansible)
			f := runSide(t, c, hosts, env, fjord, "adhoc")
			if a.code != f.code {
				t.Errorf("exit code: ansible %d, fjord %d", a.code, f.code)
			}
			if !c.stderrOnly {
				compare(t, "stdout", a.stdout, f.stdout)
			}
			compare(t, "stderr", lastLines(a.stderr, c.stderrOnly), lastLines(f.stderr, c.stderrOnly))
			compare(t, "tree", a.tree, f.tree)
		})
	}
}

func compare(t *testing.T, what, a, f string) {
	t.Helper()
	if a != f {
		t.Errorf("%s differs\n--- ansible\n%s\n--- fjord\n%s", what, a, f)
	}
}

// lastLines is stderr's ERROR line when only that is compared.
func lastLines(s string, only bool) string {
	if !only {
		return s
	}
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

type sideResult struct {
	code                 int
	stdout, stderr, tree string
}

// runSide runs one side in a directory of its own, with an inventory
// naming its output directory.
func runSide(t *testing.T, c adhocCase, hosts string, env []string, bin string, pre ...string) sideResult {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// A fixed interpreter: ansible's discovery would add
	// discovered_interpreter_python to results, which fjord's native
	// modules do not run.
	inv := "[g]\n" + hosts + "\n[u]\ndown ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1\n\n" +
		"[all:vars]\nansible_python_interpreter=/usr/bin/python3\n"
	if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), pre...), "-i", "hosts")
	for _, a := range c.args {
		args = append(args, strings.ReplaceAll(a, "{OUT}", out))
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	// None of the caller's ANSIBLE_* settings: they would change both
	// sides.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANSIBLE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, "ANSIBLE_NOCOLOR=1", "ANSIBLE_HOST_KEY_CHECKING=False",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"), "ANSIBLE_ASYNC_DIR="+filepath.Join(dir, "async")), env...)
	// A fire-and-forget job outlives the command and writes its result
	// into the async directory later: the directory's removal waits for it
	// (cleanups run last-registered first, so this one before TempDir's).
	t.Cleanup(func() { awaitJobs(t, filepath.Join(dir, "async")) })
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	m := func(s string) string {
		s = mask(s, out, c.dropKeys)
		// the side's directory, in a message that may be wrapped
		// before it: the two sides' directories differ only there
		s = strings.ReplaceAll(s, "/"+filepath.Base(dir)+"/", "/<SIDE>/")
		if c.diffSource {
			s = afterHeader.ReplaceAllString(s, "+++ after: <SRC>")
		}
		return s
	}
	return sideResult{code: code, stdout: m(so.String()), stderr: m(se.String()), tree: m(readTree(t, filepath.Join(out, "tree")))}
}

// readTree lists the files -t wrote, each with its content.
func readTree(t *testing.T, dir string) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("== " + n + "\n" + string(data) + "\n")
	}
	return b.String()
}

var (
	timeKeys = regexp.MustCompile(`"(start|end|delta)": ?"[^"]*"`)
	jobID    = regexp.MustCompile(`"(ansible_job_id|results_file)": ?"[^"]*"`)
	tmpPath  = regexp.MustCompile(`/[^\s"']*ansible-(tmp|local)-[^\s"']*`)
	// afterHeader is a diff's "+++ after: SOURCE" line.
	afterHeader = regexp.MustCompile(`(?m)^\+\+\+ after: .*$`)
)

// mask replaces what varies between runs and sides: the side's output
// directory, times, temporary paths and async job ids; and drops the
// keys given from JSON results (a pretty-printed line, or a member on
// one line).
func mask(s, out string, drop []string) string {
	s = strings.ReplaceAll(s, out, "<OUT>")
	s = timeKeys.ReplaceAllString(s, `"$1": "<T>"`)
	s = jobID.ReplaceAllString(s, `"$1": "<JOB>"`)
	s = tmpPath.ReplaceAllString(s, "<TMP>")
	for _, k := range drop {
		s = regexp.MustCompile(`(?m)^ *"`+k+`": [^\n]*\n`).ReplaceAllString(s, "")
		s = regexp.MustCompile(`"`+k+`": ?"[^"]*",? ?`).ReplaceAllString(s, "")
	}
	return s
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

// awaitJobs waits, up to 30 s, until no job in an async directory is
// still running: no job file says "finished": 0 and none is half written.
func awaitJobs(t *testing.T, dir string) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		running := ""
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil || strings.HasSuffix(e.Name(), ".tmp") || bytes.Contains(data, []byte(`"finished": 0`)) {
				running = e.Name()
				break
			}
		}
		if running == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("async job %s still running after 30 s", running)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
