package templates

import (
	"fmt"

	"github.com/fjord-run/fjord/value"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Jinja2's conditional expression (A if B else C) may stand wherever an
// expression may: in parentheses, a list, a call's argument. gonja's parser
// takes it only as a whole {{ }}. inlineIfs rewrites one inside brackets
// into a call of condGlobal, which evalCall evaluates lazily: B first,
// then A or C only. ('a' if x else 'b') is __fjord_cond__(x, 'a', 'b').
func inlineIfs(toks []*tokens.Token) []*tokens.Token {
	var out []*tokens.Token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		out = append(out, t)
		switch t.Type {
		case tokens.LeftParenthesis, tokens.LeftBracket:
		default:
			continue
		}
		// the elements up to the matching bracket, split at top-level commas
		end := closing(toks, i)
		if end < 0 {
			continue
		}
		start := i + 1
		for j := start; j <= end; j++ {
			if j < end && !(toks[j].Type == tokens.Comma && depthAt(toks, start, j) == 0) {
				continue
			}
			out = append(out, condElement(toks[start:j])...)
			if j < end {
				out = append(out, toks[j])
			}
			start = j + 1
		}
		out = append(out, toks[end])
		i = end
	}
	return out
}

// condElement is one element, rewritten when it holds a top-level if.
func condElement(el []*tokens.Token) []*tokens.Token {
	at, els := -1, -1
	for k := 0; k < len(el); k++ {
		if depthAt(el, 0, k) != 0 || el[k].Type != tokens.Name {
			continue
		}
		if el[k].Val == "if" && at < 0 && k > 0 {
			at = k
		} else if el[k].Val == "else" && at >= 0 && els < 0 {
			els = k
		}
	}
	if at < 0 {
		return inlineIfs(el)
	}
	a, b := el[:at], el[at+1:]
	var c []*tokens.Token
	if els >= 0 {
		b, c = el[at+1:els], el[els+1:]
	}
	p := el[at]
	tok := func(typ tokens.Type, v string) *tokens.Token {
		return &tokens.Token{Type: typ, Val: v, Pos: p.Pos, Line: p.Line, Col: p.Col}
	}
	out := []*tokens.Token{tok(tokens.Name, condGlobal), tok(tokens.LeftParenthesis, "(")}
	out = append(out, inlineIfs(b)...)
	out = append(out, tok(tokens.Comma, ","))
	out = append(out, inlineIfs(a)...)
	if c != nil {
		out = append(out, tok(tokens.Comma, ","))
		out = append(out, condElement(c)...) // else may chain another if
	}
	return append(out, tok(tokens.RightParenthesis, ")"))
}

// closing is the index of the bracket that closes toks[i], or -1.
func closing(toks []*tokens.Token, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch toks[j].Type {
		case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
			depth++
		case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
			depth--
			if depth == 0 {
				return j
			}
		case tokens.VariableEnd, tokens.BlockEnd, tokens.EOF:
			return -1
		}
	}
	return -1
}

// depthAt is the bracket depth of toks[k] counted from toks[from].
func depthAt(toks []*tokens.Token, from, k int) int {
	depth := 0
	for j := from; j < k; j++ {
		switch toks[j].Type {
		case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
			depth++
		case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
			depth--
		}
	}
	return depth
}

const condGlobal = "__fjord_cond__"

// evalCond evaluates condGlobal's call: the condition, then one branch; no
// else section and a false condition give Jinja2's undefined.
func (s *state) evalCond(sc *scope, n *nodes.Call) (any, error) {
	if len(n.Args) < 2 {
		return nil, fmt.Errorf("%s takes a condition and a value", condGlobal)
	}
	c, err := s.eval(sc, n.Args[0])
	if err != nil {
		return nil, err
	}
	if u, ok := c.(*undefined); ok {
		return nil, u.err
	}
	if value.Truthy(c) {
		return s.eval(sc, n.Args[1])
	}
	if len(n.Args) > 2 {
		return s.eval(sc, n.Args[2])
	}
	return &undefined{&UndefinedError{Hint: fmt.Sprintf("the inline if-expression on line %d evaluated to false and no else section was defined.", n.Location.Line)}}, nil
}
