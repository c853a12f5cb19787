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
	l := shlexer{comments: comments, state: stWS}
	for i := 0; i < len(s); i++ {
		switch l.state {
		case stWS, stWord:
			i = l.unquoted(s, i)
		case stSingle:
			l.single(s[i])
		case stDouble:
			l.double(s[i])
		case stEscape:
			l.escape(s[i])
		}
	}
	switch l.state {
	case stSingle, stDouble:
		return nil, ErrNoClosingQuote
	case stEscape:
		return nil, ErrNoEscapedChar
	}
	l.emit()
	return l.out, nil
}

// The states of shlex's reader.
const (
	stWS = iota
	stWord
	stSingle
	stDouble
	stEscape
)

// shlexer is ShlexSplit's state between characters.
type shlexer struct {
	comments bool
	out      []string
	tok      []byte
	quoted   bool // the token had quotes, so "" is a word
	state    int
	escaped  int // the state to return to after an escape
}

// emit ends the token, if there is one.
func (l *shlexer) emit() {
	if len(l.tok) > 0 || l.quoted {
		l.out = append(l.out, string(l.tok))
	}
	l.tok = l.tok[:0]
	l.quoted = false
}

func isShlexSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// unquoted reads s[i] outside quotes and returns the index of the last
// character it consumed (a comment runs to the end of the line).
func (l *shlexer) unquoted(s string, i int) int {
	c := s[i]
	switch {
	case isShlexSpace(c):
		l.emit()
		l.state = stWS
	case c == '#' && l.comments:
		l.emit()
		l.state = stWS
		for i+1 < len(s) && s[i+1] != '\n' {
			i++
		}
	case c == '\'':
		l.state = stSingle
		l.quoted = true
	case c == '"':
		l.state = stDouble
		l.quoted = true
	case c == '\\':
		l.escaped = stWord
		l.state = stEscape
	default:
		l.tok = append(l.tok, c)
		l.state = stWord
	}
	return i
}

// single reads c inside single quotes, where nothing is special but the
// closing quote.
func (l *shlexer) single(c byte) {
	if c == '\'' {
		l.state = stWord
	} else {
		l.tok = append(l.tok, c)
	}
}

// double reads c inside double quotes.
func (l *shlexer) double(c byte) {
	switch c {
	case '"':
		l.state = stWord
	case '\\':
		l.escaped = stDouble
		l.state = stEscape
	default:
		l.tok = append(l.tok, c)
	}
}

// escape reads the character after a backslash: inside double quotes a
// backslash escapes only '"' and itself and is kept before anything else.
func (l *shlexer) escape(c byte) {
	if l.escaped == stDouble && c != '"' && c != '\\' {
		l.tok = append(l.tok, '\\')
	}
	l.tok = append(l.tok, c)
	l.state = l.escaped
}
