package templates

import (
	"testing"
)

func TestStringLiterals(t *testing.T) {
	e := New()
	for _, c := range []struct{ src, want string }{
		{`{{ 'x\d+y' }}`, `x\d+y`},
		{`{{ '\\' | length }}`, "1"},
		{`{{ 'a\\' ~ "b\\" }}`, `a\b\`},
		{`{{ "it's \"q\"" }}`, `it's "q"`},
		{`{{ 'a\tb' | length }}`, "3"},
		{`\\ {{ 'x' }} \\`, `\\ x \\`},
	} {
		got, err := e.RenderText(c.src, MapVars{}, TextOptions{})
		if err != nil || got != c.want {
			t.Errorf("%s = %q, %v; want %q", c.src, got, err, c.want)
		}
	}
}
