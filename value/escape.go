package value

// SimpleEscape is the character Python's one-letter escape \c stands for
// (\\, \', \", \a, \b, \f, \n, \r, \t, \v); false for any other c.
func SimpleEscape(c byte) (byte, bool) {
	switch c {
	case '\\', '\'', '"':
		return c, true
	case 'a':
		return '\a', true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case 'v':
		return '\v', true
	}
	return 0, false
}
