package value

import (
	"math"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

func decode(t *testing.T, src string) any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	v, err := FromNode(&n)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestYAML11Scalars(t *testing.T) {
	cases := []struct {
		src  string
		want any
	}{
		{"yes", true}, {"No", false}, {"on", true}, {"OFF", false}, {"true", true},
		{"'yes'", "yes"}, {`"on"`, "on"}, {"!!str yes", "yes"},
		{"0644", 420}, {"0o17", 15}, {"0x1f", 31}, {"1_000", 1000}, {"-5", -5},
		{"1.5", 1.5}, {"1e3", "1e3"}, {"~", nil}, {"null", nil}, {"", nil},
		{"y", "y"}, {"n", "n"}, {"hello", "hello"}, {"08", "08"},
	}
	for _, c := range cases {
		got := decode(t, "v: "+c.src)
		v, _ := got.(*Map).Get("v")
		if !reflect.DeepEqual(v, c.want) {
			t.Errorf("%q: got %#v, want %#v", c.src, v, c.want)
		}
	}
	inf := decode(t, "v: .inf").(*Map)
	if v, _ := inf.Get("v"); !math.IsInf(v.(float64), 1) {
		t.Errorf(".inf = %v", v)
	}
}

func TestMapOrderAndMerge(t *testing.T) {
	m := decode(t, "base: &b {x: 1, y: 2}\nz: 3\na: 4\nd:\n  <<: *b\n  y: 9\n").(*Map)
	if got := m.Keys(); !reflect.DeepEqual(got, []string{"base", "z", "a", "d"}) {
		t.Errorf("keys = %v", got)
	}
	d, _ := m.Get("d")
	dm := d.(*Map)
	if y, _ := dm.Get("y"); y != 9 {
		t.Errorf("merge: y = %v, want 9 (own key wins)", y)
	}
	if x, _ := dm.Get("x"); x != 1 {
		t.Errorf("merge: x = %v, want 1", x)
	}
	b, _ := m.MarshalJSON()
	if string(b) != `{"base":{"x":1,"y":2},"z":3,"a":4,"d":{"x":1,"y":9}}` {
		t.Errorf("json = %s", b)
	}
}

func TestFromJSONKeepsOrder(t *testing.T) {
	v, err := FromJSON([]byte(`{"b": 1, "a": [1, 2.5, "x", null, true]}`))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(*Map)
	if !reflect.DeepEqual(m.Keys(), []string{"b", "a"}) {
		t.Errorf("keys = %v", m.Keys())
	}
	a, _ := m.Get("a")
	if !reflect.DeepEqual(a, []any{1, 2.5, "x", nil, true}) {
		t.Errorf("a = %#v", a)
	}
}

func TestStringRepr(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{true, "True"}, {nil, "None"}, {2.0, "2.0"}, {2.5, "2.5"},
		{[]any{"a", 1, "it's"}, `['a', 1, "it's"]`},
		{MapOf("k", "v", "n", []any{}), `{'k': 'v', 'n': []}`},
	}
	for _, c := range cases {
		if got := String(c.v); got != c.want {
			t.Errorf("String(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}
