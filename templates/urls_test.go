package templates

import (
	"fmt"
	"testing"
)

// Expectations are Python 3.11's urllib.parse and ntpath.
func TestPyURLSplit(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://mary:MySecret@www.ACME.com:9000/dir/index.html?query=term#frag",
			"http|mary:MySecret@www.ACME.com:9000|/dir/index.html|query=term|frag|www.acme.com|9000|mary|MySecret"},
		{"admin:secret@example.com", "admin||secret@example.com|||<nil>|<nil>|<nil>|<nil>"},
		{"//h/p", "|h|/p|||h|<nil>|<nil>|<nil>"},
		{"urn:isbn:1", "urn||isbn:1|||<nil>|<nil>|<nil>|<nil>"},
		{"x", "||x|||<nil>|<nil>|<nil>|<nil>"},
		{"http://[::1]:80/a", "http|[::1]:80|/a|||::1|80|<nil>|<nil>"},
		{"  http://a\tb/c", "http|ab|/c|||ab|<nil>|<nil>|<nil>"},
		{"1ab:x", "||1ab:x|||<nil>|<nil>|<nil>|<nil>"},
		{"ftp:// sp.tld", "ftp| sp.tld|||| sp.tld|<nil>|<nil>|<nil>"},
		{"http://u@h", "http|u@h||||h|<nil>|u|<nil>"},
	} {
		u, err := pyURLSplit(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		port, _ := u.port()
		user, pw := u.userinfo()
		got := fmt.Sprintf("%s|%s|%s|%s|%s|%v|%v|%v|%v", u.scheme, u.netloc, u.path, u.query, u.fragment, u.hostname(), port, user, pw)
		if got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
		}
	}
	if _, err := pyURLSplit("http://[::1/x"); err == nil {
		t.Error("an unclosed [ should fail")
	}
}

func TestPyUnquote(t *testing.T) {
	for in, want := range map[string]string{"a%20b c": "a b c", "%zz%4": "%zz%4", "%C3%A9%C3": "é\uFFFD"} {
		if got := pyUnquote(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestNTPath(t *testing.T) {
	for _, tc := range []struct{ in, drive, rest, head, tail string }{
		{`C:\x\y.txt`, `C:`, `\x\y.txt`, `C:\x`, `y.txt`},
		{`\\srv\share\f`, `\\srv\share`, `\f`, `\\srv\share\`, `f`},
		{`\\\\srv`, `\\\`, `\srv`, `\\\\`, `srv`},
		{`c:`, `c:`, ``, `c:`, ``},
		{`x/y/`, ``, `x/y/`, `x/y`, ``},
		{`/`, ``, `/`, `/`, ``},
	} {
		d, r := ntSplitdrive(tc.in)
		h, tl := ntSplit(tc.in)
		if d != tc.drive || r != tc.rest || h != tc.head || tl != tc.tail {
			t.Errorf("%q: got %q %q %q %q", tc.in, d, r, h, tl)
		}
	}
}

func TestCryptAndUUID(t *testing.T) {
	if got := md5Crypt("secret", "abcdefgh"); got != "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1" {
		t.Errorf("md5Crypt: %s", got)
	}
	got, err := fToUUID(nil, "monkeys", nil, nil)
	if err != nil || got != "0d03a178-da0f-5b51-934e-cda9c76578c3" {
		t.Errorf("to_uuid: %v %v", got, err)
	}
	if n := countArrangements(20, 10, false); n <= maxCombinatoric {
		t.Errorf("countArrangements(20, 10) = %d, should saturate", n)
	}
	if n := countArrangements(4, 2, true); n != 6 {
		t.Errorf("C(4, 2) = %d", n)
	}
}
