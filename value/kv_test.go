package value

import (
	"reflect"
	"testing"
)

// TestParseKV: the expectations are ansible-core 2.14's parse_kv(s).
func TestParseKV(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want [][2]string
	}{
		{"a=1", [][2]string{{"a", "1"}}},
		{"k=v k2='v 2'", [][2]string{{"k", "v"}, {"k2", "v 2"}}},
		{"k=\"a b\"  c=d", [][2]string{{"k", "a b"}, {"c", "d"}}},
		{"k=\"it's\" j='say \"hi\"'", [][2]string{{"k", "it's"}, {"j", "say \"hi\""}}},
		{"k='a'b", [][2]string{{"k", "'a'b"}}},
		{"url=http://x/?a=b", [][2]string{{"url", "http://x/?a=b"}}},
		{"k=a\\nb", [][2]string{{"k", "a\nb"}}},
		{"k=\"a\\\"b\"", [][2]string{{"k", "a\"b"}}},
		{"k=\\u00e9\\x41\\101", [][2]string{{"k", "éA\\101"}}},
		{"msg=\"{{ a }} b\" n={{ x | default('y z') }}", [][2]string{{"msg", "{{ a }} b"}, {"n", "{{ x | default('y z') }}"}}},
		{"a\\=b=c", [][2]string{{"a\\=b", "c"}}},
		{"foo", [][2]string{{"_raw_params", "foo"}}},
		{"=x", [][2]string{{"_raw_params", "=x"}}},
		{"n=1 yes=yes", [][2]string{{"n", "1"}, {"yes", "yes"}}},
		{"a=1\nb=2", [][2]string{{"a", "1"}, {"b", "2"}}},
		{"k=\\xZZ", [][2]string{{"k", "\\xZZ"}}},
		{"k=\\t\\\\x", [][2]string{{"k", "\\x"}}},
		{"echo hi k=v", [][2]string{{"k", "v"}, {"_raw_params", "echo hi"}}},
		{"a b=1 c", [][2]string{{"b", "1"}, {"_raw_params", "a c"}}},
		{"k= v", [][2]string{{"k", ""}, {"_raw_params", "v"}}},
		{" k = v ", [][2]string{{"_raw_params", "k = v "}}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseKV(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseKV(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	for _, bad := range []string{"k='unclosed", "k=\"{{ a\"", "k={{ a"} {
		if got, err := ParseKV(bad); err == nil {
			t.Errorf("ParseKV(%q) = %q, want an error", bad, got)
		}
	}
}
