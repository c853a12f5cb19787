package templates

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
)

// Errors in a named template read "name:LINE:COL: cause", the cause in the
// words Ansible uses (ansible-core 2.14 says "ZeroDivisionError: division by
// zero", "AnsibleUndefinedVariable: 'dict object' has no attribute 'bar'",
// "template error while templating string: ...": each cause below is the
// part of those scripts may match on).
func TestErrorPositions(t *testing.T) {
	vars := MapVars{"foo": value.NewMap(0), "n": 1}
	for _, c := range []struct {
		name, src string
		pos       string // "LINE:COL"
		cause     string
	}{
		{"division by zero", "line one\n{{ 1 / 0 }}\n", "2:6", "division by zero"},
		{"missing attribute", "a\nb\n  {{ foo.bar.baz }}\n", "3:3", "'dict object' has no attribute 'bar'"},
		{"undefined variable", "x\n\n{{ nope }}\n", "3:1", "'nope' is undefined"},
		{"undefined through a filter", "a\n{{ nope | upper }}", "2:4", "'nope' is undefined"},
		{"in a loop body", "x\n{% for i in [1] %}\n{{ i.x.y }}{% endfor %}", "3:1", "'int object' has no attribute 'x'"},
		{"in an if test", "{% if n %}\n  {% if n.x.y %}{% endif %}{% endif %}", "2:3", "'int object' has no attribute 'x'"},
		{"in a macro body", "{% macro m() %}\n{{ 1/0 }}{% endmacro %}\n{{ m() }}", "2:5", "division by zero"},
		{"in a for statement", "\n{% for a, b in [1] %}{% endfor %}", "2:1", "'int' object is not iterable"},
		{"parse: bad if", "x\n{% if %}\n", "2:1", `template error while templating string: Unable to parse controlStructure "if"`},
		{"parse: unclosed output", "x\n{{ a }\n", "2:7", "template error while templating string: '}}' expected here"},
		{"parse: dangling operator", "ab\n  {{ 1 + }}", "2:10", "template error while templating string: expected either a number"},
		{"parse: for without variable", "\n\n{% for %}{% endfor %}", "3:1", "expected a loop variable in 'for'"},
		{"parse: in a block body", "x\n{% if x %}\n{{ x. }}\n{% endif %}", "3:7", "expected name or integer"},
		{"parse: stray endif", "{{ 1 }}\n{% endif %}", "2:4", "ControlStructure 'endif' not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := DefaultTextOptions()
			o.Name = "site.j2"
			_, err := New().RenderText(c.src, vars, o)
			if err == nil {
				t.Fatal("no error")
			}
			want := "site.j2:" + c.pos + ": "
			if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), c.cause) {
				t.Errorf("error %q\nwant it to start %q and hold %q", err, want, c.cause)
			}
			var te *Error
			if !errors.As(err, &te) || te.Name != "site.j2" {
				t.Errorf("error %v is not an *Error naming site.j2", err)
			}
			// Inline, the same error is the cause alone: the caller names
			// where the string came from.
			_, err = New().Render(c.src, vars)
			if err == nil || strings.HasPrefix(err.Error(), "site.j2") || !strings.Contains(err.Error(), c.cause) {
				t.Errorf("inline: error %v, want %q alone", err, c.cause)
			}
		})
	}
}

// A compiled template is cached by source: rendering it under two names
// must name each, the cached error untouched.
func TestErrorNamesDoNotLeak(t *testing.T) {
	e := New()
	for _, name := range []string{"a.j2", "b.j2", "a.j2"} {
		for _, src := range []string{"{{ 1/0 }}", "{% if %}"} {
			_, err := e.RenderText(src, nil, TextOptions{Name: name})
			if err == nil || !strings.HasPrefix(err.Error(), name+":1:") {
				t.Errorf("%s as %s: error %v", src, name, err)
			}
		}
	}
}

