package callback

import (
	"strings"

	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// formatDump is CallbackBase._dump_results under the default callback's
// result_format (json or yaml) and pretty_results options (unset: pretty
// for yaml only): indented by 4 when verbose, pretty or yaml, on one
// line when pretty_results is false.
func formatDump(m *value.Map, verbosity int, format string, pretty *bool) string {
	yaml := format == "yaml"
	indent := 0
	if value.Truthy(get(m, "_ansible_verbose_always")) || pretty == nil && yaml || pretty != nil && *pretty || verbosity > 2 {
		indent = 4
	}
	if pretty != nil && !*pretty {
		indent = 0
	}
	a, _ := value.DeepCopy(m).(*value.Map)
	stripInternal(a, nil)
	if verbosity < 3 {
		a.Delete("invocation")
		a.Delete("diff")
	}
	a.Delete("exception")
	if !yaml {
		return dumpJSON(a, jsonStyle{indent: indent, sortKeys: true}) // indent 0 is one line (None)
	}
	lossy := pretty == nil || *pretty
	if lossy {
		for _, k := range []string{"stdout", "stderr"} {
			if _, ok := a.Get(k); ok {
				if _, ok := a.Get(k + "_lines"); ok {
					a.Set(k+"_lines", "<omitted>")
				}
			}
		}
	}
	// PyYAML's indent=None is 2; the text is shifted by the indent, or 4.
	yi, shift := indent, indent
	if indent == 0 {
		yi, shift = 2, 4
	}
	y, err := templates.ResultYAML(a, yi, lossy)
	if err != nil {
		return dumpResult(m, verbosity, 4)
	}
	// textwrap.indent: lines holding only whitespace are not shifted
	lines := strings.SplitAfter(y, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = strings.Repeat(" ", shift) + l
		}
	}
	return "\n" + strings.Join(lines, "")
}
