package callback

import (
	"strings"
	"unicode"
)

// wrapText is Python's textwrap.wrap(text, width) with its defaults, which
// Ansible's Display.warning and deprecated use: tabs expand to 8 columns,
// every whitespace character becomes a space (runs are kept, so "\n\n"
// inside a message shows as two spaces), lines break between chunks or
// after a hyphen inside a word, whitespace at line ends is dropped, and a
// chunk longer than a line is cut. Widths count code points, as Python's
// len does.
func wrapText(text string, width int) []string { return wrap(text, width, true) }

// wrapKeepSpace is textwrap.wrap(text, width, drop_whitespace=False),
// which Display.deprecated uses: the spaces at a break stay, at the end
// of one line or the start of the next.
func wrapKeepSpace(text string, width int) []string { return wrap(text, width, false) }

func wrap(text string, width int, drop bool) []string {
	chunks := splitChunks([]rune(mungeWhitespace(text)))
	var lines []string
	for len(chunks) > 0 {
		if drop && len(lines) > 0 && isSpaceChunk(chunks[0]) {
			chunks = chunks[1:]
		}
		var cur [][]rune
		curLen := 0
		for len(chunks) > 0 && curLen+len(chunks[0]) <= width {
			cur = append(cur, chunks[0])
			curLen += len(chunks[0])
			chunks = chunks[1:]
		}
		if len(chunks) > 0 && len(chunks[0]) > width {
			head, rest := cutLongChunk(chunks[0], max(width-curLen, 1))
			cur = append(cur, head)
			chunks[0] = rest
		}
		if drop && len(cur) > 0 && isSpaceChunk(cur[len(cur)-1]) {
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			var b strings.Builder
			for _, c := range cur {
				b.WriteString(string(c))
			}
			lines = append(lines, b.String())
		}
	}
	return lines
}

// mungeWhitespace is str.expandtabs(8) followed by turning each of
// "\t\n\v\f\r" into a space.
func mungeWhitespace(s string) string {
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case '\n', '\r':
			b.WriteByte(' ')
			col = 0
		case '\v', '\f':
			b.WriteByte(' ')
			col++
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

// cutLongChunk splits a chunk that does not fit: after the last hyphen
// that fits, if something other than hyphens comes before it, else at
// the space left.
func cutLongChunk(c []rune, spaceLeft int) (head, rest []rune) {
	end := spaceLeft
	if len(c) > spaceLeft {
		hyphen := -1
		for i := spaceLeft - 1; i >= 0; i-- {
			if c[i] == '-' {
				hyphen = i
				break
			}
		}
		if hyphen > 0 {
			for _, r := range c[:hyphen] {
				if r != '-' {
					end = hyphen + 1
					break
				}
			}
		}
	}
	end = min(end, len(c))
	return c[:end], c[end:]
}

func isSpaceChunk(c []rune) bool {
	for _, r := range c {
		if r != ' ' {
			return false
		}
	}
	return true
}

// splitChunks cuts munged text into textwrap's chunks: runs of spaces,
// em-dashes ("--" between words) and words, a word ending after a hyphen
// that joins letters ("well-known" is "well-" and "known").
func splitChunks(s []rune) [][]rune {
	var out [][]rune
	for i := 0; i < len(s); {
		j := i + 1
		switch {
		case s[i] == ' ':
			for j < len(s) && s[j] == ' ' {
				j++
			}
		case i > 0 && isWordPunct(s[i-1]) && emDashAt(s, i):
			for j < len(s) && s[j] == '-' {
				j++
			}
		default:
			j = wordEnd(s, i)
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// wordEnd is where the word starting at i ends: at a space or the end,
// after a hyphen between letters, or before an em-dash.
func wordEnd(s []rune, i int) int {
	for j := i + 1; ; j++ {
		if j >= len(s) || s[j] == ' ' {
			return j
		}
		if s[j] == '-' && hyphenBreaks(s, j) {
			return j + 1
		}
		if isWordPunct(s[j-1]) && emDashAt(s, j) {
			return j
		}
	}
}

// hyphenBreaks reports whether a line may break after the hyphen at j:
// two letters (or letter-hyphen-letter) before it, and letter, optional
// hyphen, letter after it.
func hyphenBreaks(s []rune, j int) bool {
	at := func(k int) rune {
		if k < 0 || k >= len(s) {
			return 0
		}
		return s[k]
	}
	before := (isLetter(at(j-2)) && isLetter(at(j-1))) ||
		(isLetter(at(j-3)) && at(j-2) == '-' && isLetter(at(j-1)))
	after := isLetter(at(j+1)) && (isLetter(at(j+2)) || (at(j+2) == '-' && isLetter(at(j+3))))
	return before && after
}

// emDashAt reports two or more hyphens at i followed by a word character.
func emDashAt(s []rune, i int) bool {
	j := i
	for j < len(s) && s[j] == '-' {
		j++
	}
	return j-i >= 2 && j < len(s) && isWordChar(s[j])
}

// isWordChar is Python's \w: alphanumerics and underscore.
func isWordChar(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isLetter is textwrap's [^\d\W]: a word character that is not a digit.
func isLetter(r rune) bool {
	return isWordChar(r) && !unicode.Is(unicode.Nd, r)
}

func isWordPunct(r rune) bool {
	return isWordChar(r) || strings.ContainsRune(`!"'&.,?`, r)
}
