package templates

import "github.com/nikolalohinski/gonja/v2/tokens"

// groupInOperands wraps the right operand of each `in` comparison in
// parentheses. gonja reads `x in y` as a test whose argument is a single
// primary, so `'a' in b + c` does not parse; in Jinja the operand of a
// comparison is an arithmetic expression (with its filters). The `in` of
// a for statement's header is left alone.
func groupInOperands(s *tokens.Stream) *tokens.Stream {
	var toks []*tokens.Token
	changed := false
	forHeader := false
	for {
		t := s.Current()
		if t == nil {
			break
		}
		toks = append(toks, t)
		if s.End() {
			break
		}
		s.Next()
	}
	out := make([]*tokens.Token, 0, len(toks)+8)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		out = append(out, t)
		switch {
		case t.Type == tokens.BlockBegin && i+1 < len(toks) && toks[i+1].Type == tokens.Name && toks[i+1].Val == "for":
			forHeader = true
		case t.Type == tokens.BlockEnd:
			forHeader = false
		case t.Type == tokens.In && forHeader:
			forHeader = false
		case t.Type == tokens.In:
			end := inOperandEnd(toks, i+1)
			if end <= i+2 { // one token: nothing to group
				continue
			}
			out = append(out, &tokens.Token{Type: tokens.LeftParenthesis, Val: "(", Pos: toks[i+1].Pos, Line: toks[i+1].Line, Col: toks[i+1].Col})
			out = append(out, toks[i+1:end]...)
			last := toks[end-1]
			out = append(out, &tokens.Token{Type: tokens.RightParenthesis, Val: ")", Pos: last.Pos, Line: last.Line, Col: last.Col})
			i = end - 1
			changed = true
		}
	}
	if !changed {
		return tokens.NewStream(toks)
	}
	return tokens.NewStream(out)
}

// inOperandEnd is the index after the operand that starts at toks[from]:
// it ends, outside brackets, at a comparison, a logical operator, a test,
// an inline if/else, a separator, or the end of the tag.
func inOperandEnd(toks []*tokens.Token, from int) int {
	depth := 0
	for j := from; j < len(toks); j++ {
		t := toks[j]
		switch t.Type {
		case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
			depth++
			continue
		case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
			if depth == 0 {
				return j
			}
			depth--
			continue
		}
		if depth > 0 {
			continue
		}
		switch t.Type {
		case tokens.Equals, tokens.Ne, tokens.LowerThan, tokens.LowerThanOrEqual, tokens.GreaterThan,
			tokens.GreaterThanOrEqual, tokens.In, tokens.Not, tokens.Is, tokens.And, tokens.Or,
			tokens.Comma, tokens.Colon, tokens.Assign, tokens.Semicolon, tokens.BlockEnd, tokens.VariableEnd,
			tokens.EOF, tokens.Error, tokens.Data, tokens.BlockBegin, tokens.VariableBegin:
			return j
		case tokens.Name:
			if t.Val == "if" || t.Val == "else" || t.Val == "recursive" {
				return j
			}
		}
	}
	return len(toks)
}
