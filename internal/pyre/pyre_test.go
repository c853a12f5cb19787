package pyre

import (
	"strings"
	"testing"
	"time"
)

func TestExpand(t *testing.T) {
	cases := []struct {
		pat, tmpl, src, want string
		bt                   bool
	}{
		{`^(REF) .* \1$`, `\1 replaced`, "REF xyz REF", "REF replaced", true},
		{`(?<=a)b(?P<n>c)`, `[\g<n>\g<0>]`, "xabc", "[cbc]", true},
		{`(?P<k>\w+)=(\d+)`, `\2:\g<k>\n`, "k=1", "1:k\n", false},
		{`(a)|(b)`, `<\2>`, "a", "<>", false},
		{`(?P<w>é)x(?P=w)`, `\g<w>!`, "_éxé", "é!", true},
		// Python numbers named and unnamed groups left to right.
		{`(?P<k>\w+)=(?P=k)?(\d+)`, `\2 \g<k> \1`, "foo=1", "1 foo foo", true},
		{`(?P<a>x)(?P<b>[(?P<c>])(?P=b)1`, `\g<b>\2`, "x((1", "((", true},
	}
	for _, c := range cases {
		re, err := Compile(c.pat)
		if err != nil {
			t.Fatalf("%s: %v", c.pat, err)
		}
		if re.Backtracking() != c.bt {
			t.Errorf("%s: backtracking %v", c.pat, re.Backtracking())
		}
		loc := re.FindStringSubmatchIndex(c.src)
		if loc == nil {
			t.Fatalf("%s: no match in %q", c.pat, c.src)
		}
		if got := re.Expand(c.tmpl, c.src, loc); got != c.want {
			t.Errorf("%s: got %q want %q", c.pat, got, c.want)
		}
	}
}

func TestFindAllByteOffsets(t *testing.T) {
	re := MustCompile(`(?<=é)(\w)\1`)
	s := "éaa-éxx-ébc"
	got := re.FindAllStringSubmatchIndex(s, -1)
	if len(got) != 2 || s[got[0][0]:got[0][1]] != "aa" || s[got[1][2]:got[1][3]] != "x" {
		t.Fatalf("got %v", got)
	}
}

func TestCompileError(t *testing.T) {
	if _, err := Compile(`a(`); err == nil || !strings.Contains(err.Error(), "missing closing )") {
		t.Fatalf("got %v", err)
	}
}

func TestTimeout(t *testing.T) {
	old := Timeout
	Timeout = 50 * time.Millisecond
	defer func() { Timeout = old }()
	re := MustCompile(`^(a|a?)+(?=b)\1$`)
	if re.MatchString(strings.Repeat("a", 40) + "c") {
		t.Fatal("matched")
	}
	if re.Err() == nil || !strings.Contains(re.Err().Error(), "timeout") {
		t.Fatalf("err %v", re.Err())
	}
}
