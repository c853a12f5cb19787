package callback

// The default callback's messages beside results: a module's exception,
// its warnings and deprecations.

import (
	"strings"

	"github.com/fjord-run/fjord/value"
)

func (s *defaultSink) exception(m *value.Map) {
	exc, ok := m.Get("exception")
	if !ok {
		return
	}
	text := value.String(exc)
	msg := "An exception occurred during task execution. "
	if s.o.Verbosity < 3 {
		lines := strings.Split(strings.TrimSpace(text), "\n")
		msg += "To see the full traceback, use -vvv. The error was: " + lines[len(lines)-1]
	} else {
		msg = "The full traceback is:\n" + text
		m.Delete("exception")
	}
	s.display(s.failW(), msg, colorError)
}

func (s *defaultSink) warnings(m *value.Map) {
	if ws, ok := get(m, "warnings").([]any); ok && len(ws) > 0 {
		for _, w := range ws {
			s.Warn(value.String(w))
		}
		m.Delete("warnings")
	}
	if ds, ok := get(m, "deprecations").([]any); ok && len(ds) > 0 {
		for _, d := range ds {
			msg, version, date, coll := value.String(d), "", "", ""
			if dm, ok := d.(*value.Map); ok {
				msg = value.String(get(dm, "msg"))
				version, date, coll = optString(dm, "version"), optString(dm, "date"), optString(dm, "collection_name")
			}
			s.deprecated(deprecationText(msg, version, date, coll))
		}
		m.Delete("deprecations")
	}
}

// deprecationText is Display.get_deprecation_message for a deprecation
// a module returned: the collection it is removed from and when.
func deprecationText(msg, version, date, coll string) string {
	msg = strings.TrimSpace(msg)
	if msg != "" && !strings.ContainsAny(msg[len(msg)-1:], "!?.") {
		msg += "."
	}
	if coll == "ansible.builtin" {
		coll = "ansible-core"
	}
	parts := []string{"[DEPRECATION WARNING]: " + msg, "This feature will be removed"}
	if coll != "" {
		parts = append(parts, "from "+coll)
	}
	switch {
	case date != "":
		parts = append(parts, "in a release after "+date+".")
	case version != "":
		parts = append(parts, "in version "+version+".")
	default:
		parts = append(parts, "in a future release.")
	}
	return strings.Join(append(parts, "Deprecation warnings can be disabled by setting deprecation_warnings=False in ansible.cfg."), " ")
}

// optString is a result field as a string, "" when missing or null.
func optString(m *value.Map, k string) string {
	v, ok := m.Get(k)
	if !ok || v == nil {
		return ""
	}
	return value.String(v)
}

func (s *defaultSink) deprecated(text string) {
	// Display.deprecated: wrapped keeping spaces, printed stripped
	text = strings.TrimSpace(strings.Join(wrapKeepSpace(text, s.columns), "\n")) + "\n"
	if s.deprecations[text] {
		return
	}
	s.deprecations[text] = true
	s.display(s.errw, text, colorDeprecate)
}

const colorDeprecate = "0;35"
