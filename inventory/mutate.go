package inventory

import "github.com/fjord-run/fjord/value"

// AddHost adds a host at run time (add_host): it joins groups (created
// under all when new) and gets vars on top of its own. The caller must not
// run it concurrently with readers of the inventory.
func (inv *Inventory) AddHost(name string, groups []string, vars *value.Map) (*Host, bool, error) {
	_, existed := inv.hostByName[name]
	saved := inv.current
	inv.current = ""
	h, err := inv.addHost(name, "", 0, false)
	inv.current = saved
	if err != nil {
		return nil, false, err
	}
	changed := !existed
	for _, g := range groups {
		added, err := inv.AddToGroup(h, g, nil)
		if err != nil {
			return nil, false, err
		}
		changed = changed || added
	}
	vars.Range(func(k string, v any) bool {
		if old, ok := h.Vars.Get(k); !ok || value.Repr(old) != value.Repr(v) {
			changed = true
		}
		h.Vars.Set(k, v)
		return true
	})
	if err := inv.reconcile(); err != nil {
		return nil, false, err
	}
	inv.invalidate()
	return h, changed, nil
}

// AddToGroup puts h in group (group_by), creating the group, and its
// parents above it, when they do not exist. It reports whether anything
// changed.
func (inv *Inventory) AddToGroup(h *Host, group string, parents []string) (bool, error) {
	_, existed := inv.groupByName[group]
	g, err := inv.addGroup(group)
	if err != nil {
		return false, err
	}
	changed := !existed
	for _, p := range parents {
		if _, err := inv.addGroup(p); err != nil {
			return false, err
		}
		if err := inv.addChildGroup(p, group); err != nil {
			return false, err
		}
	}
	if g.addHost(h) {
		changed = true
	}
	if err := inv.reconcile(); err != nil {
		return false, err
	}
	inv.invalidate()
	return changed, nil
}

// invalidate drops cached merged variables after the inventory changed.
func (inv *Inventory) invalidate() {
	inv.mu.Lock()
	inv.varsCache = map[[2]string]*value.Map{}
	inv.groupsMap = nil
	inv.mu.Unlock()
}
