package differential

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/fjord-run/fjord/internal/testgate"
)

// ansible-playbook's side of each case is recorded once, in the case's
// directory, and the suite compares fjord against that record: running
// ansible live costs about a second per module task and host, which made
// the suite take minutes, twice over in CI. -record runs ansible again and
// rewrites the records.

var recordFlag = flag.Bool("record", false, "run ansible-playbook and rewrite the goldens of the selected cases (with FJORD_DIFF_SSH=1, the ssh variant's too)")

const (
	// goldenName holds ansible-playbook's side of a case over the local
	// connection; over ssh too, unless goldenSSHName says otherwise.
	goldenName = "ansible.golden.json"
	// goldenSSHName exists only for a case whose ansible side differs over
	// ssh from the local one.
	goldenSSHName = "ansible-ssh.golden.json"
	// goldenFormat is mixed into the input hash: bump it when the harness
	// changes what ansible sees (environment, command line), so that every
	// golden reads as stale.
	goldenFormat = "fjord differential golden 1"
)

func isGoldenFile(name string) bool { return name == goldenName || name == goldenSSHName }

// golden is ansible-playbook's side of a case as recorded on disk.
type golden struct {
	// Ansible is the first line of `ansible-playbook --version` that made it.
	Ansible string `json:"ansible"`
	// Inputs is the hash of the case's files (inputHash) when it was made.
	Inputs string `json:"inputs"`
	// Connection is "local" or "ssh".
	Connection string `json:"connection"`
	ExitCode   int    `json:"exit_code"`
	// Recap holds each host's PLAY RECAP line; null if the run printed none.
	Recap map[string]string `json:"recap"`
	// Out is the out tree by slash-separated relative path.
	Out map[string]goldenEntry `json:"out"`
}

type goldenEntry struct {
	Type string `json:"type"`           // file, dir, symlink, other
	Mode string `json:"mode,omitempty"` // permission bits in octal; none for a symlink
	// Lines is a text file's content split at "\n" (a final newline gives a
	// last empty line), so that a re-recorded golden diffs line by line.
	Lines []string `json:"lines,omitempty"`
	// Base64 is the content of a file that is not UTF-8.
	Base64 string `json:"base64,omitempty"`
	Target string `json:"target,omitempty"` // a symlink's target
}

// inputHash hashes every file of the case but its goldens: path, whether it
// is executable (the one mode bit git keeps), and content or link target.
func inputHash(dir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", goldenFormat)
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !(filepath.Dir(p) == filepath.Clean(dir) && isGoldenFile(d.Name())) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	for _, p := range paths {
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return "", err
		}
		info, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		var kind string
		var data []byte
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			kind = "symlink"
			target, err := os.Readlink(p)
			if err != nil {
				return "", err
			}
			data = []byte(target)
		case info.Mode()&0o111 != 0:
			kind = "exec"
		default:
			kind = "file"
		}
		if kind != "symlink" {
			if data, err = os.ReadFile(p); err != nil {
				return "", err
			}
		}
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", filepath.ToSlash(rel), kind, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var ansibleVersion = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("ansible-playbook", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("ansible-playbook --version: %w", err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line), nil
})

// readGolden reads a golden; nil, nil if there is none.
func readGolden(path string) (*golden, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var g golden
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &g, nil
}

func writeGolden(path string, g *golden) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <OUT> readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(g); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// toGolden records a live ansible run.
func toGolden(r *result, version, inputs, connection string) (*golden, error) {
	tree, err := snapshot(r)
	if err != nil {
		return nil, err
	}
	g := &golden{Ansible: version, Inputs: inputs, Connection: connection, ExitCode: r.exitCode,
		Out: map[string]goldenEntry{}}
	if r.recap != nil {
		g.Recap = map[string]string{}
		for h, l := range r.recap {
			g.Recap[h] = l.String()
		}
	}
	for p, e := range tree {
		ge := goldenEntry{Type: e.kind}
		if e.kind != "symlink" {
			ge.Mode = fmt.Sprintf("%04o", e.perm)
		}
		switch {
		case e.kind == "symlink":
			ge.Target = e.content
		case e.kind != "file":
		case utf8.ValidString(e.content):
			ge.Lines = strings.Split(e.content, "\n")
		default:
			ge.Base64 = base64.StdEncoding.EncodeToString([]byte(e.content))
		}
		g.Out[p] = ge
	}
	return g, nil
}

// toResult turns a golden back into the result of a run.
func (g *golden) toResult(source string) (*result, error) {
	r := &result{side: "ansible", source: source, exitCode: g.ExitCode, tree: map[string]entry{}}
	if g.Recap != nil {
		r.recap = map[string]recapLine{}
		for h, s := range g.Recap {
			var l recapLine
			if _, err := fmt.Sscanf(s, "ok=%d changed=%d unreachable=%d failed=%d skipped=%d rescued=%d ignored=%d",
				&l.ok, &l.changed, &l.unreachable, &l.failed, &l.skipped, &l.rescued, &l.ignored); err != nil {
				return nil, fmt.Errorf("%s: recap of %s: %q: %w", source, h, s, err)
			}
			r.recap[h] = l
		}
	}
	for p, ge := range g.Out {
		e := entry{kind: ge.Type}
		if ge.Mode != "" {
			var m uint32
			if _, err := fmt.Sscanf(ge.Mode, "%o", &m); err != nil {
				return nil, fmt.Errorf("%s: mode of %s: %q: %w", source, p, ge.Mode, err)
			}
			e.perm = fs.FileMode(m)
		}
		switch {
		case ge.Type == "symlink":
			e.content = ge.Target
		case ge.Base64 != "":
			b, err := base64.StdEncoding.DecodeString(ge.Base64)
			if err != nil {
				return nil, fmt.Errorf("%s: content of %s: %w", source, p, err)
			}
			e.content = string(b)
		default:
			e.content = strings.Join(ge.Lines, "\n")
		}
		r.tree[p] = e
	}
	return r, nil
}

