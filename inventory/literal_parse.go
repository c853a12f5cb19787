package inventory

import (
	"strings"

	"github.com/fjord-run/fjord/value"
)

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
		return p.concatStrings()
	case tkName:
		p.pos++
		return nameConstant(t.text)
	}
	switch t.text {
	case "[":
		p.pos++
		l, ok := p.seq("]")
		return l, ok
	case "(":
		p.pos++
		return p.tuple()
	case "{":
		p.pos++
		return p.braces()
	}
	return nil, false
}

// concatStrings reads adjacent string literals, which Python concatenates; str
// and bytes do not mix.
func (p *pyParser) concatStrings() (any, bool) {
	var b strings.Builder
	isBytes := p.peek().bytes
	for t := p.peek(); t != nil && t.kind == tkStr; t = p.peek() {
		if t.bytes != isBytes {
			return nil, false
		}
		b.WriteString(t.val.(string))
		p.pos++
	}
	return b.String(), true
}

// nameConstant is the value of the names literal_eval accepts.
func nameConstant(name string) (any, bool) {
	switch name {
	case "True":
		return true, true
	case "False":
		return false, true
	case "None":
		return nil, true
	}
	return nil, false
}

// tuple reads what follows "(": a tuple (a list here), or one expression
// in parentheses.
func (p *pyParser) tuple() (any, bool) {
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
}

// braces reads what follows "{": a dict, or a set (a list here).
func (p *pyParser) braces() (any, bool) {
	if p.isOp("}") {
		p.pos++
		return value.NewMap(0), true
	}
	k, ok := p.expr()
	if !ok {
		return nil, false
	}
	if p.isOp(":") {
		return p.dict(k)
	}
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

// dict reads a dict's entries from the ':' after its first key k.
func (p *pyParser) dict(k any) (any, bool) {
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
