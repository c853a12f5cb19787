package value

import (
	"errors"
	"testing"
)

// TestPyIntStrings: what python3's int(s) makes of strings; runner's
// TestPyInt covers the other types through the timeout keyword.
func TestPyIntStrings(t *testing.T) {
	ok := map[string]int{" 7\n": 7, "+2": 2, "-2": -2, "1_000": 1000, "0_0": 0}
	for in, want := range ok {
		if got, err := PyInt(in); got != want || err != nil {
			t.Errorf("PyInt(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if got, err := PyInt(Unsafe("12")); got != 12 || err != nil {
		t.Errorf("PyInt(Unsafe(12)) = %d, %v", got, err)
	}
	bad := map[string]string{
		"_1":   `'_1'`,
		"1_":   `'1_'`,
		"1__0": `'1__0'`,
		"-":    `'-'`,
		"it's": `"it's"`,
	}
	for in, quoted := range bad {
		want := "invalid literal for int() with base 10: " + quoted
		if _, err := PyInt(in); err == nil || err.Error() != want {
			t.Errorf("PyInt(%q): %v, want %s", in, err, want)
		}
	}
}

// TestPyIntTypes: a float is truncated towards zero; a value of no number
// type is an *IntTypeError, so that callers can word it as their Python
// did.
func TestPyIntTypes(t *testing.T) {
	var te *IntTypeError
	if _, err := PyInt(nil); !errors.As(err, &te) || te.Type != "NoneType" {
		t.Errorf("PyInt(nil): %v is not an *IntTypeError for NoneType", err)
	}
	if n, err := PyInt(-2.9); n != -2 || err != nil {
		t.Errorf("PyInt(-2.9) = %d, %v; want -2 (truncated towards zero)", n, err)
	}
}
