package playbook

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// roleVarsFiles are the files a role's defaults/ or vars/ entry name
// stands for, as ansible's find_vars_files: the first of name with each
// extension that exists, a directory standing for every vars file under
// it (sorted, recursively). main is tried with its extensions before the
// bare name; a *_from name as given first.
func roleVarsFiles(dir, name string, main bool) []string {
	exts := []string{".yml", ".yaml", ".json"}
	if main {
		exts = append(exts, "")
	} else {
		exts = append([]string{""}, exts...)
	}
	base := filepath.Join(dir, name)
	for _, ext := range exts {
		p := base + ext
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if st.IsDir() {
			return dirVarsFiles(p)
		}
		return []string{p}
	}
	return nil
}

// dirVarsFiles lists the vars files under dir in name order, descending
// into subdirectories; hidden files, backups (~) and other extensions
// are left out.
func dirVarsFiles(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		p := filepath.Join(dir, n)
		ext := filepath.Ext(n)
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		switch {
		case st.IsDir() && ext == "":
			out = append(out, dirVarsFiles(p)...)
		case !st.IsDir() && (ext == "" || ext == ".yml" || ext == ".yaml" || ext == ".json"):
			out = append(out, p)
		}
	}
	return out
}

// loadRoleVars loads and merges the vars files a role's defaults/ or
// vars/ entry name stands for (roleVarsFiles), later files' keys over
// earlier ones'; an empty file adds nothing. ok says whether any file was
// found.
func (l *Loader) loadRoleVars(dir, name string, main bool) (m *value.Map, ok bool, err error) {
	files := roleVarsFiles(dir, name, main)
	if len(files) == 0 {
		return nil, false, nil
	}
	if len(files) == 1 {
		m, err = l.LoadVarsFile(files[0])
		return m, true, err
	}
	m = value.NewMap(0)
	for _, f := range files {
		fm, err := l.LoadVarsFile(f)
		if err != nil {
			return nil, true, err
		}
		fm.Range(func(k string, v any) bool { m.Set(k, v); return true })
	}
	return m, true, nil
}
