package differential

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	caseFlag        = flag.String("case", "", "run only the named case (directory name under cases/, or a prefix such as 007); env FJORD_DIFF_CASE")
	ansibleOnlyFlag = flag.Bool("ansible-only", false, "run only the ansible-playbook side, live, and check it against each case's expectations (with -record, record without running fjord); env FJORD_DIFF_ANSIBLE_ONLY=1")
	keepFlag        = flag.Bool("keep", false, "keep the temporary run directories and log where they are")
)

// maxConcurrent bounds how many cases run at once: a case that runs
// ansible-playbook live starts its worker processes, and CI machines have two
// cores.
const maxConcurrent = 2

// runTimeout bounds one side of one case; a hung run must fail, not stall the
// suite. Generous, because a loaded machine slows ansible-playbook down several
// times over; FJORD_DIFF_TIMEOUT (a Go duration) overrides it.
func runTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("FJORD_DIFF_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return 6 * time.Minute
}

// TestDifferential runs every case with fjord over the local connection and
// compares it with ansible-playbook's golden (golden_test.go).
func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("differential suite takes minutes; skipped with -short")
	}
	cases, err := listCases("cases", selectedCase())
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no case matches %q", selectedCase())
	}
	var fjord string
	if !ansibleOnly() {
		fjord = buildFjord(t)
	}
	times := &ansibleTimes{}
	t.Cleanup(func() { times.log(t) })

	sem := make(chan struct{}, maxConcurrent)
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()

			c, err := loadCase(filepath.Join("cases", name))
			if err != nil {
				t.Fatal(err)
			}
			runCase(t, c, "local", fjord, times)
		})
	}
}

// runCase compares fjord's side of a case with ansible-playbook's, recorded
// or live.
func runCase(t *testing.T, c *testCase, connection, fjord string, times *ansibleTimes) {
	t.Helper()
	a := ansibleSide(t, c, connection)
	if a.source == "" {
		times.add(t, a)
	}
	if a.exitCode != c.wantExit {
		if a.source != "" {
			t.Errorf("case is broken: %s has exit code %d, the case expects %d (file exit_code)", a.source, a.exitCode, c.wantExit)
		}
		return
	}
	if ansibleOnly() {
		if testing.Verbose() {
			t.Logf("ansible-playbook output:\n%s", a.output)
		}
		return
	}
	if a.source == "" {
		// a live ansible run checks the case's own claim
		for _, l := range outputHas(a.output, c.lacks) {
			t.Errorf("case is broken: ansible-playbook's output contains %q (file output_lacks)", l)
		}
	}
	f := runSide(t, c, "fjord", []string{fjord, "playbook"})
	compare(t, a, f)
	for _, l := range outputHas(f.output, c.lacks) {
		t.Errorf("fjord's output contains %q (file output_lacks):\n%s", l, trimOutput(f.output))
	}
}

// outputHas is those of texts that output contains.
func outputHas(output string, texts []string) []string {
	var found []string
	for _, s := range texts {
		if strings.Contains(output, s) {
			found = append(found, s)
		}
	}
	return found
}

func ansibleOnly() bool {
	return *ansibleOnlyFlag || os.Getenv("FJORD_DIFF_ANSIBLE_ONLY") == "1"
}

// ansibleTimes sums the live ansible-playbook runs of a suite.
type ansibleTimes struct {
	mu        sync.Mutex
	n         int
	wall, cpu time.Duration
}

func (a *ansibleTimes) add(t *testing.T, r *result) {
	t.Logf("ansible-playbook took %s (%s CPU), exit %d",
		r.elapsed.Round(time.Millisecond), r.cpu.Round(time.Millisecond), r.exitCode)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	a.wall += r.elapsed
	a.cpu += r.cpu
}

func (a *ansibleTimes) log(t *testing.T) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n > 0 {
		t.Logf("ansible-playbook ran live for %d cases: %s wall, %s CPU summed",
			a.n, a.wall.Round(time.Millisecond), a.cpu.Round(time.Millisecond))
	}
}

func selectedCase() string {
	if *caseFlag != "" {
		return *caseFlag
	}
	return os.Getenv("FJORD_DIFF_CASE")
}

