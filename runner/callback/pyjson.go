package callback

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fjord-run/fjord/value"
)

// jsonStyle selects how dumpJSON lays out a value; the two styles are the
// ones Python's json.dumps produces with and without indent.
type jsonStyle struct {
	indent      int  // 0: one line with ", " and ": " separators
	ensureASCII bool // escape everything past U+007F as \uXXXX
	sortKeys    bool
}

// dumpJSON renders v exactly as Python's json.dumps would with the given
// style (Ansible prints results that way, and users diff those bytes).
func dumpJSON(v any, st jsonStyle) string {
	var b strings.Builder
	writeJSON(&b, v, st, 0)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, st jsonStyle, depth int) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(pyFloat(v))
	case string:
		writeJSONString(b, v, st.ensureASCII)
	case value.Unsafe:
		writeJSONString(b, string(v), st.ensureASCII)
	case []string:
		l := make([]any, len(v))
		for i, s := range v {
			l[i] = s
		}
		writeJSON(b, l, st, depth)
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
				if st.indent == 0 {
					b.WriteByte(' ')
				}
			}
			newline(b, st, depth+1)
			writeJSON(b, e, st, depth+1)
		}
		newline(b, st, depth)
		b.WriteByte(']')
	case *value.Map:
		keys := v.Keys()
		if st.sortKeys {
			keys = v.SortedKeys()
		}
		writeObject(b, keys, v.Get, st, depth)
	case value.Getter:
		keys := append([]string(nil), v.Keys()...)
		if st.sortKeys {
			sort.Strings(keys)
		}
		writeObject(b, keys, v.Get, st, depth)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		writeObject(b, keys, func(k string) (any, bool) { e, ok := v[k]; return e, ok }, st, depth)
	case *value.Vault:
		writeJSONString(b, v.Ciphertext, st.ensureASCII)
	default:
		writeJSONString(b, fmt.Sprint(v), st.ensureASCII)
	}
}

func writeObject(b *strings.Builder, keys []string, get func(string) (any, bool), st jsonStyle, depth int) {
	if len(keys) == 0 {
		b.WriteString("{}")
		return
	}
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
			if st.indent == 0 {
				b.WriteByte(' ')
			}
		}
		newline(b, st, depth+1)
		writeJSONString(b, k, st.ensureASCII)
		b.WriteString(": ")
		e, _ := get(k)
		writeJSON(b, e, st, depth+1)
	}
	newline(b, st, depth)
	b.WriteByte('}')
}

func newline(b *strings.Builder, st jsonStyle, depth int) {
	if st.indent == 0 {
		return
	}
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", st.indent*depth))
}

// pyFloat is float.__repr__ as the json module writes it.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	// Python's repr: shortest round-trip digits, positional notation for
	// exponents in [-4, 16), scientific otherwise ("1e+16", "1e-05").
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	exp := int(math.Floor(math.Log10(math.Abs(f))))
	digits := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expStr, _ := strings.Cut(digits, "e")
	if e, err := strconv.Atoi(expStr); err == nil {
		exp = e
	}
	if exp < -4 || exp >= 16 {
		es := strconv.Itoa(abs(exp))
		if len(es) < 2 {
			es = "0" + es
		}
		sign := "+"
		if exp < 0 {
			sign = "-"
		}
		return mant + "e" + sign + es
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

const hexDigits = "0123456789abcdef"

func writeJSONString(b *strings.Builder, s string, ensureASCII bool) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				writeU(b, r)
			case r < 0x7f || !ensureASCII:
				b.WriteRune(r)
			case r > 0xffff:
				r -= 0x10000
				writeU(b, 0xd800|(r>>10)&0x3ff)
				writeU(b, 0xdc00|r&0x3ff)
			default:
				writeU(b, r)
			}
		}
	}
	b.WriteByte('"')
}

func writeU(b *strings.Builder, r rune) {
	b.WriteString(`\u`)
	b.WriteByte(hexDigits[r>>12&0xf])
	b.WriteByte(hexDigits[r>>8&0xf])
	b.WriteByte(hexDigits[r>>4&0xf])
	b.WriteByte(hexDigits[r&0xf])
}
