package external

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// pythonFallback is ansible-core's INTERPRETER_PYTHON_FALLBACK: the
// interpreters discovery looks for, in order.
var pythonFallback = []string{"python3.11", "python3.10", "python3.9", "python3.8", "python3.7", "python3.6",
	"python3.5", "/usr/bin/python3", "/usr/libexec/platform-python", "python2.7", "/usr/bin/python", "python"}

// distroPython is _INTERPRETER_PYTHON_DISTRO_MAP: the platform python of
// a distribution by version.
var distroPython = map[string]map[string]string{
	"redhat": {"6": "/usr/bin/python", "8": "/usr/libexec/platform-python", "9": "/usr/bin/python3"},
	"debian": {"8": "/usr/bin/python", "10": "/usr/bin/python3"},
	"fedora": {"23": "/usr/bin/python3"},
	"ubuntu": {"14": "/usr/bin/python", "16": "/usr/bin/python3"},
}

const discoveryDoc = "https://docs.ansible.com/ansible-core/2.14/reference_appendices/interpreter_discovery.html"

// interpreter is the shebang interpreter a module runs with, as
// module_common's _get_shebang chooses it: for "python",
// ansible_python_interpreter, else the discovered one; for another name,
// ansible_NAME_interpreter; else the shebang's own.
type interpreter struct {
	Path string
	// Discovered is set when discovery ran: the task's result carries
	// it as ansible_facts.discovered_interpreter_python, with Warnings.
	Discovered bool
	Warnings   []string
	// Missing is set when discovery found no Python on the host.
	Missing []string
}

// DiscoverPython runs ansible's interpreter discovery for env's host
// where a Python module would (no ansible_python_interpreter but "auto",
// none discovered yet): for a native module whose ansible counterpart is
// a Python module, so that its result carries
// ansible_facts.discovered_interpreter_python as ansible's does. ok is
// false when no discovery ran; warnings are discovery's own.
func DiscoverPython(ctx context.Context, env *modules.Env) (path string, warnings []string, ok bool, err error) {
	in, err := chooseInterpreter(ctx, env, "/usr/bin/python")
	if err != nil || !in.Discovered {
		return "", nil, false, err
	}
	return in.Path, in.Warnings, true, nil
}

func chooseInterpreter(ctx context.Context, env *modules.Env, interp string) (*interpreter, error) {
	name := strings.TrimSpace(path.Base(interp))
	if v, ok := envVar(env, "ansible_"+name+"_interpreter"); ok {
		if s := strings.TrimSpace(value.String(v)); s != "" && !isAuto(s) {
			return &interpreter{Path: s}, nil
		}
	}
	if name != "python" {
		return &interpreter{Path: interp}, nil
	}
	if f, ok := envVar(env, "ansible_facts"); ok {
		if m, ok := f.(value.Getter); ok {
			if d, ok := m.Get("discovered_interpreter_python"); ok && value.String(d) != "" {
				return &interpreter{Path: value.String(d)}, nil
			}
		}
	}
	silent := false
	if v, ok := envVar(env, "ansible_python_interpreter"); ok {
		silent = strings.HasSuffix(value.String(v), "_silent")
	}
	return discover(ctx, env, silent)
}

func isAuto(s string) bool {
	switch s {
	case "auto", "auto_legacy", "auto_silent", "auto_legacy_silent":
		return true
	}
	return false
}

func envVar(env *modules.Env, name string) (any, bool) {
	if env.Var == nil {
		return nil, false
	}
	return env.Var(name)
}

// discover is interpreter_discovery's "auto" mode, in one round trip:
// the platform, the interpreters found on PATH, and /etc/os-release.
func discover(ctx context.Context, env *modules.Env, silent bool) (*interpreter, error) {
	res, err := connection.Which(ctx, env.Conn, pythonFallback)
	if err != nil {
		return nil, err
	}
	platform, found, osRelease := parseDiscovery(string(res.Stdout))
	in := &interpreter{Path: "/usr/bin/python", Discovered: true}
	warn := func(f string, a ...any) {
		if !silent {
			in.Warnings = append(in.Warnings, fmt.Sprintf(f, a...))
		}
	}
	if len(found) == 0 {
		warn("No python interpreters found for host %s (tried %s)", env.Host, pyList(pythonFallback))
		in.Missing = pythonFallback
		return in, nil
	}
	in.Path = found[0]
	if platform == "linux" {
		distro, version := osRelease["ID"], osRelease["VERSION_ID"]
		vm := distroPython[distro]
		if vm == nil {
			for _, like := range strings.Fields(osRelease["ID_LIKE"]) {
				if vm = distroPython[like]; vm != nil {
					break
				}
			}
		}
		if distro != "" && version != "" && vm != nil {
			want := fuzzyVersion(version, vm)
			for _, f := range found {
				if f == want {
					in.Path = want
					return in, nil
				}
			}
			warn("Distribution %s %s on host %s should use %s, but is using %s, since the discovered platform python interpreter was not present. See %s for more information.",
				distro, version, env.Host, want, found[0], discoveryDoc)
			return in, nil
		}
	}
	warn("Platform %s on host %s is using the discovered Python interpreter at %s, but future installation of another Python interpreter could change the meaning of that path. See %s for more information.",
		platform, env.Host, found[0], discoveryDoc)
	return in, nil
}

func parseDiscovery(out string) (platform string, found []string, osRelease map[string]string) {
	osRelease = map[string]string{}
	state := ""
	for _, l := range strings.Split(out, "\n") {
		switch strings.TrimSpace(l) {
		case "PLATFORM", "FOUND", "ENDFOUND":
			state = strings.TrimSpace(l)
			continue
		}
		switch state {
		case "PLATFORM":
			platform = strings.ToLower(strings.TrimSpace(l))
			state = ""
		case "FOUND":
			if strings.HasPrefix(l, "/") {
				found = append(found, strings.TrimSpace(l))
			}
		case "ENDFOUND":
			if k, v, ok := strings.Cut(l, "="); ok {
				if u, err := strconv.Unquote(v); err == nil {
					v = u
				} else {
					v = strings.Trim(v, `'"`)
				}
				osRelease[k] = v
			}
		}
	}
	return platform, found, osRelease
}

// fuzzyVersion is _version_fuzzy_match: the exact version's entry, else
// that of the newest version older than it, else the oldest.
func fuzzyVersion(version string, m map[string]string) string {
	if p, ok := m[version]; ok {
		return p
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return looseLess(keys[i], keys[j]) })
	best := keys[0]
	for _, k := range keys {
		if !looseLess(version, k) {
			best = k
		}
	}
	return m[best]
}

// looseLess compares dotted versions numerically where both parts are
// numbers (LooseVersion, enough for the map's keys).
func looseLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, e1 := strconv.Atoi(pa[i])
		y, e2 := strconv.Atoi(pb[i])
		if e1 != nil || e2 != nil {
			if pa[i] != pb[i] {
				return pa[i] < pb[i]
			}
			continue
		}
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// pyList formats a list of strings as Python's repr does.
func pyList(s []string) string {
	q := make([]string, len(s))
	for i, e := range s {
		q[i] = "'" + e + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}
