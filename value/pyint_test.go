package value

import (
	"errors"
	"testing"
)

// TestPyInt: the expectations are python3's int(v).
func TestPyInt(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want int
		err  string
	}{
		{3, 3, ""},
		{" 7\n", 7, ""},
		{"-2", -2, ""},
		{"+2", 2, ""},
		{"1_000", 1000, ""},
		{Unsafe("12"), 12, ""},
		{2.9, 2, ""},
		{-2.9, -2, ""},
		{true, 1, ""},
		{false, 0, ""},
		{"1.5", 0, "invalid literal for int() with base 10: '1.5'"},
		{"", 0, "invalid literal for int() with base 10: ''"},
		{"_1", 0, "invalid literal for int() with base 10: '_1'"},
		{"1_", 0, "invalid literal for int() with base 10: '1_'"},
		{"1__0", 0, "invalid literal for int() with base 10: '1__0'"},
		{"-", 0, "invalid literal for int() with base 10: '-'"},
		{"it's", 0, `invalid literal for int() with base 10: "it's"`},
		{[]any{1}, 0, "int() argument must be a string, a bytes-like object or a real number, not 'list'"},
		{nil, 0, "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"},
	} {
		got, err := PyInt(tc.in)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if got != tc.want || msg != tc.err {
			t.Errorf("PyInt(%#v) = %d, %q; want %d, %q", tc.in, got, msg, tc.want, tc.err)
		}
	}
	var te *IntTypeError
	if _, err := PyInt(nil); !errors.As(err, &te) || te.Type != "NoneType" {
		t.Errorf("PyInt(nil): %v is not an *IntTypeError for NoneType", err)
	}
}
