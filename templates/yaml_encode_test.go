package templates

import (
	"testing"

	"github.com/fjord-run/fjord/value"
)

// What PyYAML 6 writes (yaml.dump with allow_unicode, block style) and
// the yaml callback's literal blocks, checked against python3 and
// ansible-playbook 2.14.
func TestYAMLEncodeQuoting(t *testing.T) {
	m := value.MapOf("a", "a\tb", "b", "\tx", "c", "0:00:00.1", "d", "1:20", "e", "a\nb\tc")
	got, err := yamlEncode(m, yamlOpts{indent: 2, width: 80})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a: \"a\\tb\"\nb: \"\\tx\"\nc: '0:00:00.1'\nd: '1:20'\ne: \"a\\nb\\tc\"\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got, err = CallbackYAML(value.MapOf("l", []any{"a\nb", " lead\nx", "trail\n", "t\tab\n\nend  "}, "k", value.MapOf("x", "x  \ny")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "k:\n  x: |-\n    x\n    y\nl:\n- |-\n  a\n  b\n- |2-\n   lead\n  x\n- |-\n  trail\n- |-\n  t       ab\n\n  end\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