// An error in an included template names that file; through the template
// lookup, an undefined variable is passed on as it is (ansible's
// AnsibleUndefinedVariable) and other errors are the lookup's own message.
func TestErrorInIncludedTemplate(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"part.j2": "ok\n{{ nope }}\n", "bad.j2": "\n{% if %}"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := searchVars{MapVars{}, []string{dir}}
	for _, c := range []struct{ src, want string }{
		{"top\n{% include 'part.j2' %}", filepath.Join(dir, "part.j2") + ":2:1: 'nope' is undefined"},
		{"top\n{% include 'bad.j2' %}", filepath.Join(dir, "bad.j2") + ":2:1: template error"},
		{"top\n{{ lookup('template', 'part.j2') }}", "top.j2:2:4: " + filepath.Join(dir, "part.j2") + ":2:1: 'nope' is undefined"},
		{"top\n{{ lookup('template', 'bad.j2') }}", "top.j2:2:4: An unhandled exception occurred while running the lookup plugin 'template'. " +
			"Error was a <class 'ansible.errors.AnsibleError'>, original message: " + filepath.Join(dir, "bad.j2") + ":2:1: template error"},
	} {
		_, err := New().RenderText(c.src, vars, TextOptions{Name: "top.j2"})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to start %q", c.src, err, c.want)
		}
	}
}

func TestCheckCond(t *testing.T) {
	e := New()
	for _, c := range []struct {
		cond any
		bad  string // "" when it parses
	}{
		{"x == 1", ""},
		{"x ==", `Unable to parse controlStructure "if"`},
		{"{{ a }", "'}}' expected here"},
		{"{{ a }} == 1", ""},
		{"a.b(", `Unable to parse controlStructure "if"`},
		{"nope is defined and nope.x", ""},
		{"1/0", ""}, // a run-time error, not a syntax error
		{true, ""},
		{3, ""},
		{nil, ""},
		{"  ", ""},
	} {
		err := e.CheckCond(c.cond)
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%v: %v", c.cond, err)
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("%v: error %v, want %q", c.cond, err, c.bad)
		}
		// What CheckCond rejects, Cond rejects with the same error.
		if s, ok := c.cond.(string); ok && c.bad != "" {
			if _, cerr := e.Cond(s, MapVars{}); cerr == nil || cerr.Error() != err.Error() {
				t.Errorf("%v: Cond error %v, CheckCond %v", c.cond, cerr, err)
			}
		}
	}
}

// Parse and render errors, in a named template or an inline string, are
// *Error (text/template's ExecError shape) with the line and column of the
// node that failed; a syntax error is a *SyntaxError inside.
func TestErrorsArePositioned(t *testing.T) {
	vars := MapVars{"l": []any{}}
	for _, c := range []struct {
		src       string
		line, col int
		syntax    bool
	}{
		{"{{ nope }}", 1, 1, false},
		{"{{ l }}\n{{ nope }}", 2, 1, false},
		{"{{ nope.x }}", 1, 1, false},
		{"{{ 1 / 0 }}", 1, 6, false},
		{"a\n{{ 1 + }}", 2, 8, true},
		{"{% if %}", 1, 1, true},
	} {
		for _, name := range []string{"", "t.j2"} {
			var err error
			if name == "" {
				_, err = New().Render(c.src, vars)
			} else {
				_, err = New().RenderText(c.src, vars, TextOptions{Name: name})
			}
			var te *Error
			var se *SyntaxError
			switch {
			case !errors.As(err, &te):
				t.Errorf("%q as %q: %v is not an *Error", c.src, name, err)
			case te.Name != name || te.Line != c.line || te.Col != c.col:
				t.Errorf("%q as %q: at %s:%d:%d, want %s:%d:%d", c.src, name, te.Name, te.Line, te.Col, name, c.line, c.col)
			case errors.As(err, &se) != c.syntax:
				t.Errorf("%q as %q: syntax error %v, want %v", c.src, name, se != nil, c.syntax)
			}
		}
	}
}
