package templates

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fjord-run/fjord/value"
)

// pyFormat is Python's printf-style `fmt % args`.
func pyFormat(f string, args []any) (string, error) {
	var b strings.Builder
	ai := 0
	next := func() (any, error) {
		if ai >= len(args) {
			return nil, fmt.Errorf("not enough arguments for format string")
		}
		ai++
		return args[ai-1], nil
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(f) {
			return "", fmt.Errorf("incomplete format")
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		j := i
		for j < len(f) && strings.IndexByte("-+ #0", f[j]) >= 0 {
			j++
		}
		flags := f[i:j]
		k := j
		for k < len(f) && (f[k] >= '0' && f[k] <= '9' || f[k] == '.') {
			k++
		}
		width := f[j:k]
		if k >= len(f) {
			return "", fmt.Errorf("incomplete format")
		}
		verb := f[k]
		i = k
		v, err := next()
		if err != nil {
			return "", err
		}
		if u, ok := v.(*undefined); ok && verb != 'r' {
			return "", u.err
		}
		spec := "%" + flags + width
		switch verb {
		case 's', 'r':
			var s string
			if u, ok := v.(*undefined); ok {
				s = u.pyRepr()
			} else if verb == 's' {
				s, err = toStr(v)
			} else {
				s, err = repr(v)
			}
			if err != nil {
				return "", err
			}
			b.WriteString(fmt.Sprintf(strings.ReplaceAll(spec, "#", "")+"s", s))
		case 'd', 'i', 'u':
			n, ok, isF := asNumber(v)
			if !ok {
				return "", fmt.Errorf("%%%c format: a number is required, not %s", verb, typeName(v))
			}
			if isF {
				n = math.Trunc(n)
			}
			b.WriteString(fmt.Sprintf(spec+"d", int(n)))
		case 'f', 'F', 'e', 'E', 'g', 'G':
			n, ok, _ := asNumber(v)
			if !ok {
				return "", fmt.Errorf("must be real number, not %s", typeName(v))
			}
			if !strings.Contains(width, ".") && (verb == 'f' || verb == 'F' || verb == 'e' || verb == 'E') {
				spec += ".6"
			}
			b.WriteString(fmt.Sprintf(spec+string(verb), n))
		case 'x', 'X', 'o':
			n, ok := asInt(v)
			if !ok {
				return "", fmt.Errorf("%%%c format: an integer is required, not %s", verb, typeName(v))
			}
			b.WriteString(fmt.Sprintf(spec+string(verb), n))
		case 'c':
			if n, ok := asInt(v); ok {
				b.WriteRune(rune(n))
			} else {
				s, _ := toStr(v)
				b.WriteString(s)
			}
		default:
			return "", fmt.Errorf("unsupported format character '%c'", verb)
		}
	}
	if ai < len(args) {
		return "", fmt.Errorf("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// pyLiteral reads a Python literal (Ansible's literal_eval of rendered
// text): strings, numbers, True/False/None, lists, tuples, dicts.
func pyLiteral(s string) (any, error) {
	p := &litParser{s: s}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}

// literalNames are the names a literal may hold: Python's constants, and
// JSON's, which ansible turns into them before literal_eval (Json2Python).
var literalNames = map[string]any{"True": true, "False": false, "None": nil, "true": true, "false": false, "null": nil}

type litParser struct {
	s     string
	i     int
	depth int
}

func (p *litParser) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *litParser) value() (any, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 100 {
		return nil, fmt.Errorf("too deep")
	}
	p.ws()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("unexpected end")
	}
	c := p.s[p.i]
	switch {
	case c == '[' || c == '(':
		end := byte(']')
		if c == '(' {
			end = ')'
		}
		p.i++
		out := []any{}
		for {
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == end {
				p.i++
				return out, nil
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == end {
				p.i++
				return out, nil
			}
			return nil, fmt.Errorf("expected , or %c", end)
		}
	case c == '{':
		p.i++
		m := value.NewMap(4)
		var set []any
		for {
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				if set != nil {
					return set, nil
				}
				return m, nil
			}
			k, err := p.value()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ':' && set == nil {
				p.i++
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				ks, ok := mapKey(k)
				if !ok {
					return nil, fmt.Errorf("unhashable key")
				}
				m.Set(ks, v)
			} else if m.Len() == 0 {
				set = append(set, k)
			} else {
				return nil, fmt.Errorf("expected :")
			}
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
			}
		}
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		j := p.i + 1
		for j < len(p.s) && strings.IndexByte("0123456789.eE+-_xXabcdefABCDEFoO", p.s[j]) >= 0 {
			j++
		}
		lit := p.s[p.i:j]
		p.i = j
		if n, err := strconv.ParseInt(strings.ReplaceAll(lit, "_", ""), 0, 64); err == nil {
			return int(n), nil
		}
		if f, err := strconv.ParseFloat(lit, 64); err == nil {
			return f, nil
		}
		return nil, fmt.Errorf("bad number %q", lit)
	default:
		j := p.i
		for j < len(p.s) && (p.s[j] == '_' || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z' || j > p.i && p.s[j] >= '0' && p.s[j] <= '9') {
			j++
		}
		if v, ok := literalNames[p.s[p.i:j]]; ok {
			p.i = j
			return v, nil
		}
	}
	return nil, fmt.Errorf("unexpected %q", c)
}

func (p *litParser) str() (any, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\' && p.i+1 < len(p.s):
			p.i++
			e := p.s[p.i]
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'x':
				if p.i+2 < len(p.s) {
					if n, err := strconv.ParseUint(p.s[p.i+1:p.i+3], 16, 8); err == nil {
						b.WriteRune(rune(n))
						p.i += 2
						break
					}
				}
				b.WriteString("\\x")
			case 'u':
				if p.i+4 < len(p.s) {
					if n, err := strconv.ParseUint(p.s[p.i+1:p.i+5], 16, 32); err == nil {
						b.WriteRune(rune(n))
						p.i += 4
						break
					}
				}
				b.WriteString("\\u")
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			p.i++
		case c == '\n':
			return nil, fmt.Errorf("EOL while scanning string literal")
		default:
			_, size := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteString(p.s[p.i : p.i+size])
			p.i += size
		}
	}
	return nil, fmt.Errorf("unterminated string")
}
