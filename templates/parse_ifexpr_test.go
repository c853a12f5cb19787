package templates

import "testing"

func TestInlineIf(t *testing.T) {
	vars := MapVars{"x": true, "l": []any{1, 2}}
	for _, c := range []struct{ src, want string }{
		{"{{ ('a' if x else 'b') }}", "a"},
		{"{{ ('a' if not x else 'b') | upper }}", "B"},
		{"{{ [1 if x else 2, 3] }}", "[1, 3]"},
		{"{{ (1 in l if x else False) }}", "True"},
		{"{{ ('p' if false) is undefined }}", "True"},
		{"{{ ('a' if false else 'b' if x else 'c') }}", "b"},
		{"{{ (nope if false else 'lazy') }}", "lazy"},
		{"{{ (1 / 0 if false else 2) }}", "2"},
		{"{{ l | join(',' if x else ';') }}", "1,2"},
		{"{% if (x if l else false) %}yes{% endif %}", "yes"},
	} {
		got, err := New().RenderText(c.src, vars, TextOptions{})
		if err != nil || got != c.want {
			t.Errorf("%s = %q, %v; want %q", c.src, got, err, c.want)
		}
	}
}
