package inventory

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/internal/varsdir"
	"github.com/fjord-run/fjord/value"
)

// varsExts are the extensions tried after the bare name, in order.
var varsExts = []string{"", ".yml", ".yaml", ".json"}

// HostVars merges h's inventory-level variables in Ansible's precedence
// (ansible-core 2.14 defaults, hash_behaviour=replace), low to high:
//
//  1. "all" vars from the inventory sources
//  2. the other groups' vars from the sources, in HostGroups order
//  3. group_vars/all beside each inventory source, then beside playbookDir
//  4. group_vars/<group> beside each source for every other group in
//     HostGroups order, then the same beside playbookDir
//  5. the host's own vars from the sources (incl. inventory_file/dir)
//  6. host_vars/<host> beside each source, then beside playbookDir
//
// playbookDir may be empty. The result is cached per (host, playbookDir);
// callers get their own top-level copy.
func (inv *Inventory) HostVars(h *Host, playbookDir string) (*value.Map, error) {
	key := [2]string{h.Name, playbookDir}
	if h.Implicit {
		key[0] = "\x00implicit:" + h.Name
	}
	inv.mu.Lock()
	cached, ok := inv.varsCache[key]
	inv.mu.Unlock()
	if ok {
		return cached.Clone(), nil
	}
	out := value.NewMap(16)
	merge := func(m *value.Map) {
		m.Range(func(k string, v any) bool { out.Set(k, v); return true })
	}
	groups := inv.HostGroups(h)
	var all *Group
	var others []*Group
	for _, g := range groups {
		if g.Name == "all" {
			all = g
		} else {
			others = append(others, g)
		}
	}
	merge(all.Vars)
	for _, g := range others {
		merge(g.Vars)
	}
	dirs := inv.varsDirs()
	adjacent := func(dirs []string, subdir string, names []string) error {
		for _, d := range dirs {
			for _, n := range names {
				m, err := inv.entityVars(filepath.Join(d, subdir), n)
				if err != nil {
					return err
				}
				merge(m)
			}
		}
		return nil
	}
	var play []string
	if playbookDir != "" {
		play = []string{playbookDir}
	}
	names := make([]string, len(others))
	for i, g := range others {
		names[i] = g.Name
	}
	for _, step := range []struct {
		dirs   []string
		subdir string
		names  []string
	}{
		{dirs, "group_vars", []string{"all"}},
		{play, "group_vars", []string{"all"}},
		{dirs, "group_vars", names},
		{play, "group_vars", names},
	} {
		if err := adjacent(step.dirs, step.subdir, step.names); err != nil {
			return nil, err
		}
	}
	merge(h.Vars)
	if err := adjacent(dirs, "host_vars", []string{h.Name}); err != nil {
		return nil, err
	}
	if err := adjacent(play, "host_vars", []string{h.Name}); err != nil {
		return nil, err
	}
	inv.mu.Lock()
	inv.varsCache[key] = out
	inv.mu.Unlock()
	return out.Clone(), nil
}

// varsDirs are the directories beside the inventory sources: a directory
// source itself, a file source's directory; host lists have none.
func (inv *Inventory) varsDirs() []string {
	var out []string
	for _, s := range inv.Sources {
		st, err := os.Stat(s)
		if err != nil {
			continue
		}
		if !st.IsDir() {
			s = filepath.Dir(s)
		}
		out = append(out, s)
	}
	return out
}

// entityVars loads <dir>/<name>, <name>.yml, .yaml or .json, or every file
// of the directory <dir>/<name> (sorted, recursively), merged.
func (inv *Inventory) entityVars(dir, name string) (*value.Map, error) {
	if strings.HasPrefix(name, string(filepath.Separator)) {
		return nil, nil // Ansible skips chroot-style names such as /srv/jail
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, nil
	}
	var files []string
	base := filepath.Join(dir, name)
	for _, ext := range varsExts {
		p := base + ext
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if st.IsDir() {
			files = varsdir.Files(p)
		} else {
			files = []string{p}
		}
		break
	}
	var out *value.Map
	for _, f := range files {
		m, err := inv.loadVarsFile(f)
		if err != nil {
			return nil, err
		}
		if m.Len() == 0 {
			continue
		}
		if out == nil {
			out = value.NewMap(m.Len())
		}
		m.Range(func(k string, v any) bool { out.Set(k, v); return true })
	}
	return out, nil
}

// loadVarsFile reads a YAML or JSON variables file (cached). An empty file
// gives an empty map; anything but a mapping is an error.
func (inv *Inventory) loadVarsFile(file string) (*value.Map, error) {
	inv.mu.Lock()
	m, ok := inv.fileCache[file]
	inv.mu.Unlock()
	if ok {
		return m, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &Error{File: file, Msg: err.Error(), Err: err}
	}
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("$ANSIBLE_VAULT")) {
		if inv.VaultDecrypt == nil {
			return nil, &Error{File: file, Msg: "Attempting to decrypt but no vault secrets found"}
		}
		if data, err = inv.VaultDecrypt(data, file); err != nil {
			return nil, &Error{File: file, Msg: err.Error(), Err: err}
		}
	}
	var v any
	if pyExt(file) == ".json" {
		if j, err := value.FromJSON(data); err == nil {
			v = j
			goto done
		}
	}
	{
		n, err := readYAML(file, data)
		if err != nil {
			return nil, err
		}
		if n != nil {
			if v, err = value.FromNode(n); err != nil {
				return nil, yamlError(file, err)
			}
		}
	}
done:
	switch x := v.(type) {
	case nil:
		m = value.NewMap(0)
	case *value.Map:
		m = x
	default:
		if !value.Truthy(x) {
			m = value.NewMap(0)
			break
		}
		return nil, &Error{File: file, Msg: fmt.Sprintf("failed to combine variables, expected dicts but got a %s and a 'dict'", pyTypeName(x))}
	}
	inv.mu.Lock()
	inv.fileCache[file] = m
	inv.mu.Unlock()
	return m, nil
}
