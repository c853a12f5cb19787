package templates

import (
	"reflect"
	"testing"
)

func TestCSVRows(t *testing.T) {
	for _, c := range []struct {
		in   string
		want [][]string
	}{
		{"a,b\nc,d\n", [][]string{{"a", "b"}, {"c", "d"}}},
		{"\"x, y\",\"q\"\"q\"\r\nz,\n", [][]string{{"x, y", "q\"q"}, {"z", ""}}},
		{"\"crazy\"@x,1\n", [][]string{{"crazy@x", "1"}}},
		{"\"multi\nline\",2", [][]string{{"multi\nline", "2"}}},
		{"\n\na", [][]string{nil, nil, {"a"}}},
	} {
		if got := csvRows(c.in, ','); !reflect.DeepEqual(got, c.want) {
			t.Errorf("csvRows(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPyIntBase0(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"10", 10, true}, {"0x1f", 31, true}, {"0o17", 15, true}, {"0b11", 3, true}, {"-5", -5, true},
		{"0", 0, true}, {"000", 0, true}, {"1_000", 1000, true},
		{"010", 0, false}, {"A", 0, false}, {"1__0", 0, false}, {"", 0, false}, {"0x", 0, false},
	} {
		got, err := pyIntBase0(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("pyIntBase0(%q) = %d, %v", c.in, got, err)
		}
	}
}

func TestConfigParser(t *testing.T) {
	cp := newConfigParser(false, false)
	err := cp.read("[DEFAULT]\nroot = /r\n[s]\nKey = v\npath: %(root)s/x\npct = 5%%\nlong = a\n  b\n# c\n")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"key": "v", "KEY": "v", "path": "/r/x", "pct": "5%", "long": "a\nb", "root": "/r"} {
		if got, ok, err := cp.get("s", k); !ok || err != nil || got != want {
			t.Errorf("get(s, %s) = %v, %v, %v; want %v", k, got, ok, err, want)
		}
	}
	if _, _, err := cp.get("nope", "x"); err == nil {
		t.Error("no error for a missing section")
	}
	for src, class := range map[string]string{
		"[s]\na = 1\nA = 2\n": "DuplicateOptionError",
		"a = 1\n":             "MissingSectionHeaderError",
		"[s]\nflag\n":         "ParsingError",
		"[s]\n[s]\n":          "DuplicateSectionError",
	} {
		err := newConfigParser(false, false).read(src)
		if ce, ok := err.(*cpError); !ok || ce.Class != class {
			t.Errorf("read(%q) = %v, want %s", src, err, class)
		}
	}
	nv := newConfigParser(true, true)
	if err := nv.read("[s]\nflag\nK = 1\nk = 2\n"); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := nv.get("s", "flag"); !ok || v != nil {
		t.Errorf("flag = %v, %v", v, ok)
	}
}

func TestIniInline(t *testing.T) {
	params := map[string]any{"type": "ini", "file": "ansible.ini", "section": "global", "re": false,
		"encoding": "utf-8", "default": "", "case_sensitive": false, "allow_no_value": false}
	key, err := iniInline("my key  section=a b file=f.ini", params)
	if err != nil || key != "my key" || params["section"] != "a b" || params["file"] != "f.ini" {
		t.Errorf("key %q, err %v, params %v", key, err, params)
	}
	for _, term := range []string{"file=x", "k bogus=1", "k section=a=b"} {
		if _, err := iniInline(term, params); err == nil {
			t.Errorf("%q: no error", term)
		}
	}
}

func TestPasswordContent(t *testing.T) {
	for in, want := range map[string][3]string{
		"pw":                    {"pw", "", ""},
		"pw salt=abc":           {"pw", "abc", ""},
		"p w salt=abc ident=2b": {"p w", "abc", "2b"},
		"a salt=x salt=y":       {"a salt=x", "y", ""},
	} {
		p, s, i := parsePasswordContent(in)
		if [3]string{p, s, i} != want {
			t.Errorf("%q: %q %q %q", in, p, s, i)
		}
	}
}

func TestSplitOn(t *testing.T) {
	got := splitOn([]any{"a,b;c", "d:e"}, ",;")
	if want := []string{"a", "b", "c", "d:e"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}