// listCases returns the case directories in order; filter selects a case by
// its full name or by a prefix ("007" or "007-loops").
func listCases(dir, filter string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n := e.Name()
		if filter != "" && n != filter && !strings.HasPrefix(n, filter) {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

type testCase struct {
	dir      string
	args     []string
	wantExit int
	// lacks are texts the printed output must not contain (file
	// output_lacks): the printed output is not kept in goldens, so this
	// is how a case says what may never be shown, such as a no_log
	// secret.
	lacks []string
}

func loadCase(dir string) (*testCase, error) {
	c := &testCase{dir: dir}
	for _, f := range []string{"site.yml", "inventory"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("case %s: %w", dir, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "args")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimRight(line, "\r")
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			c.args = append(c.args, line)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, "output_lacks")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimRight(line, "\r")
			if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#") {
				c.lacks = append(c.lacks, line)
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, "exit_code")); err == nil {
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("case %s: exit_code: %w", dir, err)
		}
		c.wantExit = n
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return c, nil
}

// buildFjord builds ./cmd/fjord once into a temporary directory.
func buildFjord(t *testing.T) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "fjord")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/fjord")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/fjord: %v\n%s", err, out)
	}
	return bin
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	// Fall back to the layout of the repository: tests/differential → root.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("cannot find the module root: %w", err)
	}
	return root, nil
}

type result struct {
	side     string
	root     string // temporary directory holding work/ and out/
	out      string
	output   string
	exitCode int
	recap    map[string]recapLine
	elapsed  time.Duration
	cpu      time.Duration    // user+system time of the process and the children it reaped
	tree     map[string]entry // set when the result came from a golden
	source   string           // the golden it came from; "" for a live run
}

// runSide copies the case into a fresh directory and runs argv there with the
// case's inventory, playbook and args.
func runSide(t *testing.T, c *testCase, side string, argv []string) *result {
	t.Helper()
	root, err := os.MkdirTemp("", "fjord-diff-"+side+"-")
	if err != nil {
		t.Fatal(err)
	}
	if *keepFlag {
		t.Logf("%s run kept in %s", side, root)
	} else {
		t.Cleanup(func() { os.RemoveAll(root) })
	}
	// Resolve symlinks so that the paths the tools see match the ones we scrub.
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	work := filepath.Join(root, "work")
	out := filepath.Join(root, "out")
	home := filepath.Join(root, "home")
	// out exists before the run, so playbooks need no setup task (whose
	// changed= count would race between hosts) before writing into it.
	for _, d := range []string{home, out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyTree(c.dir, work); err != nil {
		t.Fatal(err)
	}

	args := append([]string{}, argv[1:]...)
	args = append(args, "-i", "inventory", "site.yml", "-e", "out="+out)
	args = append(args, c.args...)

	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], args...)
	cmd.Dir = work
	cmd.Env = runEnv(home)
	ownProcessGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	start := time.Now()
	err = cmd.Run()
	r := &result{side: side, root: root, out: out, elapsed: time.Since(start)}
	r.output = buf.String()
	if cmd.ProcessState != nil {
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.exitCode = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", side, err)
	}
	if ctx.Err() != nil {
		t.Errorf("%s: timed out after %s", side, runTimeout())
	}
	r.recap = parseRecap(r.output)
	return r
}

// runEnv is the inherited environment without any ANSIBLE_* setting of the
// caller (a stray ANSIBLE_CONFIG would change both sides' behaviour), plus a
// fixed set that keeps ansible's output plain and its state out of $HOME.
func runEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ANSIBLE_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_HOST_KEY_CHECKING=False",
		"ANSIBLE_LOCALHOST_WARNING=False",
		"ANSIBLE_INVENTORY_UNPARSED_WARNING=False",
		"ANSIBLE_PYTHON_INTERPRETER="+pythonInterpreter(),
	)
}

// pythonInterpreter names the interpreter ansible runs its modules with. A
// fixed path spares ansible its interpreter discovery, one more remote run per
// host and case; fjord runs no Python and ignores it.
func pythonInterpreter() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "auto_silent"
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if filepath.Dir(p) == filepath.Clean(src) && isGoldenFile(d.Name()) {
			return nil // ansible's recorded side is no input to either run
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, info.Mode().Perm())
		}
	})
}

