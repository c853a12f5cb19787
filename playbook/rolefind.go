package playbook

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Where a role named in a play is found: a path, a collection's roles/
// (by its full name, or a bare name in the play's collections:), the
// roles/ beside the playbook and the roles path.

// findRole searches for a role by name as Ansible does.
func (l *Loader) findRole(pos Pos, name, baseDir string) (string, error) {
	if strings.ContainsRune(name, '/') || filepath.IsAbs(name) {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(l.o.PlaybookDir, name)
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, nil
		}
	}
	if isFQCN(name) {
		// a dotted name not found in a collection is still looked for on
		// the role paths (RoleDefinition._load_role_path)
		ns, coll, role := splitFQCN(name)
		if p := l.collectionRole(ns, coll, role); p != "" {
			return p, nil
		}
	}
	// A bare name is looked for in the play's `collections:` first.
	for _, c := range l.playCollections {
		if ns, coll, ok := strings.Cut(c, "."); ok {
			if p := l.collectionRole(ns, coll, name); p != "" {
				return p, nil
			}
		}
	}
	var cands []string
	if baseDir != "" {
		cands = append(cands, filepath.Join(baseDir, "roles", name))
	}
	cands = append(cands, filepath.Join(l.o.PlaybookDir, "roles", name))
	for _, rp := range l.o.RolesPath {
		cands = append(cands, filepath.Join(rp, name))
	}
	if baseDir != "" {
		cands = append(cands, filepath.Join(baseDir, name))
	}
	cands = append(cands, filepath.Join(l.o.PlaybookDir, name))
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c, nil
		}
	}
	return "", notFoundAt(pos, "the role '%s' was not found in %s", name, strings.Join(uniq(append([]string{filepath.Join(l.o.PlaybookDir, "roles")}, l.o.RolesPath...)), ":"))
}

var fqcnRe = regexp.MustCompile(`^[A-Za-z_]\w*\.[A-Za-z_]\w*\.[A-Za-z_]\w*$`)

// isFQCN says whether a role name is namespace.collection.role.
func isFQCN(name string) bool { return fqcnRe.MatchString(name) }

func splitFQCN(name string) (ns, coll, role string) {
	parts := strings.SplitN(name, ".", 3)
	return parts[0], parts[1], parts[2]
}

// collectionDirs are the ansible_collections directories searched, as
// Ansible searches them: beside the playbook, then collections_path.
func (l *Loader) collectionDirs() []string {
	dirs := []string{filepath.Join(l.o.PlaybookDir, "collections", "ansible_collections")}
	for _, c := range l.o.CollectionsPath {
		if filepath.Base(c) != "ansible_collections" {
			c = filepath.Join(c, "ansible_collections")
		}
		dirs = append(dirs, c)
	}
	return uniq(dirs)
}

// roleCollection is the collection a role at path belongs to
// (.../ansible_collections/NS/COLL/roles/NAME), "" for another role.
func roleCollection(path string) string {
	roles := filepath.Dir(path)
	coll := filepath.Dir(roles)
	ns := filepath.Dir(coll)
	if filepath.Base(roles) != "roles" || filepath.Base(filepath.Dir(ns)) != "ansible_collections" {
		return ""
	}
	return filepath.Base(ns) + "." + filepath.Base(coll)
}

// collectionRole finds a role of an installed collection; "" if none.
func (l *Loader) collectionRole(ns, coll, role string) string {
	for _, d := range l.collectionDirs() {
		p := filepath.Join(d, ns, coll, "roles", role)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
	}
	return ""
}
