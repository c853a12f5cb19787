package value

import "errors"

// The errors Python's shlex raises, in its words.
var (
	ErrNoClosingQuote = errors.New("No closing quotation")
	ErrNoEscapedChar  = errors.New("No escaped character")
)

// ShlexSplit splits s into words as Python's shlex.split(s, comments,
// posix=True) does: quotes group and are removed, a backslash escapes any
// character outside quotes but only '"' and '\' inside double quotes, and
// with comments a '#' ends the line, even in the middle of a word. Ansible
// splits command and script arguments this way (comments false) and INI
// inventory lines (comments true).
func ShlexSplit(s string, comments bool) ([]string, error) {
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
			case c == '#' && comments:
				emit()
				state = stWS
				for i+1 < len(s) && s[i+1] != '\n' {
					i++
				}
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
		return nil, ErrNoClosingQuote
	case stEscape:
		return nil, ErrNoEscapedChar
	}
	emit()
	return out, nil
}
