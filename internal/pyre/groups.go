package pyre

import (
	"strconv"
	"strings"
)

// pythonGroups rewrites a pattern for the backtracking engine so that its
// groups are numbered as Python numbers them. regexp2 (like .NET) numbers
// named groups after all unnamed ones, so in `(?P<k>\w+)=(\d+)` Python's
// group 2 would be regexp2's group 1. Every (?P<name>...) becomes a plain
// group, every (?P=name) a numbered backreference, and the names are kept
// here for SubexpIndex. Escapes and character classes are copied as they
// are.
func pythonGroups(pat string) (string, map[string]int) {
	if !strings.Contains(pat, "(?P") {
		return pat, nil
	}
	var b strings.Builder
	names := map[string]int{}
	n := 0
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '\\' && i+1 < len(pat):
			b.WriteString(pat[i : i+2])
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			// A ']' first in the class (after an optional '^') is literal.
			j := i + 1
			if j < len(pat) && pat[j] == '^' {
				j++
			}
			if j < len(pat) && pat[j] == ']' {
				b.WriteString(pat[i : j+1])
				i = j
				continue
			}
		case c == '(' && strings.HasPrefix(pat[i:], "(?P<"):
			if end := strings.IndexByte(pat[i:], '>'); end > 0 {
				n++
				names[pat[i+4:i+end]] = n
				b.WriteByte('(')
				i += end
				continue
			}
		case c == '(' && strings.HasPrefix(pat[i:], "(?P="):
			if end := strings.IndexByte(pat[i:], ')'); end > 0 {
				if g, ok := names[pat[i+4:i+end]]; ok {
					// (?:\N) so that a digit after it is not read as
					// part of the number.
					b.WriteString(`(?:\` + strconv.Itoa(g) + `)`)
					i += end
					continue
				}
			}
		case c == '(' && (i+1 >= len(pat) || pat[i+1] != '?'):
			n++
		}
		b.WriteByte(c)
	}
	return b.String(), names
}
