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

// TestParseKVRaw: the expectations are ansible-core 2.14's parse_kv(s,
// check_raw=True), whose options are these.
func TestParseKVRaw(t *testing.T) {
	opts := map[string]bool{"creates": true, "removes": true, "chdir": true, "executable": true, "warn": true,
		"stdin": true, "stdin_add_newline": true, "strip_empty_ends": true}
	for _, tc := range []struct {
		in   string
		want [][2]string
	}{
		{"echo hi", [][2]string{{"_raw_params", "echo hi"}}},
		{"echo  \"a  b\" creates=/x chdir=/tmp", [][2]string{{"creates", "/x"}, {"chdir", "/tmp"}, {"_raw_params", "echo  \"a  b\""}}},
		{"cat /x | grep a=b removes=/y", [][2]string{{"removes", "/y"}, {"_raw_params", "cat /x | grep a=b"}}},
		{"echo {{ a }} warn=no", [][2]string{{"warn", "no"}, {"_raw_params", "echo {{ a }}"}}},
		{"ls\nls -l", [][2]string{{"_raw_params", "ls\nls -l"}}},
		{"echo 'k=v' x=1 creates='/a b'", [][2]string{{"creates", "/a b"}, {"_raw_params", "echo 'k=v' x=1"}}},
		{"chdir=/tmp", [][2]string{{"chdir", "/tmp"}}},
		{"echo a\\=b", [][2]string{{"_raw_params", "echo a=b"}}},
	} {
		got, err := ParseKVRaw(tc.in, opts)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseKVRaw(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`a=1 b=2`, []string{"a=1", "b=2"}},
		{`msg="hello world" x='a b'`, []string{`msg="hello world"`, `x='a b'`}},
		{`msg={{ a | default('x y') }} z=1`, []string{`msg={{ a | default('x y') }}`, "z=1"}},
		{`echo "it's"`, []string{"echo", `"it's"`}},
	}
	for _, c := range cases {
		got, err := SplitArgs(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if _, err := SplitArgs(`a="unterminated`); err == nil {
		t.Error("unbalanced quote not reported")
	}
}
