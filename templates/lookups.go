package templates

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/value"
)

var globals map[string]any

func init() {
	globals = map[string]any{
		"range":       callable(gRange),
		"lookup":      callable(func(s *state, a []any, k map[string]any) (any, error) { return s.lookup(a, k, false) }),
		"query":       callable(func(s *state, a []any, k map[string]any) (any, error) { return s.lookup(a, k, true) }),
		"q":           callable(func(s *state, a []any, k map[string]any) (any, error) { return s.lookup(a, k, true) }),
		"namespace":   callable(gNamespace),
		"now":         callable(gNow),
		splatGlobal:   callable(gSplat),
		kwSplatGlobal: callable(gKwSplat),
		"dict":        callable(gDict),
		"undef": callable(func(s *state, a []any, k map[string]any) (any, error) {
			hint := argStr(a, k, 0, "hint", "")
			if hint == "" {
				hint = "Mandatory variable has not been overridden"
			}
			return &undefined{&UndefinedError{Hint: hint}}, nil
		}),
	}
}

func gRange(s *state, args []any, kw map[string]any) (any, error) {
	var nums []int
	for _, a := range args {
		n, ok := asInt(plain(a))
		if !ok {
			return nil, fmt.Errorf("range() integer argument expected, got %s", typeName(a))
		}
		nums = append(nums, n)
	}
	start, stop, step := 0, 0, 1
	switch len(nums) {
	case 1:
		stop = nums[0]
	case 2:
		start, stop = nums[0], nums[1]
	case 3:
		start, stop, step = nums[0], nums[1], nums[2]
	default:
		return nil, fmt.Errorf("range expected 1 to 3 arguments")
	}
	if step == 0 {
		return nil, fmt.Errorf("range() arg 3 must not be zero")
	}
	out := []any{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		if len(out) >= 1000000 {
			return nil, fmt.Errorf("range too big")
		}
		out = append(out, i)
	}
	return out, nil
}

func gNamespace(s *state, args []any, kw map[string]any) (any, error) {
	m := value.NewMap(len(kw))
	for _, a := range args {
		if g, ok := asMapping(a); ok {
			om := toOrderedMap(g)
			for _, k := range om.Keys() {
				v, _ := om.Get(k)
				m.Set(k, v)
			}
		}
	}
	for _, k := range sortedKeys(kw) {
		m.Set(k, kw[k])
	}
	return &namespace{m: m}, nil
}

func gDict(s *state, args []any, kw map[string]any) (any, error) {
	m := value.NewMap(len(kw))
	if len(args) > 0 {
		d, err := fDict(s, args[0], nil, nil)
		if err != nil {
			return nil, err
		}
		m = d.(*value.Map)
	}
	for _, k := range sortedKeys(kw) {
		m.Set(k, kw[k])
	}
	return m, nil
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

type lookupFunc func(s *state, terms []any, kw map[string]any) ([]any, error)

var lookups map[string]lookupFunc

func init() {
	lookups = map[string]lookupFunc{
		"env":                 lkEnv,
		"file":                lkFile,
		"template":            lkTemplate,
		"lines":               lkLines,
		"pipe":                lkPipe,
		"vars":                lkVars,
		"first_found":         lkFirstFound,
		"fileglob":            lkFileglob,
		"items":               lkItems,
		"list":                func(s *state, t []any, k map[string]any) ([]any, error) { return t, nil },
		"dict":                lkDict,
		"sequence":            lkSequence,
		"indexed_items":       lkIndexed,
		"together":            lkTogether,
		"nested":              lkNested,
		"varnames":            lkVarnames,
		"config":              lkConfig,
		"password":            lkPassword,
		"ini":                 lkIni,
		"csvfile":             lkCSVFile,
		"subelements":         lkSubelements,
		"random_choice":       lkRandomChoice,
		"inventory_hostnames": lkInventoryHostnames,
	}
}

// HasLookup says there is a lookup plugin of that name (a with_X loop).
func HasLookup(name string) bool {
	_, ok := lookups[LookupName(name)]
	return ok
}

// LookupName is the name a lookup plugin goes by here: without
// ansible.builtin. or ansible.legacy., and the community.general lookups
// that ansible-core 2.14's own short names redirect to (its
// ansible_builtin_runtime.yml) by those short names, which fjord
// implements.
func LookupName(name string) string {
	name = strings.TrimPrefix(strings.TrimPrefix(name, "ansible.builtin."), "ansible.legacy.")
	if short, ok := strings.CutPrefix(name, "community.general."); ok && redirectedLookups[short] {
		return short
	}
	return name
}

var redirectedLookups = map[string]bool{"flattened": true, "cartesian": true}

// lookup is Ansible's lookup()/query(): lookup joins a list result with
// commas unless wantlist=True.
func (s *state) lookup(args []any, kw map[string]any, wantList bool) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("lookup() requires a plugin name")
	}
	name, _ := toStr(args[0])
	name = LookupName(name)
	f, ok := lookups[name]
	if !ok {
		return nil, fmt.Errorf("lookup plugin (%s) not found", name)
	}
	opts := map[string]any{}
	for k, v := range kw {
		if k == "wantlist" {
			wantList = wantList || value.Truthy(v)
			continue
		}
		opts[k] = v
	}
	errorsMode := "strict"
	if v, ok := opts["errors"]; ok {
		errorsMode, _ = toStr(v)
		delete(opts, "errors")
	}
	allowUnsafe := false
	if v, ok := opts["allow_unsafe"]; ok {
		allowUnsafe = value.Truthy(v)
		delete(opts, "allow_unsafe")
	}
	terms := make([]any, len(args)-1)
	for i, t := range args[1:] {
		if u, ok := t.(*undefined); ok {
			return nil, u.err
		}
		var err error
		if terms[i], err = s.templateTerm(t); err != nil {
			return nil, err
		}
	}
	res, err := f(s, terms, opts)
	if err != nil {
		le := asLookupError(name, err)
		// warn and ignore forgive what the plugin raised itself, not
		// bad options or an undefined variable.
		if (errorsMode != "warn" && errorsMode != "ignore") || le.Class == "AnsibleOptionsError" || le.Class == "AnsibleUndefinedVariable" {
			return nil, le
		}
		if wantList {
			return []any{}, nil
		}
		return nil, nil
	}
	if allowUnsafe {
		return res, nil
	}
	return s.lookupResult(res, wantList), nil
}

