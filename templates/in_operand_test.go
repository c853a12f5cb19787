package templates

import (
	"testing"

	"github.com/fjord-run/fjord/value"
)

// `in` takes an arithmetic right operand, as in Jinja.
func TestInOperandMath1(t *testing.T) {
	e := New()
	vars := MapVars{"a": "x", "b": "Exception: boom", "l": []any{1, 2}, "d": value.MapOf("k", 1)}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"'boom' in a + b", true},
		{"'Exception: boom' in a + b and 1 in l", true},
		{"3 not in l + [4]", true},
		{"4 not in l + [4]", false},
		{"'k' in d", true},
		{"'X' in a | upper", true},
		{"[1 in l, 5 in l + [5]] == [true, true]", true},
		{"(2 in l + [3]) == true", true},
	} {
		got, err := e.Cond(tc.expr, vars)
		if err != nil || got != tc.want {
			t.Errorf("%q: got %v, %v; want %v", tc.expr, got, err, tc.want)
		}
	}
	out, err := e.Render("{% for x in l if x in l + [] %}{{ x }}{% endfor %}", vars)
	if err != nil || out != "12" {
		t.Errorf("for with in: got %v, %v", out, err)
	}
}
