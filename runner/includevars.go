package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/value"
)

// include_vars as ansible's action: a file (file or the free form) or a
// directory walked as ansible walks it, the loaded variables returned as
// ansible_facts (under name when given) and kept as include_vars.

var (
	includeVarsDirArgs  = setOfStr("dir", "depth", "files_matching", "ignore_files", "extensions", "ignore_unknown_extensions")
	includeVarsFileArgs = setOfStr("file", "_raw_params")
	includeVarsAllArgs  = setOfStr("name", "hash_behaviour")
)

func setOfStr(s ...string) map[string]bool {
	m := map[string]bool{}
	for _, e := range s {
		m[e] = true
	}
	return m
}

type includeVars struct {
	tc         *taskCtx
	extensions []string
	ignore     []string
	matcher    *regexp.Regexp
	unknownOK  bool
	depth      int
	included   []any
}

func actIncludeVars(ctx context.Context, tc *taskCtx) *value.Map {
	args, err := tc.args()
	if err != nil {
		return failResult(tc.sc.explain(err, tc.t))
	}
	dirs, files := 0, 0
	for _, k := range args.Keys() {
		switch {
		case includeVarsDirArgs[k]:
			dirs++
		case includeVarsFileArgs[k]:
			files++
		case includeVarsAllArgs[k]:
		default:
			return failResult(k + " is not a valid option in include_vars")
		}
	}
	if dirs > 0 && files > 0 {
		return failResult("You are mixing file only and dir only arguments, these are incompatible")
	}
	iv := &includeVars{tc: tc, extensions: []string{"yaml", "yml", "json"}}
	results, msg := iv.load(args)
	if name := argStr(args, "name"); name != "" {
		results = value.MapOf(name, results)
	}
	res := okResult()
	if msg != "" {
		res.Set("failed", true)
		res.Set("message", msg)
	} else if hb := argStr(args, "hash_behaviour"); hb != "" && hb != "replace" {
		merged := value.NewMap(results.Len())
		results.Range(func(k string, v any) bool {
			old, _, _ := tc.sc.Lookup(k)
			merged.Set(k, combineVars(old, v, hb == "merge"))
			return true
		})
		results = merged
	}
	if msg == "" {
		tc.h.setIncludeVars(results)
	}
	if iv.included == nil {
		iv.included = []any{}
	}
	res.Set("ansible_included_var_files", iv.included)
	res.Set("ansible_facts", results)
	return res
}

func argStr(args *value.Map, k string) string {
	v, ok := args.Get(k)
	if !ok || v == nil {
		return ""
	}
	return value.String(v)
}

// load reads the files and returns the variables or a failure message.
func (iv *includeVars) load(args *value.Map) (*value.Map, string) {
	results := value.NewMap(8)
	dir := argStr(args, "dir")
	if dir == "" {
		file := argStr(args, "file")
		if file == "" {
			file = strings.TrimRight(argStr(args, "_raw_params"), "\n")
		}
		const tail = " on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option"
		if file == "" {
			return results, "Could not find file\nSearched in:\n\t" + strings.Join(iv.tc.searchDirs("vars"), "\n\t") + tail
		}
		p, err := iv.tc.findFile("vars", file)
		if err != nil {
			return results, err.Error() + tail
		}
		return iv.loadFile(p, false, results)
	}
	if msg := iv.dirOptions(args); msg != "" {
		return results, msg
	}
	dir = iv.rootDir(dir)
	st, err := os.Stat(dir)
	if err != nil {
		return results, dir + " directory does not exist"
	}
	if !st.IsDir() {
		return results, dir + " is not a directory"
	}
	for _, d := range walkSorted(dir, iv.depth) {
		// A failure drops what its directory loaded, as ansible's
		// _load_files_in_dir.
		inDir := value.NewMap(4)
		for _, name := range d.files {
			if iv.skip(d.root, name) {
				continue
			}
			if iv.unknownOK && !iv.validExt(name) {
				continue
			}
			var msg string
			if inDir, msg = iv.loadFile(filepath.Join(d.root, name), true, inDir); msg != "" {
				return results, msg
			}
		}
		inDir.Range(func(k string, v any) bool { results.Set(k, v); return true })
	}
	return results, ""
}

