package value

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
		if got := PyUnescape(c.in, false); got != c.want {
			t.Errorf("PyUnescape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPyUnescapeBytes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`\x41\101\n`, "AA\n"},
		{`\xff`, "\xff"},
		{`\u00e9`, `\u00e9`},
		{`\q`, `\q`},
	} {
		if got := PyUnescape(c.in, true); got != c.want {
			t.Errorf("PyUnescape(%q, true) = %q, want %q", c.in, got, c.want)
		}
	}
}
