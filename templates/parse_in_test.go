package templates

import (
	"strings"
	"testing"
)

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

// A filter or test may be named with ansible's collection, as Jinja2 reads
// a dotted name after | and is.
func TestDottedNames(t *testing.T) {
	e := New()
	vars := MapVars{"l": []any{1, 2}}
	for _, tc := range []struct{ src, want string }{
		{"{{ l|ansible.builtin.union([3]) }}", "[1, 2, 3]"},
		{"{{ l|ansible.legacy.to_json }}", "[1, 2]"}, // a list again, as in ansible: only the short name keeps text
		{"{{ 'x' is not ansible.builtin.exists }}", "True"},
		{"{{ nope is not defined }}", "True"},
		{"{{ l|ansible.builtin.union([3])|ansible.builtin.length }}", ""},
	} {
		got, err := e.Render(tc.src, vars)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), `Could not load "ansible.builtin.length"`) {
				t.Errorf("%s: got %v, %v; want Jinja2's builtin length not found under ansible.builtin", tc.src, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if r := pyRepr(got); r != tc.want {
			t.Errorf("%s: got %s, want %s", tc.src, r, tc.want)
		}
	}
}