// recapLine holds one host's counters from the PLAY RECAP.
type recapLine struct {
	ok, changed, unreachable, failed, skipped, rescued, ignored int
}

func (r recapLine) String() string {
	return fmt.Sprintf("ok=%d changed=%d unreachable=%d failed=%d skipped=%d rescued=%d ignored=%d",
		r.ok, r.changed, r.unreachable, r.failed, r.skipped, r.rescued, r.ignored)
}

var recapRE = regexp.MustCompile(`(?m)^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)`)

// parseRecap reads the host lines after the last "PLAY RECAP"; nil if there is none.
func parseRecap(output string) map[string]recapLine {
	i := strings.LastIndex(output, "PLAY RECAP")
	if i < 0 {
		return nil
	}
	m := map[string]recapLine{}
	for _, s := range recapRE.FindAllStringSubmatch(output[i:], -1) {
		n := make([]int, 7)
		for j := range n {
			n[j], _ = strconv.Atoi(s[j+2])
		}
		m[s[1]] = recapLine{n[0], n[1], n[2], n[3], n[4], n[5], n[6]}
	}
	return m
}

// entry describes one path of an out tree.
type entry struct {
	kind    string // "file", "dir", "symlink", "other"
	perm    fs.FileMode
	content string // file content, or symlink target
}

func (e entry) String() string {
	switch e.kind {
	case "symlink":
		return "symlink -> " + e.content
	case "dir":
		return fmt.Sprintf("dir %04o", e.perm)
	default:
		return fmt.Sprintf("%s %04o", e.kind, e.perm)
	}
}

// snapshot reads an out tree. Occurrences of the run's temporary directory in
// file contents and symlink targets are replaced with placeholders, so that a
// path written relative to out compares equal across the two runs.
func snapshot(r *result) (map[string]entry, error) {
	if r.tree != nil {
		return r.tree, nil
	}
	tree := map[string]entry{}
	if _, err := os.Lstat(r.out); errors.Is(err, fs.ErrNotExist) {
		return tree, nil
	}
	scrub := strings.NewReplacer(r.out, "<OUT>", r.root, "<ROOT>")
	err := filepath.WalkDir(r.out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == r.out {
			return nil
		}
		rel, err := filepath.Rel(r.out, p)
		if err != nil {
			return err
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e := entry{perm: info.Mode().Perm()}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			e.kind = "symlink"
			e.perm = 0
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if filepath.IsAbs(target) {
				if rt, err := filepath.Rel(filepath.Dir(p), target); err == nil && strings.HasPrefix(target, r.root) {
					target = rt
				}
			}
			e.content = scrub.Replace(target)
		case info.IsDir():
			e.kind = "dir"
		case info.Mode().IsRegular():
			e.kind = "file"
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.content = scrub.Replace(string(b))
		default:
			e.kind = "other"
		}
		tree[filepath.ToSlash(rel)] = e
		return nil
	})
	return tree, err
}

func compare(t *testing.T, a, f *result) {
	t.Helper()
	var problems []string

	if a.exitCode != f.exitCode {
		problems = append(problems, fmt.Sprintf("exit code: ansible-playbook %d, fjord %d", a.exitCode, f.exitCode))
	}

	problems = append(problems, compareRecap(a.recap, f.recap)...)

	at, err := snapshot(a)
	if err != nil {
		t.Fatalf("reading ansible's out tree: %v", err)
	}
	ft, err := snapshot(f)
	if err != nil {
		t.Fatalf("reading fjord's out tree: %v", err)
	}
	problems = append(problems, compareTrees(at, ft)...)

	if len(problems) > 0 {
		aOut := trimOutput(a.output)
		if a.source != "" {
			aOut = fmt.Sprintf("(recorded in %s; `go test -v -ansible-only -case %s` prints a live run's output)\n",
				a.source, filepath.Base(filepath.Dir(a.source)))
		}
		t.Errorf("fjord differs from ansible-playbook:\n  %s\n\n--- ansible-playbook output (exit %d) ---\n%s\n--- fjord output (exit %d) ---\n%s",
			strings.Join(problems, "\n  "), a.exitCode, aOut, f.exitCode, trimOutput(f.output))
	}
}

