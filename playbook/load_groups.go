package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/modules/external"
	"github.com/fjord-run/fjord/value"
	"gopkg.in/yaml.v3"
)

// Action groups of module_defaults (group/NAME keys), resolved as
// ansible-core's Base._resolve_group does: the group is read from its
// collection's meta/runtime.yml action_groups (ansible.builtin's from
// ansible_builtin_runtime.yml), each member is resolved as a module name
// (following plugin_routing redirects), and the groups named in a
// metadata entry's extend_group add their members.

// GroupFQ is the fully qualified name of a module_defaults group: a
// name that is not ns.coll.name belongs to ansible.builtin.
func GroupFQ(name string) string {
	if strings.Count(name, ".") < 2 {
		return "ansible.builtin." + name
	}
	return name
}

// resolveGroup returns the members of the group fq: for each, the name
// the runner matches a task's module against (a native module's registry
// name, or an external module's ID). mandatory: an unknown group is an
// error; otherwise it has no member.
func (l *Loader) resolveGroup(fq string, mandatory bool) ([]string, error) {
	if m, ok := l.groupCache[fq]; ok {
		return m, nil
	}
	coll := strings.Join(strings.SplitN(fq, ".", 3)[:2], ".")
	groups, ok := l.actionGroups(coll)
	var group []any
	if ok {
		g, found := groups.Get(fq)
		if !found {
			g, found = groups.Get(strings.TrimPrefix(fq, coll+"."))
		}
		group, ok = g.([]any)
		ok = ok && found
	}
	if !ok {
		if !mandatory {
			return nil, nil
		}
		return nil, fmt.Errorf("error loading module_defaults: could not resolve the module_defaults group %s", fq)
	}
	var members []string
	var extend []any
	foundMeta := false
	for _, a := range group {
		name, isName := a.(string)
		if !isName {
			l.validateGroupMetadata(a, foundMeta, fq)
			if m, ok := a.(*value.Map); ok {
				if md, ok := m.Get("metadata"); ok {
					if mm, ok := md.(*value.Map); ok {
						foundMeta = true
						eg, _ := mm.Get("extend_group")
						switch e := eg.(type) {
						case string:
							extend = []any{e}
						case []any:
							extend = e
						default:
							extend = nil
						}
					}
				}
			}
			continue
		}
		if strings.Count(name, ".") < 2 {
			name = coll + "." + name
		}
		if id, ok := l.memberID(name); ok {
			members = append(members, id)
		}
	}
	if l.groupCache == nil {
		l.groupCache = map[string][]string{}
	}
	// cached before the extended groups resolve, so that groups that
	// extend each other end
	l.groupCache[fq] = members
	for _, e := range extend {
		g := value.String(e)
		if strings.Count(g, ".") < 2 {
			g = coll + "." + g
		}
		more, _ := l.resolveGroup(g, false)
		members = append(members, more...)
	}
	l.groupCache[fq] = members
	return members, nil
}

// memberID resolves a group member as a module name.
func (l *Loader) memberID(name string) (string, bool) {
	canon, info, ok, err := l.resolveAction(name, nil)
	if err != nil || !ok {
		return "", false
	}
	if info != nil {
		return info.ID, true
	}
	return canon, true
}

// actionGroups reads the action_groups of collection coll; ok is false
// when the collection is not found.
func (l *Loader) actionGroups(coll string) (*value.Map, bool) {
	var file string
	if coll == "ansible.builtin" {
		root := external.AnsibleRoot()
		if root == "" {
			return nil, false
		}
		file = filepath.Join(root, "ansible", "config", "ansible_builtin_runtime.yml")
	} else {
		parts := strings.Split(coll, ".")
		for _, d := range l.moduleCollectionDirs() {
			if cdir := filepath.Join(d, parts[0], parts[1]); isDirPath(cdir) {
				file = filepath.Join(cdir, "meta", "runtime.yml")
				break
			}
		}
		if file == "" {
			return nil, false
		}
	}
	empty := value.NewMap(0)
	data, err := os.ReadFile(file)
	if err != nil {
		return empty, true
	}
	n, err := value.ParseYAML(data)
	if err != nil {
		return empty, true
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	doc, err := value.FromNode(n)
	if err != nil {
		return empty, true
	}
	if m, ok := doc.(*value.Map); ok {
		ag, _ := m.Get("action_groups")
		if g, ok := ag.(*value.Map); ok {
			return g, true
		}
	}
	return empty, true
}

// validateGroupMetadata warns, as ansible-core does unless
// VALIDATE_ACTION_GROUP_METADATA is off, about a group entry that is not
// a valid metadata dictionary.
func (l *Loader) validateGroupMetadata(a any, foundMeta bool, fq string) {
	if l.o.Warn == nil {
		return
	}
	if v, ok := os.LookupEnv("ANSIBLE_VALIDATE_ACTION_GROUP_METADATA"); ok && !value.Bool(v) {
		return
	}
	var warnings []string
	m, _ := a.(*value.Map)
	md, hasMeta := any(nil), false
	if m != nil {
		md, hasMeta = m.Get("metadata")
	}
	if m == nil || !hasMeta || m.Len() != 1 {
		var keys []string
		if m != nil {
			keys = append(keys, m.Keys()...)
		}
		sort.Strings(keys)
		warnings = append(warnings, "The only expected key is metadata, but got keys: "+strings.Join(keys, ", "))
	} else {
		if foundMeta {
			warnings = append(warnings, "The group contains multiple metadata entries.")
		}
		if mm, ok := md.(*value.Map); !ok {
			warnings = append(warnings, "The metadata is not a dictionary. Got "+value.Repr(md))
		} else {
			var unexpected, types []string
			for _, k := range mm.Keys() {
				if k != "extend_group" {
					unexpected = append(unexpected, k)
				}
			}
			if len(unexpected) > 0 {
				warnings = append(warnings, "The metadata contains unexpected keys: "+strings.Join(unexpected, ", "))
			}
			if eg, ok := mm.Get("extend_group"); ok {
				switch eg.(type) {
				case string, []any:
				default:
					types = append(types, fmt.Sprintf("extend_group is %s (expected type list)", value.Repr(eg)))
				}
			}
			if len(types) > 0 {
				warnings = append(warnings, "The metadata contains unexpected key types: "+strings.Join(types, ", "))
			}
		}
	}
	if len(warnings) > 0 {
		l.o.Warn("Invalid metadata was found for action_group " + fq + " while loading module_defaults. " + strings.Join(warnings, " "))
	}
}
