package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// writeAccess writes how to reach the lab: an INI inventory with
// host_vars/ and group_vars/ beside it, an ssh_config for ssh(1), and a
// known_hosts file with each host's own key, so nothing turns host key
// checking off.
func writeAccess(st *State, spec *Spec) error {
	invDir := filepath.Dir(st.Inventory)
	for _, d := range []string{invDir, filepath.Join(invDir, "host_vars"), filepath.Join(invDir, "group_vars")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(st.Inventory, []byte(inventoryINI(st, spec)), 0o644); err != nil {
		return err
	}
	for _, h := range spec.Hosts {
		if err := writeVars(filepath.Join(invDir, "host_vars", h.Name+".yml"), &h.Vars); err != nil {
			return err
		}
	}
	for g, gs := range spec.Groups {
		if err := writeVars(filepath.Join(invDir, "group_vars", g+".yml"), &gs.Vars); err != nil {
			return err
		}
	}
	if err := writeVars(filepath.Join(invDir, "group_vars", "all.yml"), &spec.Vars); err != nil {
		return err
	}

	var kh, cfg strings.Builder
	for _, h := range st.Hosts {
		fields := strings.Fields(h.HostKey)
		if len(fields) < 2 {
			return fmt.Errorf("host %s: no host key", h.Name)
		}
		fmt.Fprintf(&kh, "%s,%s %s %s\n", h.Name, h.Address, fields[0], fields[1])
		fmt.Fprintf(&cfg, "Host %s %s\n  HostName %s\n  User root\n  IdentityFile %s\n  IdentitiesOnly yes\n"+
			"  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  HostKeyAlias %s\n  LogLevel ERROR\n"+
			"  ConnectTimeout 5\n  ServerAliveInterval 2\n\n",
			h.Name, h.Address, h.Address, st.Key, st.KnownHosts, h.Name)
	}
	if err := os.WriteFile(st.KnownHosts, []byte(kh.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(st.SSHConfig, []byte(cfg.String()), 0o644)
}

// inventoryINI lists the hosts with their addresses and the lab's
// connection settings; grouped hosts are listed under their groups.
func inventoryINI(st *State, spec *Spec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# fjord lab %q, written by `fjord lab up`; gone with `fjord lab down`.\n", st.Name)
	addr := map[string]string{}
	for _, h := range st.Hosts {
		addr[h.Name] = h.Address
	}
	written := map[string]bool{}
	hostLine := func(name string) string {
		if written[name] {
			return name + "\n"
		}
		written[name] = true
		return fmt.Sprintf("%s ansible_host=%s\n", name, addr[name])
	}
	for _, h := range spec.Hosts {
		if len(h.Groups) == 0 {
			b.WriteString(hostLine(h.Name))
		}
	}
	groups := map[string][]string{}
	var order []string
	for _, h := range spec.Hosts {
		for _, g := range h.Groups {
			if _, ok := groups[g]; !ok {
				order = append(order, g)
			}
			groups[g] = append(groups[g], h.Name)
		}
	}
	for _, g := range order {
		fmt.Fprintf(&b, "\n[%s]\n", g)
		for _, n := range groups[g] {
			b.WriteString(hostLine(n))
		}
	}
	names := make([]string, 0, len(spec.Groups))
	for g := range spec.Groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		if ch := spec.Groups[g].Children; len(ch) > 0 {
			fmt.Fprintf(&b, "\n[%s:children]\n%s\n", g, strings.Join(ch, "\n"))
		} else if _, ok := groups[g]; !ok {
			fmt.Fprintf(&b, "\n[%s]\n", g)
		}
	}
	fmt.Fprintf(&b, "\n[all:vars]\nansible_user=root\nansible_connection=ssh\nansible_ssh_private_key_file=%s\n"+
		// A lab host that is killed or partitioned is noticed in seconds.
		"ansible_ssh_common_args='-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o ConnectTimeout=5 -o ServerAliveInterval=2'\n",
		st.Key, st.KnownHosts)
	return b.String()
}

func writeVars(path string, vars *yaml.Node) error {
	if vars.Kind != yaml.MappingNode || len(vars.Content) == 0 {
		return nil
	}
	b, err := yaml.Marshal(vars)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte("---\n"), b...), 0o644)
}