// dirOptions reads the directory options as ansible's _set_args and
// _set_dir_defaults.
func (iv *includeVars) dirOptions(args *value.Map) string {
	if v, ok := args.Get("depth"); ok && v != nil {
		n, err := value.PyInt(v)
		if err != nil {
			return fmt.Sprintf("depth: %s", err)
		}
		iv.depth = int(n)
	}
	if p := argStr(args, "files_matching"); p != "" {
		re, err := regexp.Compile(p)
		if err != nil {
			return "Invalid regular expression: " + p
		}
		iv.matcher = re
	}
	iv.unknownOK, _ = value.Boolean(mustArg(args, "ignore_unknown_extensions"))
	switch v := mustArg(args, "ignore_files").(type) {
	case nil:
	case string:
		iv.ignore = strings.Fields(v)
	case []any:
		for _, e := range v {
			iv.ignore = append(iv.ignore, value.String(e))
		}
	default:
		return fmt.Sprintf("%s must be a list", value.String(v))
	}
	switch v := mustArg(args, "extensions").(type) {
	case nil:
	case string:
		// Python's list() of a string: its characters.
		iv.extensions = nil
		for _, c := range v {
			iv.extensions = append(iv.extensions, string(c))
		}
	case []any:
		iv.extensions = nil
		for _, e := range v {
			iv.extensions = append(iv.extensions, value.String(e))
		}
	default:
		return `Invalid type for "extensions" option, it must be a list`
	}
	return ""
}

func mustArg(args *value.Map, k string) any {
	v, _ := args.Get(k)
	return v
}

// rootDir is ansible's _set_root_dir: in a role, under the role (its
// vars/ unless dir starts with vars); elsewhere, beside the task's file.
func (iv *includeVars) rootDir(dir string) string {
	t := iv.tc.t
	if t.Role != nil {
		rp := t.Role.Role.Path
		if strings.Split(dir, "/")[0] == "vars" {
			if p := filepath.Join(rp, dir); exists(p) {
				return p
			}
			return dir
		}
		return filepath.Join(rp, "vars", dir)
	}
	return filepath.Join(filepath.Dir(t.Pos.File), dir)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// skip: a role's vars/main.yml, a name files_matching does not match,
// one ignore_files matches, or one that does not exist.
func (iv *includeVars) skip(root, name string) bool {
	if t := iv.tc.t; t.Role != nil && filepath.Join(t.Role.Role.Path, name) == filepath.Join(root, "vars", "main.yml") {
		return true
	}
	if iv.matcher != nil && !iv.matcher.MatchString(name) {
		return true
	}
	for _, pat := range iv.ignore {
		if re, err := regexp.Compile(pat + "$"); err == nil && re.MatchString(name) {
			return true
		}
	}
	return !exists(filepath.Join(root, name))
}

// validExt is ansible's _is_valid_file_ext: os.path.splitext's
// extension, without its dot, is one of extensions.
func (iv *includeVars) validExt(name string) bool {
	base := strings.TrimLeft(name, ".")
	ext := ""
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		ext = base[i+1:]
	}
	for _, e := range iv.extensions {
		if e == ext {
			return true
		}
	}
	return false
}

// loadFile loads one file into results; a file that is not a mapping
// fails.
func (iv *includeVars) loadFile(p string, checkExt bool, results *value.Map) (*value.Map, string) {
	if checkExt && !iv.validExt(filepath.Base(p)) {
		return results, fmt.Sprintf("%s does not have a valid extension: %s", p, strings.Join(iv.extensions, ", "))
	}
	l := playbook.NewLoader(playbook.Options{Vault: iv.tc.ex.r.o.Vault}, nil)
	m, err := l.LoadVarsFile(p)
	if err != nil {
		return results, err.Error()
	}
	iv.included = append(iv.included, p)
	out := results.Clone()
	m.Range(func(k string, v any) bool { out.Set(k, v); return true })
	return out, ""
}

type walkedDir struct {
	root  string
	files []string
}

// walkSorted is ansible's _traverse_dir_depth: every directory os.walk
// visits, sorted by path, the first depth of them (0: all), each with
// its files sorted.
func walkSorted(dir string, depth int) []walkedDir {
	var out []walkedDir
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		ents, _ := os.ReadDir(p)
		w := walkedDir{root: p}
		for _, e := range ents {
			if st, err := os.Stat(filepath.Join(p, e.Name())); e.IsDir() || err == nil && st.IsDir() {
				continue
			}
			w.files = append(w.files, e.Name())
		}
		sort.Strings(w.files)
		out = append(out, w)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].root < out[j].root })
	if depth > 0 && len(out) > depth {
		out = out[:depth]
	}
	return out
}

// combineVars is ansible's combine_vars: merge recursively merges
// mappings, otherwise the new value replaces the old.
func combineVars(old, v any, merge bool) any {
	om, ok1 := old.(*value.Map)
	nm, ok2 := v.(*value.Map)
	if !merge || !ok1 || !ok2 {
		return v
	}
	out := om.Clone()
	nm.Range(func(k string, nv any) bool {
		ov, _ := out.Get(k)
		out.Set(k, combineVars(ov, nv, true))
		return true
	})
	return out
}
