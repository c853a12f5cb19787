package templates

import (
	"fmt"

	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Jinja2 calls take Python's *args and **kwargs (lookup('list', *names,
// wantlist=True)); gonja's parser does not. splatArgs rewrites `*x` and
// `**x` in a call's arguments into calls of two globals whose values
// evalArgs spreads into the arguments: `*x` is __fjord_splat__(x).
// gonja reads a test's arguments as one value, so a keyword argument of a
// test (`x is regex('a', ignorecase=true)`) becomes `**{'ignorecase': true}`
// the same way.
func splatArgs(toks []*tokens.Token) []*tokens.Token {
	var out []*tokens.Token
	var calls []bool  // for each open bracket: is it a call's parenthesis?
	tests := []bool{} // for each open bracket: is it a test's parenthesis?
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.Type {
		case tokens.LeftParenthesis:
			calls = append(calls, i > 0 && isCallee(toks[i-1]))
			tests = append(tests, isTestName(toks, i-1))
		case tokens.LeftBracket, tokens.LeftBrace:
			calls = append(calls, false)
			tests = append(tests, false)
		case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
			if len(calls) > 0 {
				calls = calls[:len(calls)-1]
				tests = tests[:len(tests)-1]
			}
		case tokens.Name:
			prev := out[max(len(out)-1, 0):]
			if len(tests) > 0 && tests[len(tests)-1] && i+1 < len(toks) && toks[i+1].Type == tokens.Assign &&
				len(prev) == 1 && (prev[0].Type == tokens.LeftParenthesis || prev[0].Type == tokens.Comma) {
				end := operandEnd(toks, i+2)
				at := func(typ tokens.Type, val string) *tokens.Token {
					return &tokens.Token{Type: typ, Val: val, Pos: t.Pos, Line: t.Line, Col: t.Col}
				}
				out = append(out, at(tokens.Name, kwSplatGlobal), at(tokens.LeftParenthesis, "("),
					at(tokens.LeftBrace, "{"), at(tokens.String, t.Val), at(tokens.Colon, ":"))
				out = append(out, splatArgs(toks[i+2:end])...)
				out = append(out, at(tokens.RightBrace, "}"), at(tokens.RightParenthesis, ")"))
				i = end - 1
				continue
			}
		case tokens.Multiply, tokens.Power:
			prev := out[max(len(out)-1, 0):]
			if len(calls) > 0 && calls[len(calls)-1] && len(prev) == 1 &&
				(prev[0].Type == tokens.LeftParenthesis || prev[0].Type == tokens.Comma) {
				end := operandEnd(toks, i+1)
				name := splatGlobal
				if t.Type == tokens.Power {
					name = kwSplatGlobal
				}
				out = append(out, &tokens.Token{Type: tokens.Name, Val: name, Pos: t.Pos, Line: t.Line, Col: t.Col},
					&tokens.Token{Type: tokens.LeftParenthesis, Val: "(", Pos: t.Pos, Line: t.Line, Col: t.Col})
				out = append(out, splatArgs(toks[i+1:end])...)
				e := toks[end-1]
				out = append(out, &tokens.Token{Type: tokens.RightParenthesis, Val: ")", Pos: e.Pos, Line: e.Line, Col: e.Col})
				i = end - 1
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// isTestName says whether toks[i] names a test: `is NAME` or
// `is not NAME`.
func isTestName(toks []*tokens.Token, i int) bool {
	if i < 1 || toks[i].Type != tokens.Name {
		return false
	}
	if toks[i-1].Type == tokens.Not {
		i--
	}
	return i >= 1 && toks[i-1].Type == tokens.Is
}

// isCallee says whether a parenthesis after t opens a call.
func isCallee(t *tokens.Token) bool {
	switch t.Type {
	case tokens.Name, tokens.RightParenthesis, tokens.RightBracket:
		return true
	}
	return false
}

// operandEnd is the index of the comma or closing parenthesis that ends
// the argument starting at i.
func operandEnd(toks []*tokens.Token, i int) int {
	depth := 0
	for ; i < len(toks); i++ {
		switch toks[i].Type {
		case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
			depth++
		case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
			if depth == 0 {
				return i
			}
			depth--
		case tokens.Comma, tokens.VariableEnd, tokens.BlockEnd, tokens.EOF:
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

const (
	splatGlobal   = "__fjord_splat__"
	kwSplatGlobal = "__fjord_kwsplat__"
)

// splat and kwSplat are the values of *x and **x in a call's arguments.
type (
	splat   struct{ items []any }
	kwSplat struct{ kw map[string]any }
)

func gSplat(s *state, a []any, k map[string]any) (any, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("* takes one value")
	}
	items, err := iterate(a[0])
	if err != nil {
		return nil, fmt.Errorf("argument after * must be an iterable, not %s", typeName(a[0]))
	}
	return splat{items}, nil
}

func gKwSplat(s *state, a []any, k map[string]any) (any, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("** takes one value")
	}
	if gm, ok := plain(a[0]).(map[string]any); ok {
		return kwSplat{gm}, nil
	}
	m, ok := plain(a[0]).(interface {
		Keys() []string
		Get(string) (any, bool)
	})
	if !ok {
		return nil, fmt.Errorf("argument after ** must be a mapping")
	}
	kw := map[string]any{}
	for _, key := range m.Keys() {
		kw[key], _ = m.Get(key)
	}
	return kwSplat{kw}, nil
}

// spread puts the values of *x and **x in their call's arguments.
func spread(args []any, kw map[string]any) ([]any, map[string]any) {
	var out []any
	for _, a := range args {
		switch x := a.(type) {
		case splat:
			out = append(out, x.items...)
		case kwSplat:
			if kw == nil {
				kw = map[string]any{}
			}
			for k, v := range x.kw {
				kw[k] = v
			}
		default:
			out = append(out, a)
		}
	}
	return out, kw
}
