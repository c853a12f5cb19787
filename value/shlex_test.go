package value

import (
	"reflect"
	"testing"
)

// TestShlexSplit: the expectations are python3's shlex.split(s, comments=c).
func TestShlexSplit(t *testing.T) {
	for _, c := range []struct {
		s        string
		comments bool
		want     []string
		err      string
	}{
		{"", false, nil, ""},
		{"a b  c", false, []string{"a", "b", "c"}, ""},
		{"a\tb\nc\r", false, []string{"a", "b", "c"}, ""},
		{"'a b' \"c d\"", false, []string{"a b", "c d"}, ""},
		{"a\"b c\"d", false, []string{"ab cd"}, ""},
		{"''", false, []string{""}, ""},
		{"\"\"", false, []string{""}, ""},
		{"a ''", false, []string{"a", ""}, ""},
		{"x=\"a\\\"b\"", false, []string{"x=a\"b"}, ""},
		{"\"a\\$b\\`c\\\\d\\ne\"", false, []string{"a\\$b\\`c\\d\\ne"}, ""},
		{"a\\ b", false, []string{"a b"}, ""},
		{"'a\\b'", false, []string{"a\\b"}, ""},
		{"\\'", false, []string{"'"}, ""},
		{"echo 'it''s'", false, []string{"echo", "its"}, ""},
		{"a # b", false, []string{"a", "#", "b"}, ""},
		{"a#b", false, []string{"a#b"}, ""},
		{"a # b", true, []string{"a"}, ""},
		{"a#b c", true, []string{"a"}, ""},
		{"# x\nb c", true, []string{"b", "c"}, ""},
		{"'#' x", true, []string{"#", "x"}, ""},
		{"h ansible_host=1.2.3.4 x='a b' # c", true, []string{"h", "ansible_host=1.2.3.4", "x=a b"}, ""},
		{"'abc", false, nil, "No closing quotation"},
		{"\"abc", false, nil, "No closing quotation"},
		{"abc\\", false, nil, "No escaped character"},
		{"\"a\\", false, nil, "No escaped character"},
		{"\u00e9 '\u00fc'", false, []string{"é", "ü"}, ""},
	} {
		got, err := ShlexSplit(c.s, c.comments)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("ShlexSplit(%q, %v) = %q, %v; want error %q", c.s, c.comments, got, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ShlexSplit(%q, %v) = %q, %v; want %q", c.s, c.comments, got, err, c.want)
		}
	}
}