// ansibleSide returns ansible-playbook's side of a case over connection
// ("local" or "ssh", whose arguments are already in c.args): from its golden, or
// from a live run when recording, when asked for (-ansible-only) or when
// the golden is missing or stale and FJORD_TEST_REQUIRE=1 does not forbid it.
func ansibleSide(t *testing.T, c *testCase, connection string) *result {
	t.Helper()
	name := filepath.Base(c.dir)
	inputs, err := inputHash(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	record := *recordFlag
	live := record || ansibleOnly()
	if !live {
		g, source, problem := freshGolden(c.dir, inputs, connection)
		if problem == "" {
			r, err := g.toResult(source)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		hint := fmt.Sprintf("go test ./tests/differential/ -record -case %s", name)
		if connection == "ssh" {
			hint = "FJORD_DIFF_SSH=1 " + hint
		}
		if testgate.Required() {
			t.Fatalf("%s; record ansible-playbook's side with `%s`", problem, hint)
		}
		t.Logf("%s; running ansible-playbook live (`%s` records it)", problem, hint)
	}
	ansible := testgate.Tool(t, "ansible-playbook", "install ansible-core to run or record ansible's side")
	r := runSide(t, c, "ansible", []string{ansible})
	if r.exitCode != c.wantExit {
		t.Errorf("case is broken (%s): ansible-playbook exited %d, the case expects %d (file exit_code)\n%s",
			connection, r.exitCode, c.wantExit, trimOutput(r.output))
		return r
	}
	if record {
		if err := recordGolden(c.dir, r, inputs, connection); err != nil {
			t.Fatalf("recording: %v", err)
		}
	}
	return r
}

// freshGolden finds the golden for a connection: over ssh, the ssh golden if
// there is one, else the local one. problem says why there is none usable.
func freshGolden(dir, inputs, connection string) (g *golden, source, problem string) {
	names := []string{goldenName}
	if connection == "ssh" {
		names = []string{goldenSSHName, goldenName}
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		g, err := readGolden(p)
		if err != nil {
			return nil, "", err.Error()
		}
		if g == nil {
			continue
		}
		if g.Inputs != inputs {
			return nil, "", fmt.Sprintf("%s is stale: the case's files changed since %s recorded it", p, g.Ansible)
		}
		return g, p, ""
	}
	return nil, "", fmt.Sprintf("%s has no golden (%s)", dir, names[0])
}

var recordMu sync.Mutex

// recordGolden writes a live run's golden. Over ssh it writes one only
// where ansible's side differs from the local golden, and removes a
// redundant one.
func recordGolden(dir string, r *result, inputs, connection string) error {
	version, err := ansibleVersion()
	if err != nil {
		return err
	}
	g, err := toGolden(r, version, inputs, connection)
	if err != nil {
		return err
	}
	recordMu.Lock()
	defer recordMu.Unlock()
	if connection == "local" {
		return writeGolden(filepath.Join(dir, goldenName), g)
	}
	sshPath := filepath.Join(dir, goldenSSHName)
	local, err := readGolden(filepath.Join(dir, goldenName))
	if err != nil {
		return err
	}
	if local != nil && local.Inputs == inputs && sameOutcome(local, g) {
		if err := os.Remove(sshPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return writeGolden(sshPath, g)
}

// sameOutcome compares what the suite compares: exit code, recap, out tree.
func sameOutcome(a, b *golden) bool {
	ja, _ := json.Marshal([]any{a.ExitCode, a.Recap, a.Out})
	jb, _ := json.Marshal([]any{b.ExitCode, b.Recap, b.Out})
	return bytes.Equal(ja, jb)
}

// referenceCore is the ansible-core release the goldens must come from:
// the project's reference (ansible-core 2.14).
const referenceCore = "[core 2.14."

// Every golden was recorded by one ansible-playbook, of the reference
// release: a case re-recorded with another version would compare fjord
// against a different Ansible than its neighbours. Where ansible-playbook
// is installed and is another version, the log says so (recording with it
// would move the goldens).
func TestGoldensOneAnsible(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("cases", "*", "*.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no goldens under cases/")
	}
	versions := map[string][]string{}
	for _, p := range paths {
		g, err := readGolden(p)
		if err != nil {
			t.Fatal(err)
		}
		versions[g.Ansible] = append(versions[g.Ansible], p)
	}
	for v, ps := range versions {
		if !strings.Contains(v, referenceCore) {
			t.Errorf("%d goldens were recorded by %q, not ansible-core 2.14: %v", len(ps), v, ps)
		}
	}
	if len(versions) > 1 {
		t.Errorf("the goldens come from %d ansible-playbook versions: %v", len(versions), keysOf(versions))
	}
	if live, err := ansibleVersion(); err == nil {
		if _, same := versions[live]; !same {
			t.Logf("the installed %q is not the goldens' %v: -record would re-record with it", live, keysOf(versions))
		}
	}
}

func keysOf(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
