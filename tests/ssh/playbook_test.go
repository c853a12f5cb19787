package sshtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fjord-run/fjord/internal/testgate"
)

var (
	buildOnce sync.Once
	fjordBin  string
	buildErr  error
)

// fjord builds cmd/fjord once per test binary.
func fjord(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fjord-bin-")
		if err != nil {
			buildErr = err
			return
		}
		fjordBin = filepath.Join(dir, "fjord")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", fjordBin, "./cmd/fjord")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/fjord: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return fjordBin
}

type runResult struct {
	out   string
	code  int
	recap map[string]string // host -> "ok=.. changed=.. ..."
	took  time.Duration
}

var recapLine = regexp.MustCompile(`(?m)^(\S+)\s+: (ok=\d+\s+changed=\d+\s+unreachable=\d+\s+failed=\d+\s+skipped=\d+\s+rescued=\d+\s+ignored=\d+)`)

func runPlaybook(t *testing.T, bin string, env []string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = "testdata/site"
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := runResult{out: out.String(), took: time.Since(start), recap: map[string]string{}}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	for _, m := range recapLine.FindAllStringSubmatch(r.out, -1) {
		r.recap[m[1]] = strings.Join(strings.Fields(m[2]), " ")
	}
	return r
}

// TestPlaybookOverSSH runs the same playbook with fjord and with
// ansible-playbook against three sshd hosts and compares recaps and the
// files written; a second fjord run changes nothing.
func TestPlaybookOverSSH(t *testing.T) {
	l := Start(t, 3)
	inv := l.Inventory(t)
	bin := fjord(t)
	outF := filepath.Join(l.Dir, "out-fjord")
	env := []string{"ANSIBLE_CONFIG=/nonexistent", "ANSIBLE_NOCOLOR=1"}

	first := runPlaybook(t, bin, env, "playbook", "-i", inv, "-e", "out="+outF, "site.yml")
	if first.code != 0 {
		t.Fatalf("fjord exit %d:\n%s", first.code, first.out)
	}
	t.Logf("fjord first run %v", first.took)
	for _, s := range l.Servers {
		if got, want := first.recap[s.Name], "ok=9 changed=6 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"; got != want {
			t.Errorf("fjord first recap %s: %s, want %s\n%s", s.Name, got, want, first.out)
		}
		b, err := os.ReadFile(filepath.Join(outF, s.Name, "app.conf"))
		if err != nil || !strings.Contains(string(b), fmt.Sprintf("port = %d", s.Port)) {
			t.Errorf("%s app.conf: %q %v", s.Name, b, err)
		}
	}
	second := runPlaybook(t, bin, env, "playbook", "-i", inv, "-e", "out="+outF, "site.yml")
	if second.code != 0 {
		t.Fatalf("fjord second run exit %d:\n%s", second.code, second.out)
	}
	t.Logf("fjord second run %v", second.took)
	for _, s := range l.Servers {
		if got := second.recap[s.Name]; !strings.Contains(got, "changed=0 ") {
			t.Errorf("fjord second recap %s: %s\n%s", s.Name, got, second.out)
		}
	}

	ap, err := exec.LookPath("ansible-playbook")
	if err != nil {
		if testgate.Required() {
			t.Fatal("ansible-playbook not installed and FJORD_TEST_REQUIRE=1")
		}
		t.Log("ansible-playbook not installed: comparison skipped")
		return
	}
	outA := filepath.Join(l.Dir, "out-ansible")
	aenv := append(env, "ANSIBLE_HOST_KEY_CHECKING=False", "ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(l.Dir, "cp"),
		"ANSIBLE_PYTHON_INTERPRETER=auto_silent", "ANSIBLE_RETRY_FILES_ENABLED=False", "ANSIBLE_PIPELINING=True")
	ans := runPlaybook(t, ap, aenv, "-i", inv, "-e", "out="+outA, "site.yml")
	t.Logf("ansible-playbook first run %v", ans.took)
	if ans.code != first.code {
		t.Errorf("exit codes: fjord %d, ansible %d\n%s", first.code, ans.code, ans.out)
	}
	for _, s := range l.Servers {
		if first.recap[s.Name] != ans.recap[s.Name] {
			t.Errorf("recap %s: fjord %q, ansible %q", s.Name, first.recap[s.Name], ans.recap[s.Name])
		}
	}
	if diff := compareTrees(outF, outA); diff != "" {
		t.Errorf("files differ:\n%s", diff)
	}
}

// compareTrees lists the differences in content and mode between two
// directory trees.
func compareTrees(a, b string) string {
	list := func(root string) map[string]string {
		m := map[string]string{}
		filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			desc := fi.Mode().String()
			if fi.Mode().IsRegular() {
				c, _ := os.ReadFile(p)
				desc += " " + string(c)
			}
			m[rel] = desc
			return nil
		})
		return m
	}
	ma, mb := list(a), list(b)
	var diffs []string
	for k, v := range ma {
		if mb[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: fjord %q, ansible %q", k, v, mb[k]))
		}
	}
	for k, v := range mb {
		if _, ok := ma[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: only ansible %q", k, v))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "\n")
}

// TestPlaybookHostDies kills one host's sshd while a task runs: that host
// is UNREACHABLE, the others finish, the exit code is 4.
func TestPlaybookHostDies(t *testing.T) {
	l := Start(t, 3)
	inv := l.Inventory(t)
	bin := fjord(t)
	pb := filepath.Join(l.Dir, "dies.yml")
	os.WriteFile(pb, []byte(`- hosts: lab
  gather_facts: false
  tasks:
    - command: sleep 1.5
    - command: echo after
`), 0o644)
	go func() {
		time.Sleep(700 * time.Millisecond)
		l.Servers[1].Kill()
	}()
	r := runPlaybook(t, bin, []string{"ANSIBLE_CONFIG=/nonexistent", "ANSIBLE_NOCOLOR=1"}, "playbook", "-i", inv, pb)
	if r.code != 4 {
		t.Errorf("exit %d, want 4\n%s", r.code, r.out)
	}
	if got := r.recap["h2"]; !strings.Contains(got, "unreachable=1") {
		t.Errorf("h2 recap %q\n%s", got, r.out)
	}
	for _, h := range []string{"h1", "h3"} {
		if got := r.recap[h]; !strings.HasPrefix(got, "ok=2 changed=2 unreachable=0 failed=0") {
			t.Errorf("%s recap %q\n%s", h, got, r.out)
		}
	}
	if !strings.Contains(r.out, "UNREACHABLE!") {
		t.Errorf("no UNREACHABLE in output:\n%s", r.out)
	}
}
