package modules

import (
	"testing"

	"github.com/fjord-run/fjord/value"
)

// TestCheck: what Check refuses at load, Decode refuses at run time with
// the same message.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		module string
		args   *value.Map
		want   string // "" for valid arguments
	}{
		{"lineinfile", value.MapOf("path", "/f", "regexp", "a(b", "line", "x"),
			"regexp: error parsing regexp: missing closing ): `a(b`"},
		{"lineinfile", value.MapOf("path", "/f", "insertafter", "[", "line", "x"),
			"insertafter/insertbefore: error parsing regexp: missing closing ]: `[`"},
		{"lineinfile", value.MapOf("path", "/f", "regexp", "^a", "line", "x"), ""},
		{"replace", value.MapOf("path", "/f", "regexp", "a(b"),
			"regexp \"a(b\": error parsing regexp: missing closing ): `(?m)a(b`"},
		{"replace", value.MapOf("path", "/f", "regexp", "a", "after", "+"),
			"regexp \"+\": error parsing regexp: missing argument to repetition operator: `+`"},
		{"copy", value.MapOf("content", "x"), "missing required arguments: dest"},
		{"file", value.MapOf("path", "/f", "state", "gone"),
			"value of state must be one of: absent, directory, file, hard, link, touch, got: gone"},
		{"sysctl", value.MapOf("name", "a.b"), "state is present but all of the following are missing: value"},
	} {
		t.Run(tc.module+" "+value.Repr(tc.args), func(t *testing.T) {
			info, ok := Lookup(tc.module)
			if !ok {
				t.Fatalf("no module %s", tc.module)
			}
			err := Check(info, tc.args)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Check = %q, want %q", got, tc.want)
			}
			_, err = Decode(info, tc.args)
			if (err == nil) != (tc.want == "") || err != nil && err.Error() != tc.want {
				t.Errorf("Decode = %v, want %q", err, tc.want)
			}
		})
	}
}
