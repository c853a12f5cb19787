package runner

import (
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// pythonFacts are the python and python_version facts, describing the
// host's python3 when it has one (a native module needs none; ansible's
// describe the interpreter its module ran with).
func pythonFacts(kv map[string]string, f *value.Map) {
	exe := kv["python_executable"]
	ver := strings.TrimSpace(strings.TrimPrefix(kv["python_version"], "Python "))
	if exe == "" || ver == "" {
		return
	}
	// "3.11.2", "3.13.0rc1": the numbers, then a release level.
	num, level, serial := ver, "final", 0
	for i, c := range ver {
		if c != '.' && (c < '0' || c > '9') {
			num = ver[:i]
			tail := ver[i:]
			for _, l := range [][2]string{{"rc", "candidate"}, {"b", "beta"}, {"a", "alpha"}} {
				if strings.HasPrefix(tail, l[0]) {
					level = l[1]
					serial, _ = strconv.Atoi(tail[len(l[0]):])
				}
			}
			break
		}
	}
	parts := strings.Split(num, ".")
	n := [3]int{}
	for i := 0; i < 3 && i < len(parts); i++ {
		n[i], _ = strconv.Atoi(parts[i])
	}
	v := value.NewMap(5)
	v.Set("major", n[0])
	v.Set("minor", n[1])
	v.Set("micro", n[2])
	v.Set("releaselevel", level)
	v.Set("serial", serial)
	py := value.NewMap(5)
	py.Set("executable", exe)
	py.Set("has_sslcontext", true)
	py.Set("type", "cpython")
	py.Set("version", v)
	py.Set("version_info", []any{n[0], n[1], n[2], level, serial})
	f.Set("python", py)
	f.Set("python_version", strconv.Itoa(n[0])+"."+strconv.Itoa(n[1])+"."+strconv.Itoa(n[2]))
}
