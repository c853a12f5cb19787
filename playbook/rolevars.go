package playbook

import (
	"os"
	"path/filepath"

	"github.com/fjord-run/fjord/internal/varsdir"
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
			return varsdir.Files(p)
		}
		return []string{p}
	}
	return nil
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
