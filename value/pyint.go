package value

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// IntTypeError is int()'s refusal of a value that is neither a string nor
// a number. It is a type of its own because callers quote different
// Python versions' wording for it (Type is the Python type name).
type IntTypeError struct{ Type string }

func (e *IntTypeError) Error() string {
	return fmt.Sprintf("int() argument must be a string, a bytes-like object or a real number, not '%s'", e.Type)
}

// PyInt converts v as Python 3's int(v) does: strings (surrounding
// whitespace, a sign and single underscores between digits allowed) in
// base 10, floats truncated towards zero, booleans 0 and 1. The error is
// Python's text; a value of the wrong type gives an *IntTypeError.
func PyInt(v any) (int, error) {
	switch v := v.(type) {
	case int:
		return v, nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("cannot convert float %s to integer", String(v))
		}
		return int(v), nil
	case string:
		return parseInt(v)
	case Unsafe:
		return parseInt(string(v))
	}
	return 0, &IntTypeError{Type: TypeName(v)}
}

// parseInt is int(s) for a str in base 10.
func parseInt(s string) (int, error) {
	t := strings.TrimSpace(s)
	sign := ""
	if t != "" && (t[0] == '+' || t[0] == '-') {
		sign, t = t[:1], t[1:]
	}
	if !decimalDigits(t) {
		return 0, fmt.Errorf("invalid literal for int() with base 10: %s", Repr(s))
	}
	// Python's int has no bound; a value past Go's int is refused with
	// the same words rather than wrapped.
	n, err := strconv.Atoi(sign + strings.ReplaceAll(t, "_", ""))
	if err != nil {
		return 0, fmt.Errorf("invalid literal for int() with base 10: %s", Repr(s))
	}
	return n, nil
}

// decimalDigits says t is digits with single underscores between them,
// as Python's int() accepts ("1_000", not "_1", "1_" or "1__0").
func decimalDigits(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		switch {
		case t[i] >= '0' && t[i] <= '9':
		case t[i] == '_' && i > 0 && i+1 < len(t) && t[i+1] != '_':
		default:
			return false
		}
	}
	return true
}
