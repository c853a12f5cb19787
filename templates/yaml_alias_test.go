package templates

import (
	"strings"
	"testing"
)

// from_yaml and from_yaml_all read text through value.Decoder: an alias
// bomb or a recursive alias is an error with its line:col, not a crash.
func TestFromYAMLAliases(t *testing.T) {
	laughs := "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for i := 1; i <= 8; i++ {
		p, c := string(rune('a'+i-1)), string(rune('a'+i))
		laughs += c + ": &" + c + " [" + strings.TrimSuffix(strings.Repeat("*"+p+", ", 9), ", ") + "]\n"
	}
	e := New()
	for _, c := range []struct{ src, want string }{
		{"{{ bomb | from_yaml }}", "from_yaml: 4:20: excessive aliasing"},
		{"{{ bomb | from_yaml_all }}", "4:20: excessive aliasing"},
		{"{{ 'a: &a [*a]' | from_yaml }}", "from_yaml: 1:8: recursive alias"},
		{"{{ 'a: [1\nb: 2' | from_yaml }}", "from_yaml: 2:2: did not find expected ',' or ']'"},
	} {
		_, err := e.Render(c.src, MapVars{"bomb": laughs})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.src, err, c.want)
		}
	}
	got, err := e.Render("{{ ('x: &x [1, 2]\ny: *x' | from_yaml).y | sum }}", MapVars{})
	if err != nil || got != "3" {
		t.Errorf("aliases that expand a little: got %v, %v; want 3", got, err)
	}
}
