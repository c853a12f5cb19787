package callback

import (
	"reflect"
	"strings"
	"testing"
)

// Each want is what Python 3.11's textwrap.wrap(text, width) returns, the
// function Ansible's Display.warning wraps with.
func TestWrapText(t *testing.T) {
	for _, tc := range []struct {
		text  string
		width int
		want  []string
	}{
		{"[WARNING]: \n* Failed to parse /tmp/my-inventory-file with ini plugin: /tmp/my-inventory-file:4:3: Adding group 'a' as child to 'b' creates a recursive dependency loop.", 79, []string{"[WARNING]:  * Failed to parse /tmp/my-inventory-file with ini plugin: /tmp/my-", "inventory-file:4:3: Adding group 'a' as child to 'b' creates a recursive", "dependency loop."}},
		{"aaa  bbb\t\tccc\n\nddd", 79, []string{"aaa  bbb                ccc  ddd"}},
		{strings.Repeat("x", 100), 79, []string{strings.Repeat("x", 79), strings.Repeat("x", 21)}},
		{"word " + strings.Repeat("a-b-c-d-e-f", 10), 79, []string{"word a-b-c-d-e-fa-b-c-d-e-fa-b-c-d-e-fa-b-c-d-e-fa-b-c-d-e-fa-b-c-d-e-fa-b-c-d-", "e-fa-b-c-d-e-fa-b-c-d-e-fa-b-c-d-e-f"}},
		{"self-contained well-known --option a--b", 20, []string{"self-contained well-", "known --option a--b"}},
		{"[WARNING]: " + strings.Repeat("/very/long/path/", 8), 79, []string{"[WARNING]: /very/long/path//very/long/path//very/long/path//very/long/path//ver", "y/long/path//very/long/path//very/long/path//very/long/path/"}},
		{"one two  three   ", 8, []string{"one two", "three"}},
		{"   leading spaces then words", 10, []string{"   leading", "spaces", "then words"}},
		{"x-y ab-cd abc-def-ghi", 6, []string{"x-y", "ab-cd", "abc-", "def-", "ghi"}},
		{"ünïcödé wörds gö hére", 10, []string{"ünïcödé", "wörds gö", "hére"}},
		{"--help---- foo", 79, []string{"--help---- foo"}},
		{"a, --b", 79, []string{"a, --b"}},
		{"", 79, nil},
	} {
		if got := wrapText(tc.text, tc.width); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("wrapText(%q, %d)\n got %q\nwant %q", tc.text, tc.width, got, tc.want)
		}
	}
}

func TestWarnerOnce(t *testing.T) {
	var b strings.Builder
	w := NewWarner(&b, false, 0)
	for _, m := range []string{"a", "b", "a"} {
		if err := w.Warn(m); err != nil {
			t.Fatal(err)
		}
	}
	if want := "[WARNING]: a\n[WARNING]: b\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	NewWarner(&b, true, 0).Warn("x " + strings.Repeat("y", 80))
	// A word longer than a line fills the first line, as in Python.
	if want := "\033[1;35m[WARNING]: x " + strings.Repeat("y", 66) + "\033[0m\n\033[1;35m" + strings.Repeat("y", 14) + "\033[0m\n"; b.String() != want {
		t.Errorf("coloured: got %q, want %q", b.String(), want)
	}
}

func TestReplaceInvalid(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          "plain",
		"h\xff2":         "h?2",
		"\xed\xa0\x80":   "???", // an encoded surrogate is three bad bytes to Python too
		"ünï\xc3 日本\x80": "ünï? 日本?",
	} {
		if got := replaceInvalid(in); got != want {
			t.Errorf("replaceInvalid(%q) = %q, want %q", in, got, want)
		}
	}
}
