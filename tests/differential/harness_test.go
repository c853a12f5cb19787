package differential

import (
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
