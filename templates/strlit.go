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
