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
	// around, when set, writes each warning: the job event sink marks
	// it as an event of its own (kind "warning" or "deprecated").
	around func(kind string, write func() error) error
}

// Around makes f write each warning the Warner prints from now on, given
// its kind ("warning", "deprecated") and the write itself.
func (wr *Warner) Around(f func(kind string, write func() error) error) {
	wr.mu.Lock()
	wr.around = f
	wr.mu.Unlock()
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
	return wr.print("deprecated", strings.TrimSpace(strings.Join(wrapKeepSpace(text, wr.columns), "\n")), colorDeprecate)
}

// Warn prints msg unless the same wrapped text was printed before.
func (wr *Warner) Warn(msg string) error {
	return wr.print("warning", strings.Join(wrapText("[WARNING]: "+msg, wr.columns), "\n"), colorWarn)
}

// WarnInWorker prints msg as a warning raised in one of ansible's
// worker processes (an action plugin's): the worker's copy of the texts
// already seen stops it, but it is not remembered, so the next task warns
// again.
func (wr *Warner) WarnInWorker(msg string) error {
	return wr.printed("warning", strings.Join(wrapText("[WARNING]: "+msg, wr.columns), "\n"), colorWarn, false)
}

// print writes a wrapped text once.
func (wr *Warner) print(kind, text, color string) error {
	return wr.printed(kind, text, color, true)
}

// printed writes a wrapped text unless seen, remembering it when asked.
// The lock is not held while writing: around may wait for a sink that is
// itself printing a warning.
func (wr *Warner) printed(kind, text, color string, remember bool) error {
	wr.mu.Lock()
	if wr.seen[text] {
		wr.mu.Unlock()
		return nil
	}
	if remember {
		wr.seen[text] = true
	}
	around := wr.around
	wr.mu.Unlock()
	if wr.color {
		text = colorLines(text, color)
	}
	write := func() error {
		_, err := io.WriteString(wr.w, replaceInvalid(text)+"\n")
		return err
	}
	if around != nil {
		return around(kind, write)
	}
	return write()
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
