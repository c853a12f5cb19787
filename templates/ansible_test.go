package templates

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/fjord-run/fjord/value"
)

// testVars carries the cases' variables and the search path for the file,
// template, fileglob and first_found lookups.
type testVars struct {
	Vars
	dir string
}

func (v testVars) SearchPaths(kind string) []string { return []string{v.dir} }

// TestAnsibleCases renders testdata/ansible_cases.txt and compares with what
// ansible-core 2.14's Templar produced for the same template and variables
// (testdata/ansible_cases.json, written by testdata/ansible_cases.py).
func TestAnsibleCases(t *testing.T) {
	data, err := os.ReadFile("testdata/ansible_vars.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := value.FromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Src   string `json:"src"`
		Repr  string `json:"repr"`
		Error bool   `json:"error"`
	}
	data, err = os.ReadFile("testdata/ansible_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", "/root")
	t.Setenv("FJORD_TEST_ENV", "fjord")
	dir, _ := filepath.Abs("testdata")
	vars := testVars{VarsOf(ctx.(*value.Map)), dir}
	e := New()
	for _, c := range cases {
		t.Run(c.Src, func(t *testing.T) {
			got, err := e.Render(c.Src, vars)
			if c.Error {
				if err == nil {
					t.Errorf("want error %s, got %s", c.Repr, pyRepr(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v; want %s", err, c.Repr)
			}
			if r := pyRepr(got); r != c.Repr {
				t.Errorf("\n got %s\nwant %s", r, c.Repr)
			}
		})
	}
}

func pyRepr(v any) string {
	r, err := repr(v)
	if err != nil {
		return "error: " + err.Error()
	}
	return r
}
