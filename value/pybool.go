package value

import "strings"

// Three truths that Ansible keeps apart, each spelled once here: Python's
// truth value (Truthy: when, if, and, or), Ansible's boolean() from
// module_utils/parsing/convert_bool.py (Boolean, Bool: module arguments,
// keywords, settings) and the Jinja `bool` filter (BoolFilter), which
// neither strips nor knows y and t.

// Truthy is Python's truth value of v.
func Truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case int:
		return v != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case Unsafe:
		return v != ""
	case []any:
		return len(v) > 0
	case *Map:
		return v.Len() > 0
	case Getter:
		return len(v.Keys()) > 0
	}
	return true
}

// Boolean is Ansible's boolean(v): a bool is itself; a string, lowered and
// stripped, is true in BOOLEANS_TRUE (y, yes, on, 1, true, t) and false in
// BOOLEANS_FALSE (n, no, off, 0, false, f); the numbers 1 and 0 (1.0, 0.0)
// too. ok is false for anything else, where boolean(v, strict=True) raises
// "The value ... is not a valid boolean".
func Boolean(v any) (b, ok bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case int:
		return v == 1, v == 0 || v == 1
	case float64:
		return v == 1, v == 0 || v == 1
	case string, Unsafe:
		switch strings.ToLower(strings.TrimSpace(String(v))) {
		case "y", "yes", "on", "1", "true", "t":
			return true, true
		case "n", "no", "off", "0", "false", "f":
			return false, true
		}
	}
	return false, false
}

// Bool is Ansible's boolean(v, strict=False): what Boolean rejects is false.
func Bool(v any) bool {
	b, _ := Boolean(v)
	return b
}

// BoolFilter is Jinja's `bool` filter as Ansible defines it (to_bool in
// plugins/filter/core.py): None and booleans are themselves; a string,
// lowered but not stripped, is true when yes, on, 1 or true; the number 1
// is true; everything else is false.
func BoolFilter(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case bool:
		return v
	case string, Unsafe:
		switch strings.ToLower(String(v)) {
		case "yes", "on", "1", "true":
			return true
		}
	case int:
		return v == 1
	case float64:
		return v == 1
	}
	return false
}
