package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/modules/external"
)

// Resolving a task's module the way ansible-core's module loader does:
// fjord's registry first (its native modules and engine actions), then
// the library/ directories of the playbooks and roles loaded so far and
// the configured library path, the `collections:` keyword, installed
// collections, and ansible-core's own modules, which run from their code
// (modules/external).

// addLibrary adds dir's library/ to the directories modules are looked
// for in, as ansible-core adds a playbook's and a role's plugin
// directories when it loads them.
func (l *Loader) addLibrary(dir string) {
	for _, p := range []struct {
		sub  string
		dirs *[]string
	}{{"library", &l.libDirs}, {"module_utils", &l.utilDirs}, {"action_plugins", &l.actionDirs}} {
		d := filepath.Join(dir, p.sub)
		if isDirPath(d) && !contains(*p.dirs, d) {
			*p.dirs = append(*p.dirs, d)
		}
	}
}

func contains(s []string, e string) bool {
	for _, x := range s {
		if x == e {
			return true
		}
	}
	return false
}

// resolveAction is the one resolution of a module name: the name the
// engine dispatches on, and the module found outside the registry (nil
// for a native one). ok is false when the name is found nowhere.
func (l *Loader) resolveAction(name string, role *RoleInstance) (string, *modules.Info, bool, error) {
	if canon, ok := canonicalAction(name); ok {
		return canon, nil, true, nil
	}
	f := l.finder(role)
	found, err := f.Find(name, l.collectionsFor(role))
	if err != nil || found == nil {
		return name, nil, false, err
	}
	if found.Native != "" {
		canon, _ := canonicalAction(found.Native)
		return canon, nil, true, nil
	}
	return name, external.Info(found), true, nil
}

// resolves says whether a module name is found (module_defaults' keys).
func (l *Loader) resolves(name string) bool {
	_, _, ok, _ := l.resolveAction(name, nil)
	return ok
}

// ResolveAction resolves a module name at run time (a templated action)
// as the loader does at load time; the error names what was searched.
func (l *Loader) ResolveAction(name string, role *RoleInstance) (string, *modules.Info, error) {
	canon, info, ok, err := l.resolveAction(name, role)
	if err == nil && !ok {
		err = l.unresolved(name)
	}
	return canon, info, err
}

func (l *Loader) unresolved(name string) error {
	return fmt.Errorf("couldn't resolve module/action '%s'. This often indicates a misspelling, missing collection, or incorrect module path.", name)
}

func (l *Loader) finder(role *RoleInstance) *external.Finder {
	var lib, utils []string
	for r := role; r != nil; r = r.Parent {
		if d := filepath.Join(r.Role.Path, "library"); isDirPath(d) {
			lib = append(lib, d)
		}
		if d := filepath.Join(r.Role.Path, "module_utils"); isDirPath(d) {
			utils = append(utils, d)
		}
	}
	lib = append(lib, l.libDirs...)
	lib = append(lib, l.o.Library...)
	utils = append(utils, l.utilDirs...)
	actions := l.actionDirs
	if role != nil {
		actions = append([]string{filepath.Join(role.Role.Path, "action_plugins")}, actions...)
	}
	return &external.Finder{Library: uniq(lib), ModuleUtils: uniq(utils), Actions: actions, Collections: l.moduleCollectionDirs(),
		Native: func(n string) bool { _, ok := modules.Lookup(n); return ok }}
}

// moduleCollectionDirs are collectionDirs and, last, the installed
// ansible package's own ansible_collections (Python's sys.path, which
// ansible-core also searches).
func (l *Loader) moduleCollectionDirs() []string {
	dirs := l.collectionDirs()
	if root := external.AnsibleRoot(); root != "" {
		dirs = append(dirs, filepath.Join(root, "ansible_collections"))
	}
	return uniq(dirs)
}

// collectionsFor is the `collections:` search list of a task: the
// collection a role belongs to first, then the play's keyword.
func (l *Loader) collectionsFor(role *RoleInstance) []string {
	var out []string
	if role != nil {
		parts := strings.Split(filepath.ToSlash(role.Role.Path), "/")
		for i := len(parts) - 4; i >= 0; i-- {
			if parts[i] == "ansible_collections" && parts[i+3] == "roles" {
				out = append(out, parts[i+1]+"."+parts[i+2])
				break
			}
		}
	}
	return append(out, l.playCollections...)
}

func isDirPath(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
