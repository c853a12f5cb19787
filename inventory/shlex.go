package inventory

import "errors"

var (
	errNoClosingQuote = errors.New("No closing quotation")
	errNoEscapedChar  = errors.New("No escaped character")
)

// shlexSplit splits one INI host line as Python's shlex.split(line,
// comments=True, posix=True) does, which is what Ansible uses: quotes group
// and are removed, a backslash escapes outside single quotes, and '#' starts
// a comment even in the middle of a word.
func shlexSplit(s string) ([]string, error) {
	const (
		stWS = iota
		stWord
		stSingle
		stDouble
		stEscape
	)
	var out []string
	var tok []byte
	quoted := false
	state := stWS
	escaped := stWord // state to return to after an escape
	emit := func() {
		if len(tok) > 0 || quoted {
			out = append(out, string(tok))
		}
		tok = tok[:0]
		quoted = false
	}
	isWS := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch state {
		case stWS, stWord:
			switch {
			case isWS(c):
				emit()
				state = stWS
			case c == '#':
				emit()
				return out, nil
			case c == '\'':
				state = stSingle
				quoted = true
			case c == '"':
				state = stDouble
				quoted = true
			case c == '\\':
				escaped = stWord
				state = stEscape
			default:
				tok = append(tok, c)
				state = stWord
			}
		case stSingle:
			if c == '\'' {
				state = stWord
			} else {
				tok = append(tok, c)
			}
		case stDouble:
			switch c {
			case '"':
				state = stWord
			case '\\':
				escaped = stDouble
				state = stEscape
			default:
				tok = append(tok, c)
			}
		case stEscape:
			if escaped == stDouble && c != '"' && c != '\\' {
				tok = append(tok, '\\')
			}
			tok = append(tok, c)
			state = escaped
		}
	}
	switch state {
	case stSingle, stDouble:
		return nil, errNoClosingQuote
	case stEscape:
		return nil, errNoEscapedChar
	}
	emit()
	return out, nil
}
