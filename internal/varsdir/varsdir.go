// Package varsdir lists the variable files in a directory the way
// ansible-core's DataLoader does for group_vars/NAME/, host_vars/NAME/ and a
// role's vars/main/: one rule for inventory and roles alike.
package varsdir

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Files lists the vars files under dir in name order, descending into
// subdirectories that have no extension. Hidden entries, backups (~), files
// with another extension than .yml, .yaml or .json, and anything that is
// not a regular file (after symlinks) are left out. A missing or unreadable
// dir lists nothing.
func Files(dir string) []string {
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
		// Names starting with "." are skipped above, so filepath.Ext
		// agrees with Python's os.path.splitext here.
		ext := filepath.Ext(n)
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		switch {
		case st.IsDir() && ext == "":
			out = append(out, Files(p)...)
		case st.Mode().IsRegular() && (ext == "" || ext == ".yml" || ext == ".yaml" || ext == ".json"):
			out = append(out, p)
		}
	}
	return out
}
