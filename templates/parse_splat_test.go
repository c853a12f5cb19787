package templates

import "testing"

func TestCallSplat(t *testing.T) {
	vars := MapVars{"l": []any{"a", "b"}, "kw": map[string]any{"wantlist": true}}
	for _, c := range []struct{ src, want string }{
		{"{{ lookup('list', *l) }}", "a,b"},
		{"{{ lookup('list', wantlist=True, *l) }}", "['a', 'b']"},
		{"{{ lookup('list', *l, **kw) }}", "['a', 'b']"},
		{"{{ lookup('list', *(l + ['c'])) }}", "a,b,c"},
		{"{{ 2 * 3 }} {{ 2 ** 3 }} {{ [2][0] * 2 }}", "6 8 4"},
		{"{{ range(*[1, 4]) | list }}", "[1, 2, 3]"},
		// a test's keyword arguments
		{"{{ 'Ab' is search('a', ignorecase=true) }} {{ 'Ab' is not match('a', ignorecase=(1 > 2)) }}", "True True"},
		{"{{ 'ab' is regex('b', match_type='match') }} {{ 'ab' is regex('b', false, false, 'search') }}", "False True"},
	} {
		got, err := New().RenderText(c.src, vars, TextOptions{})
		if err != nil || got != c.want {
			t.Errorf("%s = %q, %v; want %q", c.src, got, err, c.want)
		}
	}
}
