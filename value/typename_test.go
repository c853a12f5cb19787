package value

import "testing"

// TestTypeName: the expectations are python3's type(v).__name__ for the
// Python value each Go value stands for.
func TestTypeName(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{nil, "NoneType"},
		{true, "bool"},
		{0, "int"},
		{1.5, "float"},
		{"", "str"},
		{Unsafe("x"), "str"},
		{[]any{}, "list"},
		{NewMap(0), "dict"},
	} {
		if got := TypeName(c.in); got != c.want {
			t.Errorf("TypeName(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}
