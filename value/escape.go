package value

import (
	"strconv"
	"strings"
)

// SimpleEscape is the character Python's one-letter escape \c stands for
// (\\, \', \", \a, \b, \f, \n, \r, \t, \v); false for any other c.
func SimpleEscape(c byte) (byte, bool) {
	switch c {
	case '\\', '\'', '"':
		return c, true
	case 'a':
		return '\a', true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case 'v':
		return '\v', true
	}
	return 0, false
}

// PyUnescape decodes the backslash escapes in the body of a Python string
// literal: a str literal's (\x, \u, \U and octal escapes are code points)
// or, with asBytes, codecs.escape_decode's (\x and octal are bytes, \u and
// \U stay as written). An escaped newline is dropped; an escape Python does
// not know keeps its backslash. Ansible's k=v escapes, a different and
// stricter set, are DecodeEscapes.
func PyUnescape(s string, asBytes bool) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	put := func(n uint64) {
		if asBytes {
			b.WriteByte(byte(n))
		} else {
			b.WriteRune(rune(n))
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		e := s[i]
		if r, ok := SimpleEscape(e); ok {
			b.WriteByte(r)
			continue
		}
		switch {
		case e == '\n':
		case e == 'x' || (!asBytes && (e == 'u' || e == 'U')):
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+n < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32); err == nil {
					put(r)
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		case e >= '0' && e <= '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			r, _ := strconv.ParseUint(s[i:j], 8, 32)
			put(r)
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}
