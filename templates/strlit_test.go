package templates

import "testing"

func TestPyUnescape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`plain`, "plain"},
		{`a\tb`, "a\tb"},
		{`x\d+y`, `x\d+y`},
		{`foo t\'e~m\plated`, `foo t'e~m\plated`},
		{`\\`, `\`},
		{`\x41\u00e9\101`, "Aé" + "A"},
		{`\x4`, `\x4`},
		{"line\\\ncont", "linecont"},
		{`\"q\"`, `"q"`},
	} {
		if got := pyUnescape(c.in); got != c.want {
			t.Errorf("pyUnescape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

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
