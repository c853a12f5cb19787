package inventory

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fjord-run/fjord/value"
)

// parseINIValue turns an INI value into a variable the way Ansible does:
// anything Python's ast.literal_eval accepts becomes that literal, anything
// else stays the string as written.
func parseINIValue(s string) any {
	if v, ok := literalEval(s); ok {
		return v
	}
	return s
}

// literalEval evaluates the Python literal subset: numbers (one optional
// sign), strings (with prefixes, escapes and implicit concatenation),
// True/False/None, lists, tuples, dicts and sets. Tuples and sets become
// lists. It reports false where Python would raise ValueError or
// SyntaxError.
func literalEval(s string) (any, bool) {
	if !utf8.ValidString(s) {
		// Python's compile cannot encode the surrogates that stand for
		// such bytes: a UnicodeEncodeError, which is a ValueError.
		return nil, false
	}
	p := &pyParser{src: strings.TrimLeft(s, " \t")}
	if err := p.lex(); !err {
		return nil, false
	}
	if len(p.toks) == 0 {
		return nil, false
	}
	v, ok := p.expr()
	if !ok || p.pos != len(p.toks) {
		return nil, false
	}
	return v, true
}

type pyTokKind int

const (
	tkNum pyTokKind = iota
	tkStr
	tkName
	tkOp
)

type pyTok struct {
	kind  pyTokKind
	text  string
	val   any  // numbers and strings
	bytes bool // b'' literal
}

type pyParser struct {
	src  string
	toks []pyTok
	pos  int
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentChar(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func (p *pyParser) lex() bool {
	s := p.src
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\f':
			i++
		case c == '\r' || c == '\n':
			// A literal never spans lines outside brackets; Python would
			// see a second statement in eval mode.
			return false
		case c == '#':
			return true
		case strings.IndexByte("()[]{},:+-", c) >= 0:
			p.toks = append(p.toks, pyTok{kind: tkOp, text: string(c)})
			i++
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			n, v, ok := lexNumber(s[i:])
			if !ok {
				return false
			}
			p.toks = append(p.toks, pyTok{kind: tkNum, text: s[i : i+n], val: v})
			i += n
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !isIdentStart(r) && c != '\'' && c != '"' {
				return false
			}
			// Identifier, or a string prefix followed by a quote.
			j := i
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if !isIdentChar(r) {
					break
				}
				j += size
			}
			_ = size
			if j < len(s) && (s[j] == '\'' || s[j] == '"') {
				prefix := strings.ToLower(s[i:j])
				switch prefix {
				case "", "r", "u", "b", "br", "rb":
				default:
					// f-strings and unknown prefixes are not literals.
					return false
				}
				n, str, ok := lexString(s[j:], strings.Contains(prefix, "r"), strings.Contains(prefix, "b"))
				if !ok {
					return false
				}
				p.toks = append(p.toks, pyTok{kind: tkStr, text: s[i : j+n], val: str, bytes: strings.Contains(prefix, "b")})
				i = j + n
				continue
			}
			p.toks = append(p.toks, pyTok{kind: tkName, text: s[i:j]})
			i = j
		}
	}
	return true
}

func digitPart(s string, i int, ok func(byte) bool) int {
	// digits with single underscores between them
	if i >= len(s) || !ok(s[i]) {
		return i
	}
	i++
	for i < len(s) {
		if ok(s[i]) {
			i++
		} else if s[i] == '_' && i+1 < len(s) && ok(s[i+1]) {
			i += 2
		} else {
			break
		}
	}
	return i
}

