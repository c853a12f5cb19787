package callback

import (
	"io"
	"strings"

	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// NewYAML returns community.general.yaml (ANSIBLE_STDOUT_CALLBACK=yaml):
// the default output with results as YAML instead of JSON, changed and
// skipped first on the line, multi-line strings as literal blocks.
func NewYAML(w io.Writer, o Options) Sink {
	s := NewDefault(w, o).(*defaultSink)
	s.dumper = func(m *value.Map) string { return yamlDump(m, o.Verbosity) }
	return s
}

func yamlDump(m *value.Map, verbosity int) string {
	if c, ok := m.Get("censored"); ok && value.String(c) == CensoredMsg {
		return dumpJSON(value.MapOf("censored", CensoredMsg), jsonStyle{})
	}
	a, _ := value.DeepCopy(m).(*value.Map)
	stripInternal(a, nil)
	if verbosity < 3 {
		a.Delete("invocation")
		a.Delete("diff")
	}
	a.Delete("exception")
	var b strings.Builder
	for _, k := range []string{"changed", "skipped"} {
		if v, ok := a.Get(k); ok {
			// Python's str(v).lower()
			text := strings.ToLower(value.String(v))
			if bv, isBool := v.(bool); isBool {
				text = map[bool]string{true: "true", false: "false"}[bv]
			}
			b.WriteString(k + "=" + text + " ")
			a.Delete(k)
		}
	}
	for _, k := range []string{"stdout", "stderr"} {
		if _, ok := a.Get(k); ok {
			if _, ok := a.Get(k + "_lines"); ok {
				a.Set(k+"_lines", "<omitted>")
			}
		}
	}
	if a.Len() > 0 {
		y, err := templates.CallbackYAML(a)
		if err != nil {
			y = dumpResult(a, verbosity, 4)
		}
		b.WriteString("\n" + y)
	}
	return strings.TrimRightFunc(strings.Join(strings.Split(b.String(), "\n"), "\n  "), func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t'
	})
}
