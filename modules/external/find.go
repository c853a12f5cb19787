package external

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/value"
	"gopkg.in/yaml.v3"
)

// Finder says where modules outside the registry are looked for, in
// ansible-core's order.
type Finder struct {
	// Library are directories holding modules by file name: the
	// playbooks' and roles' library/ as they load, then the configured
	// library path (ANSIBLE_LIBRARY, -M).
	Library []string
	// ModuleUtils are directories whose files extend ansible.module_utils
	// (a playbook's and a role's module_utils/), before ansible-core's.
	ModuleUtils []string
	// Actions are action_plugins directories: an action plugin of the
	// name runs instead of any module, on the controller, in Python.
	Actions []string
	// Collections are ansible_collections directories, in search order.
	Collections []string
	// Native says whether fjord implements a name itself; a redirect to
	// it (meta/runtime.yml) ends there.
	Native func(name string) bool
}

// Found is a module file found outside the registry.
type Found struct {
	// FQCN is the name Ansible gives the module: ns.coll.name for a
	// collection's, ansible.legacy.name for a library one,
	// ansible.builtin.name for ansible-core's own.
	FQCN string
	// Native is set instead of Path when a redirect ends at a module
	// fjord implements.
	Native string
	Path   string
	// Root is the directory whose ansible_collections/ holds the
	// module's collection ("" for a library module): its module_utils
	// are imported from there.
	Root string
	// Collections are the ansible_collections directories searched: a
	// payload takes collection module_utils from there; ModuleUtils
	// extend ansible.module_utils.
	Collections []string
	ModuleUtils []string
	// Written is the name the task gave: the module is told it
	// (_ansible_module_name), as ansible-core tells it the task's action.
	Written string
}

// Name is the module's short name.
func (f *Found) Name() string { return f.FQCN[strings.LastIndex(f.FQCN, ".")+1:] }

// Find looks name up as ansible-core's module loader does after the
// native registry: library directories for a bare or ansible.legacy name,
// then the collections listed in the `collections:` keyword, a
// collection's plugins/modules (following meta/runtime.yml redirects) for
// ns.coll.name, and ansible-core's own modules. It returns nil, nil when
// the name is found nowhere, and an error for a module that was removed
// (a tombstone) or that needs a controller-side action plugin.
func (f *Finder) Find(name string, collections []string) (*Found, error) {
	fd, err := f.find(name, collections, 0)
	if fd != nil {
		fd.Collections, fd.ModuleUtils, fd.Written = f.Collections, f.ModuleUtils, name
	}
	return fd, err
}

func (f *Finder) find(name string, collections []string, depth int) (*Found, error) {
	if depth > 10 {
		return nil, fmt.Errorf("module redirect loop at %s", name)
	}
	if f.Native != nil && depth > 0 && f.Native(name) {
		return &Found{FQCN: name, Native: name}, nil
	}
	short, legacy := strings.CutPrefix(name, "ansible.legacy.")
	bshort, builtin := strings.CutPrefix(name, "ansible.builtin.")
	switch {
	case builtin:
		return f.builtin(bshort, collections, depth)
	case legacy || !strings.Contains(name, "."):
		for _, d := range f.Actions {
			if a := filepath.Join(d, short+".py"); exists(a) {
				return nil, actionPluginError(name, a)
			}
		}
		if p := findIn(f.Library, short); p != "" {
			return &Found{FQCN: "ansible.legacy." + short, Path: p}, nil
		}
		if !legacy {
			for _, c := range collections {
				if c == "ansible.builtin" || c == "ansible.legacy" {
					continue
				}
				if fd, err := f.find(c+"."+name, nil, depth+1); fd != nil || err != nil {
					return fd, err
				}
			}
		}
		return f.builtin(short, collections, depth)
	}
	parts := strings.Split(name, ".")
	if len(parts) < 3 {
		return nil, nil
	}
	return f.collection(parts[0], parts[1], parts[2:], collections, depth)
}

