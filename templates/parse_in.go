package templates

import (
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// gonja parses `x in y` as a test whose argument is a bare primary, so in
// `x in y|union(z)` or `x in a + b` the filter or the operator applies to
// the test's result. In Jinja2 the right operand of in (and not in) is a
// whole math1 expression: additions, concatenations, products, powers,
// unary signs, filters and tests. inOperands puts that operand in
// parentheses before gonja parses, which gives Jinja2's tree.

// inOperands returns toks with the right operand of every in operator
// that is more than a primary wrapped in parentheses.
func inOperands(toks []*tokens.Token) []*tokens.Token {
	var out []*tokens.Token
	skipFor := false
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		out = append(out, t)
		switch t.Type {
		case tokens.BlockBegin:
			skipFor = i+1 < len(toks) && toks[i+1].Type == tokens.Name && toks[i+1].Val == "for"
			continue
		case tokens.In:
		default:
			continue
		}
		if skipFor {
			skipFor = false
			continue
		}
		if prev := prevSignificant(toks, i); prev != nil && prev.Type == tokens.Is {
			continue
		}
		end, compound := scanMath1(toks, i+1)
		if !compound {
			continue
		}
		open := &tokens.Token{Type: tokens.LeftParenthesis, Val: "(", Pos: toks[i+1].Pos, Line: toks[i+1].Line, Col: toks[i+1].Col}
		closeAt := toks[end-1]
		closing := &tokens.Token{Type: tokens.RightParenthesis, Val: ")", Pos: closeAt.Pos + len(closeAt.Val), Line: closeAt.Line, Col: closeAt.Col + len(closeAt.Val)}
		out = append(out, open)
		out = append(out, inOperands(toks[i+1:end])...)
		out = append(out, closing)
		i = end - 1
	}
	return out
}

// prevSignificant is the token before toks[i], looking past a not (so
// `is not in` counts as the test form).
func prevSignificant(toks []*tokens.Token, i int) *tokens.Token {
	for j := i - 1; j >= 0; j-- {
		if toks[j].Type != tokens.Not {
			return toks[j]
		}
	}
	return nil
}

// scanMath1 reads Jinja2's parse_math1 from toks[i]: the index just past
// it, and whether it is more than one primary with its postfixes (so worth
// wrapping). An operand it cannot read is reported as not compound, and
// gonja then parses (and reports) it as it always did.
func scanMath1(toks []*tokens.Token, i int) (int, bool) {
	compound := false
	for {
		for i < len(toks) && (toks[i].Type == tokens.Addition || toks[i].Type == tokens.Subtraction) {
			i++
			compound = true
		}
		j, ok := scanPrimary(toks, i)
		if !ok {
			return i, false
		}
		i = j
		j, more := scanFiltersAndTests(toks, i)
		compound = compound || more
		i = j
		if i < len(toks) && isMathOp(toks[i].Type) {
			i++
			compound = true
			continue
		}
		return i, compound
	}
}

func isMathOp(t tokens.Type) bool {
	switch t {
	case tokens.Addition, tokens.Subtraction, tokens.Tilde, tokens.Multiply, tokens.Division,
		tokens.FloorDivision, tokens.Modulo, tokens.Power:
		return true
	}
	return false
}

// scanPrimary reads a literal, a name or a bracketed expression, then its
// postfixes (.attr, [key], (args)).
func scanPrimary(toks []*tokens.Token, i int) (int, bool) {
	if i >= len(toks) {
		return i, false
	}
	switch toks[i].Type {
	case tokens.Name:
		switch toks[i].Val {
		case "and", "or", "not", "if", "else", "is", "in":
			return i, false
		}
		i++
	case tokens.Integer, tokens.Float:
		i++
	case tokens.String:
		for i < len(toks) && toks[i].Type == tokens.String {
			i++
		}
	case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
		j, ok := skipBracketed(toks, i)
		if !ok {
			return i, false
		}
		i = j
	default:
		return i, false
	}
	for i < len(toks) {
		switch toks[i].Type {
		case tokens.Dot:
			if i+1 >= len(toks) || toks[i+1].Type != tokens.Name && toks[i+1].Type != tokens.Integer {
				return i, false
			}
			i += 2
		case tokens.LeftBracket, tokens.LeftParenthesis:
			j, ok := skipBracketed(toks, i)
			if !ok {
				return i, false
			}
			i = j
		default:
			return i, true
		}
	}
	return i, true
}

// scanFiltersAndTests reads `|name(args)` and `is [not] name [arg]` chains.
func scanFiltersAndTests(toks []*tokens.Token, i int) (int, bool) {
	found := false
	for i+1 < len(toks) {
		switch toks[i].Type {
		case tokens.Pipe:
		case tokens.Is:
			if toks[i+1].Type == tokens.Not {
				i++
			}
		default:
			return i, found
		}
		isTest := toks[i].Type != tokens.Pipe
		i++
		if i >= len(toks) || toks[i].Type != tokens.Name {
			return i, found
		}
		found = true
		i++
		for i+1 < len(toks) && toks[i].Type == tokens.Dot && toks[i+1].Type == tokens.Name {
			i += 2
		}
		if i < len(toks) && toks[i].Type == tokens.LeftParenthesis {
			j, ok := skipBracketed(toks, i)
			if !ok {
				return i, found
			}
			i = j
		} else if isTest && i < len(toks) && testArgStart(toks[i]) {
			j, ok := scanPrimary(toks, i)
			if !ok {
				return i, found
			}
			i = j
		}
	}
	return i, found
}

// testArgStart is Jinja2's rule for a test argument written without
// parentheses (`x is divisibleby 3`).
func testArgStart(t *tokens.Token) bool {
	switch t.Type {
	case tokens.Name:
		switch t.Val {
		case "else", "or", "and", "if", "in", "not", "is":
			return false
		}
		return true
	case tokens.String, tokens.Integer, tokens.Float, tokens.LeftBracket, tokens.LeftBrace:
		return true
	}
	return false
}

// skipBracketed returns the index past the bracket that closes toks[i].
func skipBracketed(toks []*tokens.Token, i int) (int, bool) {
	depth := 0
	for ; i < len(toks); i++ {
		switch toks[i].Type {
		case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
			depth++
		case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case tokens.VariableEnd, tokens.BlockEnd, tokens.EOF, tokens.Error:
			return i, false
		}
	}
	return i, false
}
