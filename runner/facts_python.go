package runner

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

// pythonFactsScript asks the host's Python (ansible_python_interpreter,
// else python3 on PATH) what ansible's setup module reports of the
// interpreter it runs under; a host without one reports nothing.
func pythonFactsScript(interp string) string {
	if interp == "" || strings.HasPrefix(interp, "auto") {
		interp = `"$(command -v python3 2>/dev/null)"`
	} else {
		interp = connection.Quote(interp)
	}
	return "\npy=" + interp + "\n" +
		`[ -n "$py" ] && "$py" -c 'import sys; print("py.executable=" + sys.executable); print("py.version=%d|%d|%d|%s|%d" % tuple(sys.version_info))' 2>/dev/null` + "\n"
}

// parsePythonFacts reads pythonFactsScript's lines into ansible_python
// and ansible_python_version.
func parsePythonFacts(out []byte, f *value.Map) {
	var exe, ver string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "py.executable":
			exe = v
		case "py.version":
			ver = v
		}
	}
	parts := strings.Split(ver, "|")
	if len(parts) != 5 {
		return
	}
	n := func(s string) int { i, _ := strconv.Atoi(s); return i }
	vm := value.NewMap(5)
	vm.Set("major", n(parts[0]))
	vm.Set("minor", n(parts[1]))
	vm.Set("micro", n(parts[2]))
	vm.Set("releaselevel", parts[3])
	vm.Set("serial", n(parts[4]))
	py := value.NewMap(5)
	py.Set("executable", exe)
	py.Set("has_sslcontext", true)
	py.Set("type", "cpython")
	py.Set("version", vm)
	py.Set("version_info", []any{n(parts[0]), n(parts[1]), n(parts[2]), parts[3], n(parts[4])})
	f.Set("python", py)
	f.Set("python_version", parts[0]+"."+parts[1]+"."+parts[2])
}
