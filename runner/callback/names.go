package callback

import (
	"io"
	"sort"
	"strings"
)

// stdoutNames maps every name Ansible users give a stdout callback
// (ansible.cfg stdout_callback, ANSIBLE_STDOUT_CALLBACK, --callback) to
// the one fjord knows it by. It is the only list of them: the CLI checks
// names against it and the engine builds the sink from it.
var stdoutNames = map[string]string{
	"default": "default", "ansible.builtin.default": "default",
	"json": "json", "ansible.posix.json": "json",
	"minimal": "minimal", "ansible.builtin.minimal": "minimal",
	"oneline": "oneline", "ansible.builtin.oneline": "oneline",
	"debug": "debug", "ansible.posix.debug": "debug",
	"yaml": "yaml", "community.general.yaml": "yaml",
	"skippy": "skippy", "ansible.posix.skippy": "skippy",
	"null": "null", "community.general.null": "null",
}

// StdoutName returns the canonical name of a stdout callback; "" is
// "default". ok is false for a callback fjord does not have.
func StdoutName(name string) (canonical string, ok bool) {
	if name == "" {
		return "default", true
	}
	canonical, ok = stdoutNames[strings.TrimSpace(name)]
	return canonical, ok
}

// StdoutNames lists the canonical names of the stdout callbacks fjord
// has, sorted.
func StdoutNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range stdoutNames {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// NewStdout returns the sink of the stdout callback called name (any name
// StdoutName takes; others get the default one), writing to w; opts are
// the default callback's.
func NewStdout(name string, w io.Writer, opts Options) Sink {
	canonical, _ := StdoutName(name)
	switch canonical {
	case "json":
		j := NewJSON(w).(*jsonSink)
		j.showCustom = opts.ShowCustomStats
		return j
	case "minimal":
		return NewMinimal(w, opts)
	case "oneline":
		return NewOneline(w, opts)
	case "debug":
		return NewDebug(w, opts)
	case "yaml":
		return NewYAML(w, opts)
	case "skippy":
		return NewSkippy(w, opts)
	case "null":
		return NewNull(w, opts)
	}
	return NewDefault(w, opts)
}
