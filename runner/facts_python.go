package runner

import (
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

// pythonFactsScript reports the facts ansible's setup module takes from
// the Python that runs it (ansible_python, ansible_python_version), asked
// of interp, the host's ansible_python_interpreter, or else the python3
// ansible's interpreter discovery would find. A host without Python prints
// nothing and gets no such facts.
func pythonFactsScript(interp string) string {
	return `py=` + connection.Quote(interp) + `
if [ -z "$py" ]; then if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; else py=$(command -v python3 2>/dev/null); fi; fi
[ -n "$py" ] && "$py" -c '
import sys, platform
try:
    from ssl import create_default_context, SSLContext
    ssl = True
except ImportError:
    ssl = False
print("py.executable=" + sys.executable)
print("py.version_info=%d %d %d %s %d" % tuple(sys.version_info))
print("py.type=" + sys.implementation.name)
print("py.has_sslcontext=%d" % ssl)
print("py.python_version=" + platform.python_version())
' 2>/dev/null
`
}

// pythonInterpreter is the host's ansible_python_interpreter, unless it
// asks for discovery ("auto", "auto_silent", ...).
func pythonInterpreter(sc *scope) string {
	v, ok, err := sc.Lookup("ansible_python_interpreter")
	if !ok || err != nil {
		return ""
	}
	s := value.String(v)
	if strings.HasPrefix(s, "auto") {
		return ""
	}
	return s
}

// pythonFacts reads pythonFactsScript's lines into f as python and
// python_version, shaped as ansible's PythonFactCollector makes them.
func pythonFacts(kv map[string]string, f *value.Map) {
	fields := strings.Fields(kv["py.version_info"])
	if kv["py.executable"] == "" || len(fields) != 5 {
		return
	}
	info := make([]any, 5)
	for i, s := range fields {
		if n, err := strconv.Atoi(s); err == nil {
			info[i] = n
		} else {
			info[i] = s
		}
	}
	ver := value.NewMap(5)
	for i, k := range []string{"major", "minor", "micro", "releaselevel", "serial"} {
		ver.Set(k, info[i])
	}
	py := value.NewMap(5)
	py.Set("version", ver)
	py.Set("version_info", info)
	py.Set("executable", kv["py.executable"])
	py.Set("has_sslcontext", kv["py.has_sslcontext"] == "1")
	py.Set("type", kv["py.type"])
	f.Set("python", py)
	f.Set("python_version", kv["py.python_version"])
}