func compareRecap(a, f map[string]recapLine) []string {
	switch {
	case a == nil && f == nil:
		// A run stopped before any play (a load error, bad options).
		return nil
	case a == nil:
		return []string{"recap: fjord printed a PLAY RECAP, ansible-playbook stopped before any play"}
	case f == nil:
		return []string{"recap: fjord printed no PLAY RECAP"}
	}
	var problems []string
	hosts := map[string]bool{}
	for h := range a {
		hosts[h] = true
	}
	for h := range f {
		hosts[h] = true
	}
	names := make([]string, 0, len(hosts))
	for h := range hosts {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		ar, aok := a[h]
		fr, fok := f[h]
		switch {
		case !aok:
			problems = append(problems, fmt.Sprintf("recap %s: only fjord lists it (%s)", h, fr))
		case !fok:
			problems = append(problems, fmt.Sprintf("recap %s: fjord does not list it (ansible: %s)", h, ar))
		case ar != fr:
			problems = append(problems, fmt.Sprintf("recap %s:\n      ansible-playbook %s\n      fjord            %s", h, ar, fr))
		}
	}
	return problems
}

func compareTrees(a, f map[string]entry) []string {
	paths := map[string]bool{}
	for p := range a {
		paths[p] = true
	}
	for p := range f {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	var problems []string
	for _, p := range sorted {
		ae, aok := a[p]
		fe, fok := f[p]
		switch {
		case !aok:
			problems = append(problems, fmt.Sprintf("out/%s: only fjord wrote it (%s)", p, fe))
		case !fok:
			problems = append(problems, fmt.Sprintf("out/%s: fjord did not write it (ansible: %s)", p, ae))
		case ae.kind != fe.kind:
			problems = append(problems, fmt.Sprintf("out/%s: ansible made a %s, fjord a %s", p, ae, fe))
		case ae.kind == "symlink" && ae.content != fe.content:
			problems = append(problems, fmt.Sprintf("out/%s: link target ansible %q, fjord %q", p, ae.content, fe.content))
		case ae.perm != fe.perm:
			problems = append(problems, fmt.Sprintf("out/%s: mode ansible %04o, fjord %04o", p, ae.perm, fe.perm))
		case ae.kind == "file" && ae.content != fe.content:
			problems = append(problems, fmt.Sprintf("out/%s: content differs (- ansible, + fjord):\n%s", p, lineDiff(ae.content, fe.content)))
		}
	}
	return problems
}

// lineDiff renders a small line diff of a and b by longest common subsequence;
// long inputs are shown whole instead.
func lineDiff(a, b string) string {
	al := strings.SplitAfter(a, "\n")
	bl := strings.SplitAfter(b, "\n")
	if len(al)*len(bl) > 250000 {
		return fmt.Sprintf("      ansible: %q\n      fjord:   %q", clip(a, 2000), clip(b, 2000))
	}
	// lcs[i][j] is the length of the LCS of al[i:] and bl[j:].
	lcs := make([][]int, len(al)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(bl)+1)
	}
	for i := len(al) - 1; i >= 0; i-- {
		for j := len(bl) - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	line := func(prefix, s string) {
		fmt.Fprintf(&sb, "      %s %q\n", prefix, s)
	}
	i, j := 0, 0
	for i < len(al) || j < len(bl) {
		switch {
		case i < len(al) && j < len(bl) && al[i] == bl[j]:
			line(" ", al[i])
			i++
			j++
		case j < len(bl) && (i == len(al) || lcs[i][j+1] >= lcs[i+1][j]):
			line("+", bl[j])
			j++
		default:
			line("-", al[i])
			i++
		}
	}
	return strings.TrimRight(sb.String(), "\n")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// trimOutput keeps the end of a run's output, where failures and the recap are.
func trimOutput(s string) string {
	const keep = 6000
	if len(s) <= keep {
		return s
	}
	return "[… " + strconv.Itoa(len(s)-keep) + " bytes cut …]\n" + s[len(s)-keep:]
}