// builtin is ansible-core's own module of that name, or where
// ansible_builtin_runtime.yml redirects it.
func (f *Finder) builtin(name string, collections []string, depth int) (*Found, error) {
	root := AnsibleRoot()
	if root == "" {
		return nil, nil
	}
	if to, err := redirect(filepath.Join(root, "ansible", "config", "ansible_builtin_runtime.yml"), "ansible.builtin."+name, name); err != nil || to != "" {
		if err != nil {
			return nil, err
		}
		return f.find(to, collections, depth+1)
	}
	p := findIn([]string{filepath.Join(root, "ansible", "modules")}, name)
	if p == "" {
		return nil, nil
	}
	if a := filepath.Join(root, "ansible", "plugins", "action", name+".py"); exists(a) {
		return nil, actionPluginError("ansible.builtin."+name, a)
	}
	return &Found{FQCN: "ansible.builtin." + name, Path: p}, nil
}

func (f *Finder) collection(ns, coll string, rest []string, collections []string, depth int) (*Found, error) {
	fq := ns + "." + coll + "." + strings.Join(rest, ".")
	for _, d := range f.Collections {
		cdir := filepath.Join(d, ns, coll)
		if !isDir(cdir) {
			continue
		}
		// the first directory holding the collection is the collection
		to, err := redirect(filepath.Join(cdir, "meta", "runtime.yml"), fq, strings.Join(rest, "."))
		if err != nil {
			return nil, err
		}
		if to != "" {
			return f.find(to, collections, depth+1)
		}
		mdir := filepath.Join(append([]string{cdir, "plugins", "modules"}, rest[:len(rest)-1]...)...)
		p := findIn([]string{mdir}, rest[len(rest)-1])
		if p == "" {
			return nil, nil
		}
		if a := filepath.Join(append([]string{cdir, "plugins", "action"}, rest...)...) + ".py"; exists(a) {
			return nil, actionPluginError(fq, a)
		}
		return &Found{FQCN: fq, Path: p, Root: filepath.Dir(d)}, nil
	}
	return nil, nil
}

func actionPluginError(fq, plugin string) error {
	return fmt.Errorf("the action %s is a controller-side action plugin (%s), which fjord does not run", fq, plugin)
}

// redirect reads a runtime.yml's plugin_routing.modules entry for key:
// the name it redirects to, or an error for a tombstone.
func redirect(file, fq, key string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", nil
	}
	n, err := value.ParseYAML(data)
	if err != nil {
		return "", fmt.Errorf("%s: %v", file, err)
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	doc, err := value.FromNode(n)
	if err != nil {
		return "", fmt.Errorf("%s: %v", file, err)
	}
	e, _ := mapPath(doc, "plugin_routing", "modules", key).(*value.Map)
	if e == nil {
		return "", nil
	}
	if t, ok := e.Get("tombstone"); ok {
		msg := fmt.Sprintf("%s has been removed.", fq)
		if tm, ok := t.(*value.Map); ok {
			if w, ok := tm.Get("warning_text"); ok {
				msg += " " + value.String(w)
			}
		}
		return "", fmt.Errorf("%s", msg)
	}
	if r, ok := e.Get("redirect"); ok {
		return value.String(r), nil
	}
	return "", nil
}

func mapPath(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(*value.Map)
		if !ok {
			return nil
		}
		v, _ = m.Get(k)
	}
	return v
}

// findIn finds a module file named name in dirs, as the plugin loader
// matches it: the file name, or the name before its extension (compiled
// Python aside).
func findIn(dirs []string, name string) string {
	if name == "" {
		return ""
	}
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		var cands []string
		for _, e := range ents {
			n := e.Name()
			if e.IsDir() || n == "__init__.py" || strings.HasSuffix(n, ".pyc") || strings.HasSuffix(n, ".pyo") {
				continue
			}
			if n == name || strings.TrimSuffix(n, filepath.Ext(n)) == name {
				cands = append(cands, n)
			}
		}
		if len(cands) == 0 {
			continue
		}
		// a .py beside a .ps1 is its documentation; prefer the module
		// file the name matches exactly, then .py
		sort.Slice(cands, func(i, j int) bool { return rank(cands[i], name) < rank(cands[j], name) })
		return filepath.Join(d, cands[0])
	}
	return ""
}

func rank(file, name string) int {
	switch {
	case file == name:
		return 0
	case file == name+".py":
		return 1
	}
	return 2
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func isDir(p string) bool { st, err := os.Stat(p); return err == nil && st.IsDir() }
