package inventory

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// parseScript runs an executable inventory with --list and reads its JSON;
// without _meta.hostvars it asks --host for each host.
func (inv *Inventory) parseScript(path string) error {
	out, errOut, err := runScript(path, "--list")
	if err != nil {
		if _, ok := err.(*exec.ExitError); ok {
			msg := errOut
			if msg != "" && !strings.HasSuffix(msg, "\n") {
				msg += "\n"
			}
			return fmt.Errorf("Inventory script (%s) had an execution error: %s ", path, msg)
		}
		return fmt.Errorf("problem running %s --list (%v)", path, err)
	}
	data, err := value.FromJSON(out)
	if err != nil {
		return fmt.Errorf("failed to parse executable inventory script results from %s: %v\n%s", path, err, errOut)
	}
	top, ok := data.(*value.Map)
	if !ok {
		return fmt.Errorf("failed to parse executable inventory script results from %s: needs to be a json dict\n%s", path, errOut)
	}
	var hosts []string
	seen := map[string]bool{}
	var meta any
	haveMeta := false
	for _, gname := range top.Keys() {
		gdata, _ := top.Get(gname)
		if gname == "_meta" {
			if m, ok := gdata.(*value.Map); ok {
				if hv, ok := m.Get("hostvars"); ok {
					meta, haveMeta = hv, true
				}
			}
			continue
		}
		names, err := inv.scriptGroup(gname, gdata)
		if err != nil {
			return err
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				hosts = append(hosts, n)
			}
		}
	}
	for _, hn := range hosts {
		var got any
		if !haveMeta {
			out, _, err := runScript(path, "--host", hn)
			if err != nil {
				return fmt.Errorf("problem running %s --host %s (%v)", path, hn, err)
			}
			if len(bytes.TrimSpace(out)) > 0 {
				if got, err = value.FromJSON(out); err != nil {
					return fmt.Errorf("could not parse post variable response: %s --host %s, %v", path, hn, err)
				}
			}
		} else {
			mm, ok := meta.(*value.Map)
			if !ok {
				return fmt.Errorf("Improperly formatted host information for %s: hostvars is not a dictionary", hn)
			}
			got, _ = mm.Get(hn)
		}
		if got == nil {
			continue
		}
		vars, ok := got.(*value.Map)
		if !ok {
			return fmt.Errorf("Invalid data from file, expected dictionary and got:\n\n%s", value.String(got))
		}
		h := inv.hostByName[hn]
		vars.Range(func(k string, v any) bool { h.Vars.Set(k, v); return true })
	}
	return nil
}

func runScript(path string, args ...string) ([]byte, string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.String(), err
}

func (inv *Inventory) scriptGroup(name string, data any) ([]string, error) {
	if _, err := inv.addGroup(name); err != nil {
		return nil, err
	}
	g := inv.groupByName[name]
	var hosts, vars, children any
	var hasHosts, hasVars, hasChildren bool
	if m, ok := data.(*value.Map); ok {
		hosts, hasHosts = m.Get("hosts")
		vars, hasVars = m.Get("vars")
		children, hasChildren = m.Get("children")
		if !hasHosts && !hasVars && !hasChildren {
			// A bare mapping is a host of the group's name with those vars.
			hosts, hasHosts = []any{name}, true
			vars, hasVars = m, true
		}
	} else {
		hosts, hasHosts = data, true
	}
	var names []string
	if hasHosts {
		l, ok := hosts.([]any)
		if !ok {
			return nil, fmt.Errorf("You defined a group '%s' with bad data for the host list:\n %s", name, value.String(data))
		}
		for _, h := range l {
			hn, ok := h.(string)
			if !ok {
				return nil, fmt.Errorf("Invalid host name supplied, expected a string but got %s for %s", pyTypeName(h), value.String(h))
			}
			if _, err := inv.addHost(hn, name, 0, false); err != nil {
				return nil, err
			}
			names = append(names, hn)
		}
	}
	if hasVars {
		m, ok := vars.(*value.Map)
		if !ok {
			return nil, fmt.Errorf("You defined a group '%s' with bad data for variables:\n %s", name, value.String(data))
		}
		var err error
		m.Range(func(k string, v any) bool { err = inv.setGroupVar(g, k, v); return err == nil })
		if err != nil {
			return nil, err
		}
	}
	if hasChildren {
		l, _ := children.([]any)
		if m, ok := children.(*value.Map); ok {
			for _, k := range m.Keys() {
				l = append(l, k)
			}
		}
		for _, c := range l {
			cn, ok := c.(string)
			if !ok {
				return nil, fmt.Errorf("Invalid group name supplied, expected a string but got %s for %s", pyTypeName(c), value.String(c))
			}
			if _, err := inv.addGroup(cn); err != nil {
				return nil, err
			}
			if err := inv.addChildGroup(name, cn); err != nil {
				return nil, err
			}
		}
	}
	return names, nil
}

// parseHostList reads "h1,h2:2222," sources; hosts go to ungrouped.
func (inv *Inventory) parseHostList(src string) error {
	for _, h := range strings.Split(src, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		host, port, hasPort, ok := parseAddress(h)
		if !ok || strings.Contains(host, "[") {
			host, port, hasPort = h, 0, false
		}
		if _, exists := inv.hostByName[host]; exists {
			continue
		}
		if _, err := inv.addHost(host, "ungrouped", port, hasPort); err != nil {
			return fmt.Errorf("Invalid data from string, could not parse: %v", err)
		}
	}
	return nil
}
