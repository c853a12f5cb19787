package templates

import (
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/value"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// lex is gonja's lexer with its string literals read as Jinja2 reads
// them: Python's escapes (\n, \t, \x41, \u00e9, \\, \' ...), and any other
// backslash kept as written ('\d+' is a backslash, a d and a plus, as in
// a regex), where gonja's parser would apply Go's escapes and refuse
// '\d'. gonja's parser unquotes what the lexer gives it once more, so the
// value goes to it with its backslashes doubled.
//
// gonja's lexer also takes the quote after an escaped backslash ('\\')
// for an escaped quote; so each \\ goes to it as a two-byte character the
// source does not hold, which keeps every offset, and comes back as \\ in
// every token.
func lex(src string, cfg *config.Config) ([]*tokens.Token, error) {
	hidden := ""
	for r := rune(0x7ff); r > 0x80 && strings.Contains(src, `\\`); r-- {
		if !strings.ContainsRune(src, r) {
			hidden = string(r)
			src = strings.ReplaceAll(src, `\\`, hidden)
			break
		}
	}
	l := tokens.NewLexer(src, cfg)
	go l.Run()
	var toks []*tokens.Token
	depth := 0
	for tok := range l.Tokens {
		skipNewlines(tok, l.Input)
		if tok.Type == tokens.String {
			if v, ok := pyStringToken(l.Input, tok, cfg.NewlineSequence, hidden); ok {
				tok.Val = strings.ReplaceAll(v, `\`, `\\`)
			} else if hidden != "" {
				tok.Val = strings.ReplaceAll(tok.Val, hidden, `\\`)
			}
		} else if hidden != "" {
			tok.Val = strings.ReplaceAll(tok.Val, hidden, `\\`)
		}
		if tok.Type == tokens.Whitespace {
			continue // the stream skips it; inOperands must not see it
		}
		if tok.Type == tokens.Name && (len(toks) == 0 || toks[len(toks)-1].Type != tokens.Dot) {
			// gonja takes and/or/not/in/is for operators only when a space
			// or tab follows; Jinja2's are keywords whatever follows, as in
			// a condition broken over lines after `or`.
			if typ, ok := keywordTokens[tok.Val]; ok {
				tok.Type = typ
			}
		}
		switch n := len(toks); {
		case tok.Type == tokens.String && n > 0 && toks[n-1].Type == tokens.String:
			toks[n-1].Val += tok.Val // Jinja joins adjacent literals: 'a' 'b' is 'ab'
			continue
		case tok.Type == tokens.Assign && depth > 0 && n >= 2 && toks[n-1].Type == tokens.Name &&
			toks[n-2].Type != tokens.Comma && toks[n-2].Type != tokens.LeftParenthesis:
			// a keyword argument must follow a comma; gonja lets it through
			name := toks[n-1]
			for range l.Tokens { // let the lexer finish
			}
			return nil, &parser.SyntaxError{Message: fmt.Sprintf("expected token ',', got '%s'", name.Val), Line: name.Line, Column: name.Col}
		case tok.Type == tokens.LeftParenthesis:
			depth++
		case tok.Type == tokens.RightParenthesis:
			depth--
		}
		toks = append(toks, tok)
	}
	return toks, nil
}

// skipNewlines takes the line breaks that gonja's lexer leaves at the
// start of an expression token (it skips only spaces and tabs between
// tokens) out of it, so that `x is\ndefined` names the test "defined".
func skipNewlines(tok *tokens.Token, input string) {
	if tok.Type == tokens.Error || tok.Type >= tokens.Whitespace && tok.Type != tokens.Float &&
		tok.Type != tokens.Integer && tok.Type != tokens.Name && tok.Type != tokens.String {
		return
	}
	for tok.Pos >= 0 && tok.Pos < len(input) && (input[tok.Pos] == '\n' || input[tok.Pos] == '\r') {
		if input[tok.Pos] == '\n' {
			tok.Line++
			tok.Col = 1
		}
		tok.Pos++
		// A string's value is its span less the first and last bytes, taken
		// for its quotes: here the line break and the closing quote, so the
		// opening quote leads it.
		if tok.Val != "" && (tok.Type == tokens.String || tok.Val[0] == '\n' || tok.Val[0] == '\r') {
			tok.Val = tok.Val[1:]
		}
	}
}

// keywordTokens are the operator words that Jinja2 never reads as names
// (an attribute after a dot aside).
var keywordTokens = map[string]tokens.Type{
	"and": tokens.And, "or": tokens.Or, "not": tokens.Not, "in": tokens.In, "is": tokens.Is,
}

// pyStringToken reads the string literal tok starts in input, as Jinja2
// does, when gonja's lexer ended it where Jinja2 does (it does not, for
// a literal that ends in an escaped backslash).
func pyStringToken(input string, tok *tokens.Token, newline, hidden string) (string, bool) {
	if tok.Pos < 0 || tok.Pos >= len(input) {
		return "", false
	}
	raw := input[tok.Pos:]
	q := raw[0]
	if q != '"' && q != '\'' {
		return "", false
	}
	end := -1
	for i := 1; i < len(raw); i++ {
		if raw[i] == '\\' {
			i++
			continue
		}
		if raw[i] == q {
			end = i
			break
		}
	}
	if end < 0 {
		return "", false
	}
	body := raw[1:end]
	gonja := strings.NewReplacer(`\"`, `"`, `\'`, `'`).Replace(body)
	if newline != "" && newline != "\n" {
		gonja = strings.ReplaceAll(gonja, "\n", newline)
	}
	if gonja != tok.Val {
		return "", false
	}
	if hidden != "" {
		body = strings.ReplaceAll(body, hidden, `\\`)
	}
	v := value.PyUnescape(body, false)
	if newline != "" && newline != "\n" {
		v = strings.ReplaceAll(v, "\n", newline)
	}
	return v, true
}