// templateTerm templates a term as ansible's listify_lookup_plugin_terms
// does: a string holding a template ('{{ role_path }}/x'), in a list too;
// unsafe strings (with_X gives its rendered terms so) stay as they are.
func (s *state) templateTerm(t any) (any, error) {
	switch x := t.(type) {
	case string:
		if IsTemplate(x) {
			return s.e.Render(x, s.vars)
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := s.templateTerm(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return t, nil
}

// lookupResult is what lookup() and query() give for a plugin's list: an
// empty list as it is, else the list marked unsafe (the render that
// read it is unsafe too), or for lookup() without wantlist the strings
// joined with commas (one non-string element alone, several as the list).
func (s *state) lookupResult(res []any, wantList bool) any {
	if len(res) == 0 {
		return []any{}
	}
	s.unsafe = true
	if wantList {
		return value.MarkUnsafe(res)
	}
	parts := make([]string, len(res))
	for i, r := range res {
		str, ok := asString(r)
		if !ok {
			if len(res) == 1 {
				return value.MarkUnsafe(res[0])
			}
			return value.MarkUnsafe(res)
		}
		parts[i] = str
	}
	return value.Unsafe(strings.Join(parts, ","))
}

func termStrings(terms []any) []string {
	var out []string
	for _, t := range terms {
		if l, ok := t.([]any); ok {
			out = append(out, termStrings(l)...)
			continue
		}
		s, _ := toStr(t)
		out = append(out, s)
	}
	return out
}

func lkEnv(s *state, terms []any, kw map[string]any) ([]any, error) {
	var out []any
	for _, t := range termStrings(terms) {
		v, ok := os.LookupEnv(t)
		if !ok {
			if d, has := kw["default"]; has {
				out = append(out, d)
				continue
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *state) searchPaths(kind string) []string {
	if sp, ok := s.vars.(SearchPather); ok {
		return sp.SearchPaths(kind)
	}
	return nil
}

// findFile resolves name against the search paths: for kind "files" each
// dir and its files/ subdir, likewise for templates.
func (s *state) findFile(kind, name string) (string, bool) {
	name = expandUser(name)
	if filepath.IsAbs(name) {
		_, err := os.Stat(name)
		return name, err == nil
	}
	for _, d := range s.searchPaths(kind) {
		for _, p := range []string{filepath.Join(d, name), filepath.Join(d, kind, name)} {
			if _, err := os.Stat(p); err == nil {
				return p, true
			}
		}
	}
	if _, err := os.Stat(name); err == nil {
		return name, true
	}
	return "", false
}

func lkFile(s *state, terms []any, kw map[string]any) ([]any, error) {
	var out []any
	rstrip := argBool(nil, kw, -1, "rstrip", true)
	lstrip := argBool(nil, kw, -1, "lstrip", false)
	for _, t := range termStrings(terms) {
		p, ok := s.findFile("files", t)
		if !ok {
			return nil, fmt.Errorf("could not locate file in lookup: %s", t)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		c := string(b)
		if rstrip {
			c = strings.TrimRight(c, " \t\r\n\v\f")
		}
		if lstrip {
			c = strings.TrimLeft(c, " \t\r\n\v\f")
		}
		out = append(out, c)
	}
	return out, nil
}

func lkLines(s *state, terms []any, kw map[string]any) ([]any, error) {
	var out []any
	for _, t := range termStrings(terms) {
		res, err := runShell(t)
		if err != nil {
			return nil, err
		}
		for _, l := range strings.Split(strings.TrimRight(res, "\n"), "\n") {
			if l != "" || res != "" {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

func runShell(cmd string) (string, error) {
	c := exec.Command("/bin/sh", "-c", cmd)
	b, err := c.Output()
	if err != nil {
		return "", fmt.Errorf("lookup_plugin.pipe(%s) returned %v", cmd, err)
	}
	return string(b), nil
}

func lkPipe(s *state, terms []any, kw map[string]any) ([]any, error) {
	var out []any
	for _, t := range termStrings(terms) {
		r, err := runShell(t)
		if err != nil {
			return nil, err
		}
		out = append(out, strings.TrimRight(r, "\n"))
	}
	return out, nil
}

func lkFileglob(s *state, terms []any, kw map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range termStrings(terms) {
		dir, pat := filepath.Split(t)
		var dirs []string
		if filepath.IsAbs(t) {
			dirs = []string{dir}
		} else {
			for _, d := range s.searchPaths("files") {
				dirs = append(dirs, filepath.Join(d, "files", dir), filepath.Join(d, dir))
			}
		}
		for _, d := range dirs {
			matches, _ := filepath.Glob(filepath.Join(d, pat))
			var found []any
			for _, m := range matches {
				if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
					found = append(found, m)
				}
			}
			if len(found) > 0 {
				out = append(out, found...)
				break
			}
		}
	}
	return out, nil
}
