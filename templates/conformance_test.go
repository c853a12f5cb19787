package templates

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/fjord-run/fjord/value"
)

// conformanceDir is shared/ beside the clone, as in CI.
const conformanceDir = "../../shared/conformance/templates"

type conformanceCase struct {
	ID       string `json:"id"`
	Cat      string `json:"cat"`
	Src      string `json:"src"`
	Expected string `json:"expected"`
	Error    bool   `json:"error"`
}

func TestConformance(t *testing.T) {
	ctxData, err := os.ReadFile(filepath.Join(conformanceDir, "context.json"))
	if err != nil {
		if os.Getenv("FJORD_SKIP_CONFORMANCE") == "1" {
			t.Skipf("conformance corpus not found: %v", err)
		}
		t.Fatalf("conformance corpus not found (set FJORD_SKIP_CONFORMANCE=1 to skip): %v", err)
	}
	ctx, err := value.FromJSON(ctxData)
	if err != nil {
		t.Fatal(err)
	}
	expData, err := os.ReadFile(filepath.Join(conformanceDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	if err := json.Unmarshal(expData, &cases); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(conformanceDir, "snippets.yaml")); err != nil {
		t.Fatal(err)
	}
	// The corpus was generated with HOME=/root (lookup('env', 'HOME')).
	t.Setenv("HOME", "/root")
	vars := VarsOf(ctx.(*value.Map))
	e := New()
	pass := 0
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			got, err := e.RenderText(c.Src, vars, DefaultTextOptions())
			switch {
			case c.Error && err == nil:
				t.Errorf("%s: want an error (%s), got %q", c.Src, c.Expected, got)
			case c.Error:
				pass++
				t.Logf("error as expected: %v", err)
			case err != nil:
				t.Errorf("%s: %v", c.Src, err)
			case got != c.Expected:
				t.Errorf("%s:\n got %q\nwant %q", c.Src, got, c.Expected)
			default:
				pass++
			}
		})
	}
	t.Logf("conformance: %d/%d", pass, len(cases))
}
