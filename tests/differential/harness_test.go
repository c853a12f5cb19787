package differential

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// These check the harness itself; they need neither ansible nor fjord.

func TestParseRecap(t *testing.T) {
	out := `PLAY [x] ***
TASK [y] ***
ok: [h1]

PLAY RECAP *********************************************************************
h1                         : ok=3    changed=1    unreachable=0    failed=0    skipped=2    rescued=0    ignored=0   
web-2.example              : ok=0    changed=0    unreachable=1    failed=4    skipped=0    rescued=5    ignored=6   
`
	got := parseRecap(out)
	want := map[string]recapLine{
		"h1":            {ok: 3, changed: 1, skipped: 2},
		"web-2.example": {unreachable: 1, failed: 4, rescued: 5, ignored: 6},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for h, w := range want {
		if got[h] != w {
			t.Errorf("%s: got %s, want %s", h, got[h], w)
		}
	}
	if parseRecap("ERROR! something\n") != nil {
		t.Error("a run without a recap must parse to nil")
	}
}

func TestCompareTrees(t *testing.T) {
	a := map[string]entry{
		"same":    {kind: "file", perm: 0o644, content: "x\n"},
		"mode":    {kind: "file", perm: 0o600, content: "x\n"},
		"content": {kind: "file", perm: 0o644, content: "a\nb\nc\n"},
		"link":    {kind: "symlink", content: "same"},
		"gone":    {kind: "dir", perm: 0o755},
	}
	f := map[string]entry{
		"same":    {kind: "file", perm: 0o644, content: "x\n"},
		"mode":    {kind: "file", perm: 0o644, content: "x\n"},
		"content": {kind: "file", perm: 0o644, content: "a\nB\nc\n"},
		"link":    {kind: "symlink", content: "other"},
		"extra":   {kind: "file", perm: 0o644},
	}
	got := strings.Join(compareTrees(a, f), "\n")
	for _, want := range []string{
		"out/mode: mode ansible 0600, fjord 0644",
		`- "b\n"`,
		`+ "B\n"`,
		`out/link: link target ansible "same", fjord "other"`,
		"out/gone: fjord did not write it",
		"out/extra: only fjord wrote it",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "out/same") {
		t.Errorf("identical entry reported:\n%s", got)
	}
}

func TestGoldenRoundTrip(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(out, "d"), 0o750); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"text":     "a <OUT>\nb\n",
		"nonl":     "no newline",
		"empty":    "",
		"d/binary": "\xff\xfe\x00x",
		"path":     "written to " + out + "/x\n",
	} {
		if err := os.WriteFile(filepath.Join(out, name), []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("text", filepath.Join(out, "link")); err != nil {
		t.Fatal(err)
	}
	r := &result{root: dir, out: out, exitCode: 2, recap: map[string]recapLine{"h1": {ok: 1, failed: 1, ignored: 3}}}
	want, err := snapshot(r)
	if err != nil {
		t.Fatal(err)
	}
	g, err := toGolden(r, "ansible-playbook [core 2.14.18]", "abc", "local")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, goldenName)
	if err := writeGolden(path, g); err != nil {
		t.Fatal(err)
	}
	g2, err := readGolden(path)
	if err != nil {
		t.Fatal(err)
	}
	back, err := g2.toResult(path)
	if err != nil {
		t.Fatal(err)
	}
	if p := compareTrees(want, back.tree); len(p) > 0 {
		t.Errorf("out tree changed through the golden:\n%s", strings.Join(p, "\n"))
	}
	if p := compareRecap(r.recap, back.recap); len(p) > 0 || back.exitCode != 2 {
		t.Errorf("recap or exit code changed through the golden: %v, exit %d", p, back.exitCode)
	}
	if !sameOutcome(g, g2) {
		t.Error("sameOutcome: a golden differs from itself read back")
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"written to <OUT>/x"`) {
		t.Errorf("golden does not keep <OUT> readable:\n%s", b)
	}
}

func TestInputHash(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("site.yml", "- hosts: all\n")
	h1, err := inputHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	write(goldenName, "{}")
	write(goldenSSHName, "{}")
	if h, _ := inputHash(dir); h != h1 {
		t.Error("a golden changed the hash of the inputs it records")
	}
	write("args", "--check\n")
	if h, _ := inputHash(dir); h == h1 {
		t.Error("a new file did not change the hash")
	}
	if _, _, problem := freshGolden(dir, h1, "local"); !strings.Contains(problem, "is stale") {
		t.Errorf("freshGolden on a golden of other inputs: %q", problem)
	}
	if _, _, problem := freshGolden(t.TempDir(), h1, "ssh"); !strings.Contains(problem, "has no golden") {
		t.Errorf("freshGolden without a golden: %q", problem)
	}
}
