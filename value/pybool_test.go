package value

import "testing"

// TestPyBool: the expectations are ansible-core 2.14's boolean(v) (ok false
// where it raises), its bool filter (to_bool) and python3's bool(v).
func TestPyBool(t *testing.T) {
	for _, c := range []struct {
		in          any
		boolean, ok bool
		filter      any
		truthy      bool
	}{
		{true, true, true, true, true},
		{false, false, true, false, false},
		{nil, false, false, nil, false},
		{1, true, true, true, true},
		{0, false, true, false, false},
		{2, false, false, false, true},
		{-1, false, false, false, true},
		{float64(1.0), true, true, true, true},
		{float64(0.0), false, true, false, false},
		{float64(0.5), false, false, false, true},
		{"", false, false, false, false},
		{"y", true, true, false, true},
		{"Y", true, true, false, true},
		{"yes", true, true, true, true},
		{" YES ", true, true, false, true},
		{"on", true, true, true, true},
		{"On", true, true, true, true},
		{"1", true, true, true, true},
		{"true", true, true, true, true},
		{"True", true, true, true, true},
		{"TRUE", true, true, true, true},
		{"t", true, true, false, true},
		{"T", true, true, false, true},
		{"n", false, true, false, true},
		{"N", false, true, false, true},
		{"no", false, true, false, true},
		{"No", false, true, false, true},
		{" no", false, true, false, true},
		{"off", false, true, false, true},
		{"0", false, true, false, true},
		{"false", false, true, false, true},
		{"False", false, true, false, true},
		{"f", false, true, false, true},
		{"F", false, true, false, true},
		{"1.0", false, false, false, true},
		{"0.0", false, false, false, true},
		{"2", false, false, false, true},
		{"maybe", false, false, false, true},
		{" yes", true, true, false, true},
		{"yes ", true, true, false, true},
		{"\ttrue\n", true, true, false, true},
		{[]any{}, false, false, false, false},
		{[]any{1}, false, false, false, true},
		{NewMap(0), false, false, false, false},
	} {
		if b, ok := Boolean(c.in); b != c.boolean || ok != c.ok {
			t.Errorf("Boolean(%#v) = %v, %v; want %v, %v", c.in, b, ok, c.boolean, c.ok)
		}
		if b := Bool(c.in); b != c.boolean {
			t.Errorf("Bool(%#v) = %v; want %v", c.in, b, c.boolean)
		}
		if f := BoolFilter(c.in); f != c.filter {
			t.Errorf("BoolFilter(%#v) = %v; want %v", c.in, f, c.filter)
		}
		if b := Truthy(c.in); b != c.truthy {
			t.Errorf("Truthy(%#v) = %v; want %v", c.in, b, c.truthy)
		}
		if s, ok := c.in.(string); ok {
			if b, ok := Boolean(Unsafe(s)); b != c.boolean || ok != c.ok {
				t.Errorf("Boolean(Unsafe(%q)) = %v, %v; want %v, %v", s, b, ok, c.boolean, c.ok)
			}
		}
	}
}