func isDec(b byte) bool { return b >= '0' && b <= '9' }
func isHex(b byte) bool { return isDec(b) || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' }
func isOct(b byte) bool { return b >= '0' && b <= '7' }
func isBin(b byte) bool { return b == '0' || b == '1' }

// lexNumber reads one Python number token at the start of s.
func lexNumber(s string) (int, any, bool) {
	end := func(n int) bool {
		if n >= len(s) {
			return true
		}
		r, _ := utf8.DecodeRuneInString(s[n:])
		return !isIdentChar(r) && r != '.'
	}
	if len(s) > 1 && s[0] == '0' {
		var f func(byte) bool
		base := 0
		switch s[1] {
		case 'x', 'X':
			f, base = isHex, 16
		case 'o', 'O':
			f, base = isOct, 8
		case 'b', 'B':
			f, base = isBin, 2
		}
		if f != nil {
			j := 2
			if j < len(s) && s[j] == '_' {
				j++
			}
			k := digitPart(s, j, f)
			if k == j || !end(k) {
				return 0, nil, false
			}
			u, err := strconv.ParseInt(strings.ReplaceAll(s[j:k], "_", ""), base, 64)
			if err != nil {
				return 0, nil, false
			}
			return k, int(u), true
		}
	}
	i := digitPart(s, 0, isDec)
	intPart := s[:i]
	isFloat := false
	if i < len(s) && s[i] == '.' {
		isFloat = true
		i = digitPart(s, i+1, isDec)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := digitPart(s, j, isDec)
		if k > j {
			isFloat = true
			i = k
		}
	}
	if i < len(s) && (s[i] == 'j' || s[i] == 'J') {
		return 0, nil, false // complex numbers: not representable
	}
	if i == 0 || !end(i) {
		return 0, nil, false
	}
	text := strings.ReplaceAll(s[:i], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !math.IsInf(f, 0) {
			return 0, nil, false
		}
		return i, f, true
	}
	// Python 3 rejects leading zeros in non-zero decimals ("0644").
	if len(intPart) > 1 && intPart[0] == '0' && strings.Trim(intPart, "0_") != "" {
		return 0, nil, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, nil, false
	}
	return i, int(n), true
}

// lexString reads a quoted string starting at s[0] (the quote).
func lexString(s string, raw, isBytes bool) (int, string, bool) {
	q := s[:1]
	if strings.HasPrefix(s, q+q+q) {
		q = q + q + q
	}
	var b strings.Builder
	i := len(q)
	for {
		if i >= len(s) {
			return 0, "", false
		}
		if strings.HasPrefix(s[i:], q) {
			return i + len(q), b.String(), true
		}
		c := s[i]
		switch {
		case (c == '\n' || c == '\r') && len(q) == 1:
			return 0, "", false
		case c != '\\':
			if isBytes && c >= 0x80 {
				return 0, "", false
			}
			b.WriteByte(c)
			i++
		case i+1 >= len(s):
			return 0, "", false
		case raw:
			b.WriteByte('\\')
			b.WriteByte(s[i+1])
			i += 2
		default:
			var ok bool
			if i, ok = writeEscape(&b, s, i+2, isBytes); !ok {
				return 0, "", false
			}
		}
	}
}

// writeEscape writes what the escape ending in s[i-1] (the character
// after the backslash) stands for and returns where the string goes on;
// false for an escape Python refuses.
func writeEscape(b *strings.Builder, s string, i int, isBytes bool) (int, bool) {
	e := s[i-1]
	if c, ok := value.SimpleEscape(e); ok {
		b.WriteByte(c)
		return i, true
	}
	switch e {
	case '\n': // a line continuation
	case '0', '1', '2', '3', '4', '5', '6', '7':
		j := i - 1
		k := j
		for k < len(s) && k < j+3 && isOct(s[k]) {
			k++
		}
		n, _ := strconv.ParseUint(s[j:k], 8, 32)
		writeCode(b, n, isBytes)
		return k, true
	case 'x', 'u', 'U':
		return writeHexEscape(b, s, i, isBytes)
	case 'N':
		return 0, false // named escapes: not supported, stay a string
	default:
		b.WriteByte('\\')
		b.WriteByte(e)
	}
	return i, true
}

// writeHexEscape writes \xHH, \uHHHH or \UHHHHHHHH, s[i-1] being the
// letter; in bytes only \x is an escape.
func writeHexEscape(b *strings.Builder, s string, i int, isBytes bool) (int, bool) {
	e := s[i-1]
	n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
	if e != 'x' && isBytes {
		b.WriteByte('\\')
		b.WriteByte(e)
		return i, true
	}
	if i+n > len(s) {
		return 0, false
	}
	for k := i; k < i+n; k++ {
		if !isHex(s[k]) {
			return 0, false
		}
	}
	r, _ := strconv.ParseUint(s[i:i+n], 16, 32)
	if r > unicode.MaxRune {
		return 0, false
	}
	writeCode(b, r, isBytes)
	return i + n, true
}

// writeCode writes code point n, as one byte in a bytes literal.
func writeCode(b *strings.Builder, n uint64, isBytes bool) {
	if isBytes {
		b.WriteByte(byte(n))
	} else {
		b.WriteRune(rune(n))
	}
}
