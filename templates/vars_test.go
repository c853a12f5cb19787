package templates

import (
	"errors"
	"testing"
)

// failingVars defines "bad", whose value does not resolve.
type failingVars struct{ err error }

func (f failingVars) Lookup(name string) (any, bool, error) {
	switch name {
	case "bad":
		return nil, false, f.err
	case "good":
		return "g", true, nil
	}
	return nil, false, nil
}

// A variable that does not resolve reads as undefined (default and
// "is defined" see a lazy undefined), and a render that fails fails with
// the variable's error, whichever way the render reached it.
func TestVarErrorIsTheRendersError(t *testing.T) {
	e := New()
	cause := errors.New("recursive loop detected in template string: bad")
	vars := failingVars{cause}
	for _, src := range []string{"{{ bad }}", "x {{ bad }}", "{{ bad.x }}", "{{ [bad] | first | upper }}", "{{ 1 if bad else 2 }} {{ bad.y }}"} {
		_, err := e.Render(src, vars)
		var ve *VarError
		if !errors.As(err, &ve) || ve.Name != "bad" || !errors.Is(err, cause) || err.Error() != cause.Error() {
			t.Errorf("%s: %v, want the VarError for bad", src, err)
		}
	}
	if _, err := e.RenderText("line\n{{ bad }}\n", vars, DefaultTextOptions()); !errors.Is(err, cause) {
		t.Errorf("RenderText: %v", err)
	}
	if _, err := e.Cond("bad == 1", vars); !errors.Is(err, cause) {
		t.Errorf("Cond: %v", err)
	}
	for src, want := range map[string]any{
		"{{ bad | default('d') }}":       "d",
		"{{ bad is defined }}":           false,
		"{{ good }}":                     "g",
		"{{ (bad is defined) or good }}": "g",
	} {
		got, err := e.Render(src, vars)
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", src, got, err, want)
		}
	}
}
