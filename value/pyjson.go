package value

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// PyJSONOptions are the arguments of Python's json.dumps that Ansible's
// output depends on. The zero value is json.dumps(v, indent=0), not
// json.dumps(v): set Indent to -1 for one line.
type PyJSONOptions struct {
	// Indent < 0 writes everything on one line (indent=None). Otherwise
	// every item starts a new line indented by Indent spaces per level;
	// Indent 0 gives new lines without indentation, as Python does.
	Indent int
	// SortKeys sorts the keys of a *Map. Other mappings (Getter views,
	// map[string]any) have no order of their own and are always sorted.
	SortKeys bool
	// EnsureASCII escapes everything past U+007E as \uXXXX, characters
	// outside the BMP as a surrogate pair.
	EnsureASCII bool
	// ItemSep and KeySep are separators=(ItemSep, KeySep). Empty means
	// Python's default: ", " on one line, "," with Indent, and ": ".
	ItemSep, KeySep string
	// Default is json.dumps's default=: it is called with a value that
	// has no JSON form, and what it returns is written instead. Nil fails
	// with Python's "Object of type T is not JSON serializable".
	Default func(v any) (any, error)
}

// maxPyJSONDepth bounds nesting, as Python's recursion limit does; lazy
// views such as vars → hostvars → vars are otherwise endless.
const maxPyJSONDepth = 1000

// AppendPyJSON appends v encoded exactly as Python's json.dumps encodes
// the same value with the options in o; Ansible prints results, inventory
// and to_json that way, and users diff those bytes.
//
// A Go string is taken to be the str that Ansible would have decoded from
// the same bytes with surrogateescape: a byte that is not UTF-8 is the lone
// surrogate U+DC80..U+DCFF and is written \udcXX with or without
// EnsureASCII, since it has no UTF-8 form.
func AppendPyJSON(dst []byte, v any, o PyJSONOptions) ([]byte, error) {
	e := pyEncoder{buf: dst, o: o, itemSep: o.ItemSep, keySep: o.KeySep}
	if e.itemSep == "" {
		e.itemSep = ", "
		if o.Indent >= 0 {
			e.itemSep = ","
		}
	}
	if e.keySep == "" {
		e.keySep = ": "
	}
	err := e.value(v, 0)
	return e.buf, err
}

// StringDefault is a PyJSONOptions.Default that never fails: an inline
// vault value is written as its ciphertext, anything else as fmt.Sprint
// prints it.
func StringDefault(v any) (any, error) {
	if v, ok := v.(*Vault); ok {
		return v.Ciphertext, nil
	}
	return fmt.Sprint(v), nil
}

type pyEncoder struct {
	buf             []byte
	o               PyJSONOptions
	itemSep, keySep string
}

func (e *pyEncoder) value(v any, depth int) error {
	if depth > maxPyJSONDepth {
		return fmt.Errorf("maximum recursion depth exceeded while encoding a JSON object")
	}
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
	case float64:
		e.buf = appendPyFloat(e.buf, v)
	case string:
		e.buf = appendPyString(e.buf, v, e.o.EnsureASCII)
	case Unsafe:
		e.buf = appendPyString(e.buf, string(v), e.o.EnsureASCII)
	case []any:
		return e.list(len(v), func(i int) any { return v[i] }, depth)
	case []string:
		return e.list(len(v), func(i int) any { return v[i] }, depth)
	case *Map:
		keys := v.Keys()
		if e.o.SortKeys {
			keys = v.SortedKeys()
		}
		return e.object(keys, v.Get, depth)
	case Getter:
		keys := append([]string(nil), v.Keys()...)
		sort.Strings(keys)
		return e.object(keys, v.Get, depth)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return e.object(keys, func(k string) (any, bool) { x, ok := v[k]; return x, ok }, depth)
	default:
		if e.o.Default == nil {
			return fmt.Errorf("Object of type %T is not JSON serializable", v)
		}
		w, err := e.o.Default(v)
		if err != nil {
			return err
		}
		// What Default returns must be encodable; calling it again
		// could loop forever.
		d := e.o.Default
		e.o.Default = nil
		err = e.value(w, depth+1)
		e.o.Default = d
		return err
	}
	return nil
}

func (e *pyEncoder) list(n int, at func(int) any, depth int) error {
	if n == 0 {
		e.buf = append(e.buf, "[]"...)
		return nil
	}
	e.buf = append(e.buf, '[')
	for i := range n {
		if i > 0 {
			e.buf = append(e.buf, e.itemSep...)
		}
		e.newline(depth + 1)
		if err := e.value(at(i), depth+1); err != nil {
			return err
		}
	}
	e.newline(depth)
	e.buf = append(e.buf, ']')
	return nil
}

func (e *pyEncoder) object(keys []string, get func(string) (any, bool), depth int) error {
	if len(keys) == 0 {
		e.buf = append(e.buf, "{}"...)
		return nil
	}
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, e.itemSep...)
		}
		e.newline(depth + 1)
		e.buf = appendPyString(e.buf, k, e.o.EnsureASCII)
		e.buf = append(e.buf, e.keySep...)
		v, _ := get(k)
		if err := e.value(v, depth+1); err != nil {
			return err
		}
	}
	e.newline(depth)
	e.buf = append(e.buf, '}')
	return nil
}

func (e *pyEncoder) newline(depth int) {
	if e.o.Indent < 0 {
		return
	}
	e.buf = append(e.buf, '\n')
	for range e.o.Indent * depth {
		e.buf = append(e.buf, ' ')
	}
}

// appendPyFloat is float.__repr__ with the json module's names for the
// values JSON lacks.
func appendPyFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	}
	return append(dst, FormatFloat(f)...)
}

const hexDigits = "0123456789abcdef"

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// appendPyString quotes s as the json module does: ", \ and the C0
// controls are escaped, \b \f \n \r \t by name; with ascii also DEL and
// everything past it.
func appendPyString(dst []byte, s string, ascii bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (c != 0x7f || !ascii) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = appendU(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = appendU(dst, 0xdc00|rune(c))
			i++
			start = i
			continue
		}
		if !ascii {
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		if r > 0xffff {
			r -= 0x10000
			dst = appendU(dst, 0xd800|r>>10)
			dst = appendU(dst, 0xdc00|r&0x3ff)
		} else {
			dst = appendU(dst, r)
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
