package callback

import (
	"io"

	"github.com/fjord-run/fjord/value"
)

// NewDebug returns ansible.posix.debug (ANSIBLE_STDOUT_CALLBACK=debug):
// the default output, but every result it prints is indented and its
// stdout, stderr and msg follow it as text under their names.
func NewDebug(w io.Writer, o Options) Sink {
	s := NewDefault(w, o).(*defaultSink)
	s.dumper = func(m *value.Map) string { return debugDump(m, o.Verbosity) }
	return s
}

// debugOut are the keys the debug callback takes out of the JSON;
// debugShown those of them it prints after it, in this order.
var (
	debugOut   = []string{"stdout", "stdout_lines", "stderr", "stderr_lines", "msg", "module_stdout", "module_stderr"}
	debugShown = []string{"stdout", "stderr", "msg", "module_stdout", "module_stderr"}
)

func debugDump(m *value.Map, verbosity int) string {
	a, _ := value.DeepCopy(m).(*value.Map)
	for _, k := range debugOut {
		a.Delete(k)
	}
	out := dumpResult(a, verbosity, 4)
	for _, k := range debugShown {
		v, ok := m.Get(k)
		if !ok || !value.Truthy(v) {
			continue
		}
		text := value.String(v)
		switch v.(type) {
		case []any, *value.Map:
			// Python's %s of a list or dict is its repr
			text = value.Repr(v)
		}
		out += "\n\n" + upper(k) + ":\n\n" + text + "\n"
	}
	return out
}

func upper(k string) string {
	b := []byte(k)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
