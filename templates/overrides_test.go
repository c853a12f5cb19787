package templates

import (
	"strings"
	"testing"
)

func TestJinjaOverrides(t *testing.T) {
	e := New()
	vars := MapVars{"a": "value"}
	for _, c := range []struct{ src, want, err string }{
		{"#jinja2:variable_start_string:'<<' , variable_end_string:'>>'\n<< a >> {{ a }}", "value {{ a }}", ""},
		{"#jinja2: trim_blocks: False\n{% if 1 %}\nx{% endif %}", "\nx", ""},
		{"#jinja2: line_statement_prefix:\":\"\n: if true\nfoo\n: endif\n", "foo\n", ""},
		{"#jinja2: lstrip_blocks=True\nfoo\n", "", "failed to parse jinja2 override 'lstrip_blocks=True'"},
		{"#jinja2: block_start_string: 1\nfoo\n", "", "must be a non-empty string"},
	} {
		got, err := e.RenderText(c.src, vars, DefaultTextOptions())
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.src, err, c.err)
			}
		case err != nil || got != c.want:
			t.Errorf("%q = %q, %v; want %q", c.src, got, err, c.want)
		}
	}
}

func TestPluginNotFound(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"nosuch", `Could not load "nosuch": 'nosuch'`},
		{"asdf ", `Could not load "asdf ": 'invalid plugin name: ansible.builtin.asdf '`},
		{"a.b", `Could not load "a.b": 'invalid plugin name: a.b'`},
		{"ns.col.f", `Could not load "ns.col.f": 'ns.col.f'`},
	} {
		if got := pluginNotFound(c.name); got != c.want {
			t.Errorf("pluginNotFound(%q) = %s, want %s", c.name, got, c.want)
		}
	}
}
