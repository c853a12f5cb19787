package value

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// laughs is the billion-laughs document: levels lists of nine aliases of
// the level below, 9^levels strings from a few hundred bytes.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestAliasLimits(t *testing.T) {
	big := "s: &s " + strings.Repeat("x", 1<<20) + "\nl: [" + strings.Repeat("*s, ", 70) + "*s]\n"
	items := make([]string, 2000)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	wide := "defs: &v [" + strings.Join(items, ", ") + "]\nuse: *v\n"
	cases := []struct {
		name string
		src  string
		want string // "" or the *YAMLError, "line:col: msg"
	}{
		{"billion laughs", laughs(9), "4:25: excessive aliasing"},
		{"deeper laughs", laughs(40), "4:25: excessive aliasing"},
		{"self reference", "a: &a [*a]\n", "1:8: recursive alias"},
		{"self reference in a mapping", "a: &a {b: *a}\n", "1:11: recursive alias"},
		{"indirect cycle", "a: &a\n  - b: &b\n      - *a\n", "3:9: recursive alias"},
		{"merge into itself", "a: &a\n  x: 1\n  <<: *a\n", "3:7: recursive alias"},
		{"copied strings past 64 MiB", big, "2:261: excessive aliasing"},
		{"a few laughs", laughs(2), ""},
		{"anchors and merges", "b: &b {x: 1, y: [1, 2]}\nc: {<<: *b, z: *b}\nd: [*b, *b]\n", ""},
		{"a large list used twice", wide, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseYAML([]byte(c.src))
			if got := errText(err); got != c.want {
				t.Fatalf("ParseYAML: got %q, want %q", got, c.want)
			}
			// FromNode alone bounds a tree that did not come
			// through ParseYAML, by its own absolute limit.
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(c.src), &n); err != nil {
				t.Fatal(err)
			}
			_, err = FromNode(&n)
			if c.want == "" && err != nil {
				t.Fatalf("FromNode: %v", err)
			}
			var e *YAMLError
			if c.want != "" && (!errors.As(err, &e) || !strings.HasSuffix(c.want, ": "+e.Msg)) {
				t.Fatalf("FromNode: got %v, want %q", err, c.want)
			}
		})
	}
}

// ParseYAML refuses the documents yaml.v3's own decoder refuses as
// excessive aliasing, and no others.
func TestAliasRatioAsYAMLv3(t *testing.T) {
	for levels := 1; levels <= 6; levels++ {
		var v any
		theirs := yaml.Unmarshal([]byte(laughs(levels)), &v)
		_, ours := ParseYAML([]byte(laughs(levels)))
		t.Logf("%d levels: yaml.v3: %v, ParseYAML: %v", levels, theirs, ours)
		if (theirs != nil) != (ours != nil) {
			t.Errorf("%d levels: yaml.v3 says %v, ParseYAML %v", levels, theirs, ours)
		}
	}
}

// A subtree that is nothing but an alias is converted alone (a play's
// `vars: *common`): FromNode must not hold yaml.v3's document ratio against
// it, which would refuse any such alias of more than 1000 nodes.
func TestFromNodeAliasSubtree(t *testing.T) {
	items := make([]string, 5000)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	n, err := ParseYAML([]byte("a: &v [" + strings.Join(items, ", ") + "]\nb: *v\n"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := FromNode(n.Content[0].Content[3])
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := v.([]any); len(l) != 5000 {
		t.Fatalf("got %d items", len(l))
	}
	// a tree built without ParseYAML that shares one alias millions of
	// times is still refused
	n, err = ParseYAML([]byte(laughs(2) + "x: *l2\n"))
	if err != nil {
		t.Fatal(err)
	}
	chain := n.Content[0].Content[len(n.Content[0].Content)-1]
	for range 6 {
		chain = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{chain, chain, chain, chain, chain, chain, chain, chain, chain}}
	}
	if _, err := FromNode(chain); errText(err) != "4:4: excessive aliasing" {
		t.Fatalf("got %v, want excessive aliasing", err)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	var e *YAMLError
	if !errors.As(err, &e) {
		return "not a *YAMLError: " + err.Error()
	}
	return e.Error()
}

// FuzzFromNode: whatever the text, reading and converting it neither
// panics nor runs away, and every error is positioned.
func FuzzFromNode(f *testing.F) {
	f.Add(laughs(9))
	f.Add("a: &a [*a]\n")
	f.Add("a: &a {<<: *a}\n")
	f.Add("b: &b {x: 1}\nc: {<<: [*b, *b], y: *b}\n")
	f.Add("x: *nope\n")
	f.Add("- hosts: all\n  tasks: [\n")
	f.Fuzz(func(t *testing.T, src string) {
		dec := NewDecoder([]byte(src))
		for range 8 {
			var n yaml.Node
			err := dec.Decode(&n)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				checkPositioned(t, src, err)
				return
			}
			if _, err := FromNode(&n); err != nil {
				checkPositioned(t, src, err)
			}
		}
	})
}

func checkPositioned(t *testing.T, src string, err error) {
	t.Helper()
	var e *YAMLError
	if !errors.As(err, &e) {
		t.Fatalf("%q: %v is not a *YAMLError", src, err)
	}
	if last, _ := lineCol([]byte(src), len(src)); e.Line < 1 || e.Col < 1 || e.Line > last {
		t.Fatalf("%q: %v has no position in the text", src, err)
	}
}
