package templates

import (
	"testing"

	"github.com/fjord-run/fjord/value"
)

// TestUnsafeTaints: a render that reads a value from a host (Unsafe, in a
// list or map too) gives an Unsafe result, so that what it produced is
// never templated again, as ansible-core's AnsibleContext taints it.
func TestUnsafeTaints(t *testing.T) {
	e := New()
	vars := MapVars{
		"u":   value.Unsafe("{{ a }}"),
		"ul":  []any{value.Unsafe("{{ a }}"), value.Unsafe("b")},
		"res": value.MapOf("stdout", value.Unsafe("{% if 1 %}x{% endif %}"), "rc", 0),
		"s":   "plain",
		"a":   "A",
	}
	for _, c := range []struct {
		src    string
		want   string
		unsafe bool
	}{
		{"{{ u }}", "{{ a }}", true},
		{"{{ ul | join('|') }}", "{{ a }}|b", true},
		{"{{ res.stdout | upper }}", "{% IF 1 %}X{% ENDIF %}", true},
		{"pre {{ u }} post", "pre {{ a }} post", true},
		{"{{ ul[1] ~ s }}", "bplain", true},
		{"{{ s }} {{ a }}", "plain A", false},
		{"{{ res.rc }}", "0", true}, // res holds an unsafe string: ansible taints on reading res
	} {
		got, err := e.Render(c.src, vars)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		_, isUnsafe := got.(value.Unsafe)
		if value.String(got) != c.want || isUnsafe != c.unsafe {
			t.Errorf("%s = %#v, want %q (unsafe %v)", c.src, got, c.want, c.unsafe)
		}
	}
}
