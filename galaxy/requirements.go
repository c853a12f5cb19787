package galaxy

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// RoleReq is one role to install, as a requirements file or a command
// line names it.
type RoleReq struct {
	Name    string
	Src     string
	Scm     string
	Version string
	// VersionSet is false when no version was given at all: ansible
	// records that as null, where a requirements file entry without a
	// version records ''.
	VersionSet bool
}

func (r RoleReq) String() string {
	if r.Version != "" {
		return fmt.Sprintf("%s (%s)", r.Name, r.Version)
	}
	return r.Name
}

// CollectionReq is one collection to install.
type CollectionReq struct {
	// Name is NS.NAME for a Galaxy collection, else the URL, path or git
	// address the type says.
	Name    string
	Version string
	// Type is galaxy, git, url, file or dir.
	Type string
	// Source is a Galaxy server URL (or a configured server's name) to
	// ask instead of the configured list.
	Source string
}

// Requirements is a parsed requirements file.
type Requirements struct {
	Roles       []RoleReq
	Collections []CollectionReq
}

// ReadRequirements reads a requirements file: either a list of roles
// (the old format) or a mapping with roles: and collections:.
func ReadRequirements(path string) (*Requirements, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := ParseRequirements(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// ParseRequirements parses the text of a requirements file.
func ParseRequirements(data []byte) (*Requirements, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	out := &Requirements{}
	switch d := doc.(type) {
	case nil:
		return out, nil
	case []any:
		for _, e := range d {
			r, err := roleEntry(e)
			if err != nil {
				return nil, err
			}
			out.Roles = append(out.Roles, r)
		}
		return out, nil
	case map[string]any:
		for k := range d {
			if k != "roles" && k != "collections" {
				return nil, fmt.Errorf("expected only 'roles' and/or 'collections' as base keys in the requirements file, found %q", k)
			}
		}
		roles, _ := d["roles"].([]any)
		for _, e := range roles {
			r, err := roleEntry(e)
			if err != nil {
				return nil, err
			}
			out.Roles = append(out.Roles, r)
		}
		colls, _ := d["collections"].([]any)
		for _, e := range colls {
			c, err := collectionEntry(e)
			if err != nil {
				return nil, err
			}
			out.Collections = append(out.Collections, c)
		}
		return out, nil
	}
	return nil, fmt.Errorf("expecting requirements file to be a dict with the key 'collections' that contains a list of collections to install")
}

func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// roleEntry reads one role from a requirements list: a string
// "src[,version[,name]]" or a mapping.
func roleEntry(e any) (RoleReq, error) {
	switch e := e.(type) {
	case string:
		return ParseRoleSpec(e)
	case map[string]any:
		if inc, ok := e["include"]; ok {
			return RoleReq{}, fmt.Errorf("role requirement 'include: %v' is not supported", inc)
		}
		r := RoleReq{Name: str(e["name"]), Src: str(e["src"]), Scm: str(e["scm"]), VersionSet: true}
		if v, ok := e["version"]; ok {
			r.Version = str(v)
		}
		if role, ok := e["role"]; ok {
			r.Name = str(role)
			if strings.Contains(r.Name, ",") {
				return r, fmt.Errorf("invalid old style role requirement: %s", r.Name)
			}
		} else if r.Src != "" {
			// A GitHub web address is a git repository unless it names a tarball.
			if strings.Contains(r.Src, "github.com") && strings.Contains(r.Src, "http") &&
				!strings.Contains(r.Src, "+") && !strings.HasSuffix(r.Src, ".tar.gz") {
				r.Src = "git+" + r.Src
			}
			if scm, src, ok := strings.Cut(r.Src, "+"); ok {
				r.Scm, r.Src = scm, src
			}
			if r.Name == "" {
				r.Name = repoURLToRoleName(r.Src)
			}
		}
		if r.Src == "" {
			r.Src = r.Name
		}
		if r.Name == "" {
			return r, fmt.Errorf("role requirement has neither name nor src: %v", e)
		}
		return r, nil
	}
	return RoleReq{}, fmt.Errorf("invalid role requirement: %v", e)
}

// ParseRoleSpec reads a role as given on the command line:
// "src[,version[,name]]", src optionally "git+URL".
func ParseRoleSpec(s string) (RoleReq, error) {
	s = strings.TrimSpace(s)
	var r RoleReq
	parts := strings.Split(s, ",")
	switch len(parts) {
	case 1:
		r.Src = s
	case 2:
		r.Src, r.Version, r.VersionSet = parts[0], parts[1], true
	case 3:
		r.Src, r.Version, r.Name, r.VersionSet = parts[0], parts[1], parts[2], true
	default:
		return r, fmt.Errorf("invalid role line (%s). Proper format is 'role_name[,version[,name]]'", s)
	}
	if r.Name == "" {
		r.Name = repoURLToRoleName(r.Src)
	}
	if scm, src, ok := strings.Cut(r.Src, "+"); ok {
		r.Scm, r.Src = scm, src
	}
	if r.Name == "" || r.Src == "" {
		return r, fmt.Errorf("invalid role line (%s): no role source or name", s)
	}
	return r, nil
}

// RoleNameOfSrc is the name of a role a meta/main.yml dependency gives
// only by its source ("git+https://host/x/role.git" is role): the role
// ansible-galaxy installed it as, which the playbook then uses.
func RoleNameOfSrc(src string) string {
	r, err := roleEntry(map[string]any{"src": src})
	if err != nil {
		return src
	}
	return r.Name
}

// repoURLToRoleName is the role name a source address implies: the last
// path element without .git or .tar.gz; a plain name stays as it is.
func repoURLToRoleName(src string) string {
	if !strings.Contains(src, "://") && !strings.Contains(src, "@") {
		return src
	}
	t := src[strings.LastIndex(src, "/")+1:]
	t = strings.TrimSuffix(t, ".git")
	t = strings.TrimSuffix(t, ".tar.gz")
	t, _, _ = strings.Cut(t, ",")
	return t
}

// collectionEntry reads one collection from a requirements list.
func collectionEntry(e any) (CollectionReq, error) {
	switch e := e.(type) {
	case string:
		return ParseCollectionSpec(e, "")
	case map[string]any:
		c := CollectionReq{Name: str(e["name"]), Version: str(e["version"]), Type: str(e["type"]), Source: str(e["source"])}
		if c.Name == "" {
			return c, fmt.Errorf("collections requirement entry should contain the key 'name': %v", e)
		}
		if c.Type == "" {
			c.Type = guessType(c.Name)
		}
		if c.Version == "" {
			c.Version = "*"
		}
		switch c.Type {
		case "galaxy", "git", "url", "file", "dir", "subdirs":
		default:
			return c, fmt.Errorf("the collection requirement entry type %q is not supported", c.Type)
		}
		return c, nil
	}
	return CollectionReq{}, fmt.Errorf("invalid collection requirement: %v", e)
}

// ParseCollectionSpec reads a collection as given on the command line:
// "ns.name", "ns.name:>=1.0", a URL, a git address or a path.
func ParseCollectionSpec(s, typ string) (CollectionReq, error) {
	c := CollectionReq{Name: s, Version: "*", Type: typ}
	if c.Type == "" {
		c.Type = guessType(s)
	}
	if c.Type == "galaxy" {
		if n, v, ok := strings.Cut(s, ":"); ok {
			c.Name, c.Version = n, v
		}
		if !validFQCN(c.Name) {
			return c, fmt.Errorf("invalid collection name '%s', name must be in the format <namespace>.<collection>", c.Name)
		}
	}
	return c, nil
}

// guessType is the source type of a collection named without one.
func guessType(name string) string {
	switch {
	case strings.HasPrefix(name, "git+") || strings.HasPrefix(name, "git@"):
		return "git"
	case strings.Contains(name, "://"):
		return "url"
	}
	if fi, err := os.Stat(name); err == nil {
		if fi.IsDir() {
			return "dir"
		}
		return "file"
	}
	return "galaxy"
}

func validFQCN(name string) bool {
	ns, n, ok := strings.Cut(name, ".")
	return ok && isIdent(ns) && isIdent(n)
}

func isIdent(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
