package callback

import (
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// Warner prints "[WARNING]: ..." as Ansible's Display.warning does:
// wrapped to the terminal width, coloured, each distinct text once. The
// engine and the default callback share one, because Ansible has one
// Display: a pattern warned about while applying --limit is not warned
// about again when a play evaluates the limit.
type Warner struct {
	w       io.Writer
	color   bool
	columns int

	mu   sync.Mutex
	seen map[string]bool
}

// NewWarner returns a Warner writing to w (stderr); width is the terminal
// width, 0 when not a terminal.
func NewWarner(w io.Writer, color bool, width int) *Warner {
	return &Warner{w: w, color: color, columns: max(79, width-1), seen: map[string]bool{}}
}

// Deprecated prints a deprecation warning, once, in Display.deprecated's
// words: the feature goes in ansible-core version.
func (wr *Warner) Deprecated(msg, version string) error {
	text := "[DEPRECATION WARNING]: " + strings.TrimSpace(msg) + ". This feature will be removed in version " + version +
		". Deprecation warnings can be disabled by setting deprecation_warnings=False in ansible.cfg."
	// Display.deprecated wraps keeping the spaces at breaks and strips
	// the whole; Display.warning drops them.
	return wr.print(strings.TrimSpace(strings.Join(wrapKeepSpace(text, wr.columns), "\n")), colorDeprecate)
}

// Warn prints msg unless the same wrapped text was printed before.
func (wr *Warner) Warn(msg string) error {
	return wr.print(strings.Join(wrapText("[WARNING]: "+msg, wr.columns), "\n"), colorWarn)
}

// WarnInWorker prints msg as a warning raised in one of ansible's
// worker processes (an action plugin's): the worker's copy of the texts
// already seen stops it, but it is not remembered, so the next task warns
// again.
func (wr *Warner) WarnInWorker(msg string) error {
	return wr.printed(strings.Join(wrapText("[WARNING]: "+msg, wr.columns), "\n"), colorWarn, false)
}

// print writes a wrapped text once.
func (wr *Warner) print(text, color string) error {
	return wr.printed(text, color, true)
}

func (wr *Warner) printed(text, color string, remember bool) error {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if wr.seen[text] {
		return nil
	}
	if remember {
		wr.seen[text] = true
	}
	if wr.color {
		text = colorLines(text, color)
	}
	_, err := io.WriteString(wr.w, replaceInvalid(text)+"\n")
	return err
}

// replaceInvalid turns each byte that is not UTF-8 into '?'. Ansible holds
// such a byte as a lone surrogate (surrogateescape) and writes stdout and
// stderr with errors='replace', so a host "h\xff2" shows as "h?2".
func replaceInvalid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteByte('?')
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// colorLines wraps each line of text in an SGR colour, as Display.display
// does, so that a colour never spans a newline.
func colorLines(text, color string) string {
	parts := strings.Split(text, "\n")
	for i, p := range parts {
		parts[i] = "\033[" + color + "m" + p + "\033[0m"
	}
	return strings.Join(parts, "\n")
}
