package runner

import (
	"github.com/fjord-run/fjord/inventory"
	"github.com/fjord-run/fjord/value"
)

// meta: refresh_inventory. The inventory sources are read again; the hosts
// add_host added and the groups group_by made are added back to the new
// inventory, as ansible's InventoryManager replays its cached dynamic
// hosts and groupings. The plays that follow select from it.

// dynHost is one add_host, kept for a refresh.
type dynHost struct {
	name   string
	groups []string
	vars   *value.Map
}

// dynGroup is one group_by, kept for a refresh.
type dynGroup struct {
	host    string
	group   string
	parents []string
}

// refreshInventory reads the inventory sources again and replays the
// dynamic hosts and groups on what they give. A source that now fails
// to read leaves the inventory as it was, with a warning.
func (r *run) refreshInventory(pr *playRun) {
	sources := r.o.Inventory
	if len(sources) == 0 {
		sources = []string{"/etc/ansible/hosts"}
	}
	inv, err := inventory.LoadWith(sources, inventory.Options{UnparsedIsFailed: r.o.InventoryUnparsedIsFailed})
	if err != nil {
		r.warn("Unable to refresh the inventory: " + err.Error())
		return
	}
	inv.VaultDecrypt = inventoryDecrypter(r.o.Vault)
	r.inventoryWarnings(inv.Warnings)
	inv.NoMatch = r.inv.NoMatch
	r.invMu.Lock()
	for _, d := range r.dynHosts {
		_, _, _ = inv.AddHost(d.name, d.groups, d.vars)
	}
	for _, d := range r.dynGroups {
		if h, ok := inv.Host(d.host); ok {
			_, _ = inv.AddToGroup(h, d.group, d.parents)
		}
	}
	if r.o.Limit != "" {
		if err := inv.Limit(r.o.Limit); err != nil {
			r.warn(err.Error())
		}
	}
	r.inv = inv
	r.invMu.Unlock()
	// the host states keep their facts; they now point at the new
	// inventory's hosts, and hosts no longer there are forgotten
	r.hostsMu.Lock()
	for name, h := range r.hosts {
		ih, ok := inv.Host(name)
		if !ok {
			delete(r.hosts, name)
			continue
		}
		h.mu.Lock()
		h.inv = ih
		h.mu.Unlock()
	}
	r.hostsMu.Unlock()
	if err := r.loadHostVars(); err != nil {
		r.warn(err.Error())
	}
	r.refreshInventoryVars(pr)
	if pr != nil {
		r.reselectPlayHosts(pr)
	}
}

// reselectPlayHosts selects the play's hosts again from the refreshed
// inventory, as ansible's strategy asks the inventory for them at each
// task: a host no longer there stops running the play; a new one counts
// among ansible_play_hosts but has no tasks to run in this play.
func (r *run) reselectPlayHosts(pr *playRun) {
	sel, err := r.inv.Select(pr.pattern)
	if err != nil {
		return
	}
	in := map[string]bool{}
	var all []*hostState
	for _, ih := range sel {
		in[ih.Name] = true
		if hs := r.hostState(ih.Name); hs != nil {
			all = append(all, hs)
		}
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for _, h := range pr.batch {
		if !in[h.name] {
			h.ended = true
		}
	}
	pr.all = all
	pr.magic = nil
}
