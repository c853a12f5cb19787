package callback

import (
	"strings"
	"unicode"
)

// textWidth is the number of terminal columns s takes (wcswidth): wide
// East Asian characters take two, combining marks none.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case r == 0:
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == 0x200b:
		case isWide(r):
			w += 2
		default:
			w++
		}
	}
	return w
}

func isWide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115f || r == 0x2329 || r == 0x232a ||
		(r >= 0x2e80 && r <= 0xa4cf && r != 0x303f) ||
		(r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) ||
		(r >= 0xfe30 && r <= 0xfe6f) ||
		(r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) ||
		(r >= 0x1f300 && r <= 0x1f64f) ||
		(r >= 0x1f900 && r <= 0x1f9ff) ||
		(r >= 0x20000 && r <= 0x2fffd) ||
		(r >= 0x30000 && r <= 0x3fffd))
}

// BannerText is ansible's display.banner(msg) without cowsay or colour,
// its newline included: msg stripped, then stars to the terminal's width
// (max(79, width-1) columns, at least 3 stars).
func BannerText(msg string, width int) string {
	msg = strings.TrimSpace(msg)
	stars := max(max(79, width-1)-textWidth(msg), 3)
	return "\n" + msg + " " + strings.Repeat("*", stars) + "\n"
}
