package value

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// String renders v the way Python's str() does for Ansible values, which is
// what a template prints.
func String(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return v
	case Unsafe:
		return string(v)
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(v)
	case float64:
		return FormatFloat(v)
	case []any, *Map, Getter:
		return Repr(v)
	}
	return fmt.Sprint(v)
}

// FormatFloat prints a float as Python's repr does: the shortest digits
// that read back as f, positional for decimal exponents in [-4, 16) and
// scientific otherwise (1e-05, 1e+16; Go's 'e' form has the same
// two-digit exponent).
func FormatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	if exp, _ := strconv.Atoi(s[strings.IndexByte(s, 'e')+1:]); f != 0 && (exp < -4 || exp >= 16) {
		return s
	}
	s = strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Repr renders v as Python's repr() would (lists and dicts printed inside
// templates look like this).
func Repr(v any) string {
	var b strings.Builder
	repr(&b, v)
	return b.String()
}

func repr(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		b.WriteString(pyQuote(v))
	case Unsafe:
		b.WriteString(pyQuote(string(v)))
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			repr(b, e)
		}
		b.WriteByte(']')
	case *Map:
		reprDict(b, v.Keys(), v)
	case Getter:
		// A Getter promises no order of its own; sorted keys print the
		// same text every time.
		keys := append([]string(nil), v.Keys()...)
		sort.Strings(keys)
		reprDict(b, keys, v)
	default:
		b.WriteString(String(v))
	}
}

// reprDict writes a dict's repr with the keys in the order given.
func reprDict(b *strings.Builder, keys []string, d Getter) {
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pyQuote(k))
		b.WriteString(": ")
		e, _ := d.Get(k)
		repr(b, e)
	}
	b.WriteByte('}')
}

func pyQuote(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, "\"") {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// Plain converts v into plain Go values (map[string]any, []any, scalars) for
// encoders that do not know *Map; key order is lost.
func Plain(v any) any {
	switch v := v.(type) {
	case *Map:
		out := make(map[string]any, v.Len())
		v.Range(func(k string, e any) bool { out[k] = Plain(e); return true })
		return out
	case Getter:
		out := map[string]any{}
		for _, k := range v.Keys() {
			e, _ := v.Get(k)
			out[k] = Plain(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Plain(e)
		}
		return out
	case Unsafe:
		return string(v)
	}
	return v
}

// Normalize converts arbitrary Go values from decoders (map[string]any,
// []string, int64, float32, json.Number...) into the value types.
func Normalize(v any) any {
	switch v := v.(type) {
	case nil, bool, string, float64, *Map, Unsafe, *Vault:
		return v
	case int:
		return v
	case int64:
		return int(v)
	case int32:
		return int(v)
	case uint64:
		return int(v)
	case uint32:
		return int(v)
	case float32:
		return float64(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Normalize(e)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = e
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := NewMap(len(keys))
		for _, k := range keys {
			m.Set(k, Normalize(v[k]))
		}
		return m
	case Getter:
		return v
	}
	return v
}

// DeepCopy copies lists and maps recursively so that a caller may modify
// the result.
func DeepCopy(v any) any {
	switch v := v.(type) {
	case *Map:
		c := NewMap(v.Len())
		v.Range(func(k string, e any) bool { c.Set(k, DeepCopy(e)); return true })
		return c
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = DeepCopy(e)
		}
		return c
	}
	return v
}

// Listify is a keyword's value as a list: a list as is, nil as none, any
// other value as a list of one (when:, tags:, notify: and assert's that:
// take one item or a list).
func Listify(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}
