package inventory

import (
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// internalVars are left out of ansible-inventory's host variables.
var internalVars = map[string]bool{
	"ansible_diff_mode": true, "ansible_config_file": true, "ansible_facts": true,
	"ansible_forks": true, "ansible_inventory_sources": true, "ansible_limit": true,
	"ansible_playbook_python": true, "ansible_run_tags": true, "ansible_skip_tags": true,
	"ansible_verbosity": true, "ansible_version": true, "inventory_dir": true,
	"inventory_file": true, "inventory_hostname": true, "inventory_hostname_short": true,
	"groups": true, "group_names": true, "omit": true, "playbook_dir": true,
}

func (inv *Inventory) publicHostVars(h *Host, playbookDir string) (*value.Map, error) {
	vars, err := inv.HostVars(h, playbookDir)
	if err != nil {
		return nil, err
	}
	for k := range internalVars {
		vars.Delete(k)
	}
	return vars, nil
}

// ListJSON is `ansible-inventory --list`: each group with its hosts and
// children (empty entries left out, "all" without hosts), and
// _meta.hostvars for every host with variables. ansible-inventory ignores
// --playbook-dir for host variables; pass "" to match it.
func ListJSON(inv *Inventory, playbookDir string) ([]byte, error) {
	out := value.NewMap(len(inv.groups) + 1)
	seen := map[string]bool{}
	var format func(g *Group)
	format = func(g *Group) {
		entry := value.NewMap(2)
		if g.Name != "all" && len(g.Hosts) > 0 {
			hs := make([]any, len(g.Hosts))
			for i, h := range g.Hosts {
				hs[i] = h.Name
			}
			entry.Set("hosts", hs)
		}
		if len(g.Children) > 0 {
			cs := make([]any, len(g.Children))
			for i, c := range g.Children {
				cs[i] = c.Name
			}
			entry.Set("children", cs)
		}
		if entry.Len() > 0 {
			out.Set(g.Name, entry)
		} else {
			out.Delete(g.Name)
		}
		for _, c := range g.Children {
			if !seen[c.Name] {
				seen[c.Name] = true
				format(c)
			}
		}
	}
	format(inv.groupByName["all"])
	hostvars := value.NewMap(len(inv.hosts))
	for _, h := range inv.groupByName["all"].AllHosts() {
		vars, err := inv.publicHostVars(h, playbookDir)
		if err != nil {
			return nil, err
		}
		if vars.Len() > 0 {
			hostvars.Set(h.Name, vars)
		}
	}
	out.Set("_meta", value.MapOf("hostvars", hostvars))
	return PyJSON(out), nil
}

// HostJSON is `ansible-inventory --host NAME`. The name is a pattern that
// must select exactly one host.
func HostJSON(inv *Inventory, host, playbookDir string) ([]byte, error) {
	hs, err := inv.Select(host)
	if err != nil {
		return nil, err
	}
	if len(hs) != 1 {
		return nil, fmt.Errorf("You must pass a single valid host to --host parameter")
	}
	vars, err := inv.publicHostVars(hs[0], playbookDir)
	if err != nil {
		return nil, err
	}
	return PyJSON(vars), nil
}

// Graph is `ansible-inventory --graph [group]`; it returns "" when the
// group does not exist (the caller reports "Pattern must be valid group
// name when using --graph").
func Graph(inv *Inventory, group string) string {
	g, ok := inv.groupByName[group]
	if !ok {
		return ""
	}
	var lines []string
	var walk func(g *Group, depth int)
	name := func(s string, depth int) string {
		if depth == 0 {
			return s
		}
		return strings.Repeat("  |", depth) + "--" + s
	}
	walk = func(g *Group, depth int) {
		lines = append(lines, name("@"+g.Name+":", depth))
		for _, c := range g.Children {
			walk(c, depth+1)
		}
		if g.Name != "all" {
			for _, h := range g.Hosts {
				lines = append(lines, name(h.Name, depth+1))
			}
		}
	}
	walk(g, 0)
	return strings.Join(lines, "\n")
}

// PyJSON encodes v as Python's json.dumps(v, sort_keys=True, indent=4,
// ensure_ascii=False) does, which is what ansible-inventory prints.
func PyJSON(v any) []byte {
	// StringDefault never fails, and inventory variables are not nested
	// deeply enough for the depth limit.
	out, _ := value.AppendPyJSON(nil, v, value.PyJSONOptions{Indent: 4, SortKeys: true, Default: value.StringDefault})
	return out
}
