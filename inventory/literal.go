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
		if (c == '\n' || c == '\r') && len(q) == 1 {
			return 0, "", false
		}
		if c != '\\' {
			if isBytes && c >= 0x80 {
				return 0, "", false
			}
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return 0, "", false
		}
		if raw {
			b.WriteByte('\\')
			b.WriteByte(s[i+1])
			i += 2
			continue
		}
		e := s[i+1]
		i += 2
		switch e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i - 1
			k := j
			for k < len(s) && k < j+3 && isOct(s[k]) {
				k++
			}
			n, _ := strconv.ParseUint(s[j:k], 8, 32)
			if isBytes {
				b.WriteByte(byte(n))
			} else {
				b.WriteRune(rune(n))
			}
			i = k
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if e != 'x' && isBytes {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			if i+n > len(s) {
				return 0, "", false
			}
			for k := i; k < i+n; k++ {
				if !isHex(s[k]) {
					return 0, "", false
				}
			}
			r, _ := strconv.ParseUint(s[i:i+n], 16, 32)
			if r > unicode.MaxRune {
				return 0, "", false
			}
			if isBytes {
				b.WriteByte(byte(r))
			} else {
				b.WriteRune(rune(r))
			}
			i += n
		case 'N':
			return 0, "", false // named escapes: not supported, stay a string
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
}

func (p *pyParser) peek() *pyTok {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *pyParser) isOp(op string) bool {
	t := p.peek()
	return t != nil && t.kind == tkOp && t.text == op
}

func (p *pyParser) expr() (any, bool) {
	t := p.peek()
	if t == nil {
		return nil, false
	}
	if t.kind == tkOp && (t.text == "-" || t.text == "+") {
		neg := t.text == "-"
		p.pos++
		n := p.peek()
		if n == nil || n.kind != tkNum {
			return nil, false
		}
		p.pos++
		if p.isOp("+") || p.isOp("-") {
			return nil, false // only complex arithmetic is allowed
		}
		switch v := n.val.(type) {
		case int:
			if neg {
				return -v, true
			}
			return v, true
		case float64:
			if neg {
				return -v, true
			}
			return v, true
		}
		return nil, false
	}
	v, ok := p.atom()
	if ok && (p.isOp("+") || p.isOp("-")) {
		return nil, false
	}
	return v, ok
}

func (p *pyParser) atom() (any, bool) {
	t := p.peek()
	if t == nil {
		return nil, false
	}
	switch t.kind {
	case tkNum:
		p.pos++
		return t.val, true
	case tkStr:
		var b strings.Builder
		isBytes := t.bytes
		for t := p.peek(); t != nil && t.kind == tkStr; t = p.peek() {
			if t.bytes != isBytes {
				return nil, false
			}
			b.WriteString(t.val.(string))
			p.pos++
		}
		return b.String(), true
	case tkName:
		p.pos++
		switch t.text {
		case "True":
			return true, true
		case "False":
			return false, true
		case "None":
			return nil, true
		}
		return nil, false
	}
	switch t.text {
	case "[":
		p.pos++
		l, ok := p.seq("]")
		return l, ok
	case "(":
		p.pos++
		if p.isOp(")") {
			p.pos++
			return []any{}, true
		}
		v, ok := p.expr()
		if !ok {
			return nil, false
		}
		if p.isOp(")") {
			p.pos++
			return v, true
		}
		if !p.isOp(",") {
			return nil, false
		}
		p.pos++
		rest, ok := p.seq(")")
		if !ok {
			return nil, false
		}
		return append([]any{v}, rest...), true
	case "{":
		p.pos++
		if p.isOp("}") {
			p.pos++
			return value.NewMap(0), true
		}
		k, ok := p.expr()
		if !ok {
			return nil, false
		}
		if !p.isOp(":") {
			// a set
			if p.isOp("}") {
				p.pos++
				return []any{k}, true
			}
			if !p.isOp(",") {
				return nil, false
			}
			p.pos++
			rest, ok := p.seq("}")
			if !ok {
				return nil, false
			}
			return append([]any{k}, rest...), true
		}
		m := value.NewMap(4)
		for {
			if !p.isOp(":") {
				return nil, false
			}
			p.pos++
			v, ok := p.expr()
			if !ok {
				return nil, false
			}
			if !hashable(k) {
				return nil, false
			}
			m.Set(value.KeyString(k), v)
			if p.isOp("}") {
				p.pos++
				return m, true
			}
			if !p.isOp(",") {
				return nil, false
			}
			p.pos++
			if p.isOp("}") {
				p.pos++
				return m, true
			}
			if k, ok = p.expr(); !ok {
				return nil, false
			}
		}
	}
	return nil, false
}

func hashable(v any) bool {
	switch v.(type) {
	case []any, *value.Map:
		return false
	}
	return true
}

// seq reads comma-separated expressions up to the closing token.
func (p *pyParser) seq(closer string) ([]any, bool) {
	l := []any{}
	for {
		if p.isOp(closer) {
			p.pos++
			return l, true
		}
		v, ok := p.expr()
		if !ok {
			return nil, false
		}
		l = append(l, v)
		if p.isOp(",") {
			p.pos++
			continue
		}
		if !p.isOp(closer) {
			return nil, false
		}
	}
}
