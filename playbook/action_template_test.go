package playbook

import "testing"

func TestSplitActionString(t *testing.T) {
	for _, c := range []struct{ in, name, rest string }{
		{"debug msg=hi", "debug", "msg=hi"},
		{"{{ m }} msg='a b'", "{{ m }}", "msg='a b'"},
		{"{{ 'x' if y else 'z' }}", "{{ 'x' if y else 'z' }}", ""},
		{"pre{% if a %}b{% endif %} k=v", "pre{% if a %}b{% endif %}", "k=v"},
		{"ping", "ping", ""},
		{"{{ unclosed x=1", "{{ unclosed x=1", ""},
	} {
		name, rest := splitActionString(c.in)
		if name != c.name || rest != c.rest {
			t.Errorf("splitActionString(%q) = %q, %q; want %q, %q", c.in, name, rest, c.name, c.rest)
		}
	}
}
