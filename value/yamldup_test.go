package value

import (
	"reflect"
	"testing"
)

func TestDuplicateKeys(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []DuplicateKey
	}{
		{"a: 1\nb: 2\n", nil},
		{"x:\n  foo: bar\n  foo: baz\n", []DuplicateKey{{Line: 2, Col: 3, Key: "foo"}}},
		{"- {yes: 1, true: 2}\n", []DuplicateKey{{Line: 1, Col: 3, Key: "True"}}},
		{"a: &x {k: 1}\nb: *x\n<<: {a: 2}\n", nil},
	} {
		n, err := ParseYAML([]byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		if got := DuplicateKeys(n); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %v, want %v", c.src, got, c.want)
		}
	}
}

func TestUnsafeCollection(t *testing.T) {
	n, err := ParseYAML([]byte("l: !unsafe ['{{ x }}', 1]\nm: !unsafe {a: '{{ y }}'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := FromNode(n)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(*Map)
	l, _ := m.Get("l")
	if _, ok := l.([]any)[0].(Unsafe); !ok {
		t.Errorf("l[0] = %#v, want Unsafe", l.([]any)[0])
	}
	d, _ := m.Get("m")
	if a, _ := d.(*Map).Get("a"); a != Unsafe("{{ y }}") {
		t.Errorf("m.a = %#v, want Unsafe", a)
	}
}
