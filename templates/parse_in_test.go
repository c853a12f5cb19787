package templates

import "testing"

// The right operand of in is Jinja2's math1 expression; the results are
// ansible-playbook 2.14's.
func TestInOperand(t *testing.T) {
	vars := MapVars{"l": []any{1, 2}, "v": 321}
	e := New()
	for _, tc := range []struct{ src, want string }{
		{"{{ v in l|union([v]) }}", "True"},
		{"{{ v not in l|union([v]) }}", "False"},
		{"{{ 3 in [1] + [3] and 2 in l }}", "True"},
		{"{{ (1 in [1])|string }}", "'True'"},
		{"{{ 'a' in 'b' ~ 'a' }}", "True"},
		{"{{ 1 is in l }}", "True"},
		{"{{ 2 in l|map('int')|list if 1 in l else 'no' }}", "True"},
		{"{% for x in l|reverse if x is odd %}{{ x in l }}{% endfor %}", "True"},
		{"{{ l|select('in', [2, 3])|list }}", "[2]"},
	} {
		got, err := e.Render(tc.src, vars)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if r := pyRepr(got); r != tc.want {
			t.Errorf("%s: got %s, want %s", tc.src, r, tc.want)
		}
	}
}
