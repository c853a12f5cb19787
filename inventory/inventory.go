package inventory

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"sync"

	"github.com/fjord-run/fjord/value"
)

// Inventory holds hosts in definition order and groups by name. "all" and
// "ungrouped" always exist. After Load it is safe for concurrent readers.
type Inventory struct {
	// Sources are the -i sources as resolved (absolute paths, host lists
	// unchanged); group_vars/ and host_vars/ are looked up beside them.
	Sources []string
	// Warnings are what Ansible prints as [WARNING] while loading:
	// *SourceWarning for sources no plugin could parse, Warning otherwise.
	Warnings []error
	// VaultDecrypt, if set, decrypts vault-encrypted group_vars/host_vars
	// files; file names the file for error messages.
	VaultDecrypt func(data []byte, file string) ([]byte, error)
	// NoMatch, if set, is told each pattern (without its subscript) that
	// names no host and no group while selecting hosts, which Ansible
	// warns about: "Could not match supplied host pattern, ignoring: X".
	// It is called on every evaluation; the caller says it once.
	NoMatch func(pattern string)

	hosts       []*Host
	hostByName  map[string]*Host
	groups      []*Group
	groupByName map[string]*Group

	mu        sync.Mutex
	localhost *Host // first localhost-like host, or the implicit one
	subset    []string
	hasSubset bool
	varsCache map[[2]string]*value.Map
	fileCache map[string]*value.Map
	// groupsMap is GroupsMap's answer until the groups change (changed):
	// every scope outside a play asks for it.
	groupsMap *value.Map

	current     string // source being parsed
	currentDir  string // its inventory_dir
	badGroupMsg bool
}

// Host is one inventory host.
type Host struct {
	Name string
	// Vars are the variables the inventory sources set on the host,
	// including inventory_file and inventory_dir.
	Vars *value.Map
	// Implicit is true for the localhost Ansible makes up when a play
	// names localhost and the inventory does not.
	Implicit bool

	groups []*Group // direct memberships, in the order they were made
}

// Group is one inventory group.
type Group struct {
	Name     string
	Vars     *value.Map // from the inventory sources, without ansible_group_priority
	Hosts    []*Host    // direct members, in order of addition
	Children []*Group
	Parents  []*Group
	// Depth is the length of the longest path from "all"; Priority is
	// ansible_group_priority (default 1). Both order variable precedence.
	Depth    int
	Priority int
}

// Options mirror the ansible.cfg settings that change how Load fails.
type Options struct {
	// AnyUnparsedIsFailed makes a source no plugin can parse an error
	// (inventory_any_unparsed_is_failed).
	AnyUnparsedIsFailed bool
	// UnparsedIsFailed makes it an error when no source at all parsed
	// (inventory_unparsed_is_failed).
	UnparsedIsFailed bool
}

// localhostNames are the names that resolve to the implicit localhost.
var localhostNames = []string{"127.0.0.1", "localhost", "::1"}

func isLocalhostName(s string) bool {
	for _, n := range localhostNames {
		if s == n {
			return true
		}
	}
	return false
}

func newInventory() *Inventory {
	inv := &Inventory{
		hostByName:  map[string]*Host{},
		groupByName: map[string]*Group{},
		varsCache:   map[[2]string]*value.Map{},
		fileCache:   map[string]*value.Map{},
	}
	inv.addGroup("all")
	inv.addGroup("ungrouped")
	_ = inv.addChildGroup("all", "ungrouped")
	return inv
}

func (inv *Inventory) warn(msg string) {
	for _, w := range inv.Warnings {
		if w.Error() == msg {
			return
		}
	}
	inv.Warnings = append(inv.Warnings, Warning(msg))
}

// --- building blocks, as Ansible's InventoryData has them ---

var invalidGroupChars = regexp.MustCompile(`^[\d\W]|[^\w]`)

// changed drops what is computed from the groups' membership.
func (inv *Inventory) changed() {
	inv.mu.Lock()
	inv.groupsMap = nil
	inv.mu.Unlock()
}

func (inv *Inventory) addGroup(name string) (*Group, error) {
	inv.changed()
	if name == "" {
		return nil, errors.New("Invalid empty/false group name provided: ")
	}
	if g, ok := inv.groupByName[name]; ok {
		return g, nil
	}
	if invalidGroupChars.MatchString(name) {
		inv.badGroupMsg = true
	}
	g := &Group{Name: name, Vars: value.NewMap(0), Priority: 1}
	inv.groups = append(inv.groups, g)
	inv.groupByName[name] = g
	return g, nil
}

func (inv *Inventory) addHost(name, group string, port int, hasPort bool) (*Host, error) {
	inv.changed()
	if name == "" {
		return nil, errors.New("Invalid empty host name provided: ")
	}
	var g *Group
	if group != "" {
		var ok bool
		if g, ok = inv.groupByName[group]; !ok {
			return nil, fmt.Errorf("Could not find group %s in inventory", group)
		}
	}
	h, ok := inv.hostByName[name]
	if !ok {
		h = &Host{Name: name, Vars: value.NewMap(2)}
		if hasPort && port != 0 {
			h.Vars.Set("ansible_port", port)
		}
		if inv.current != "" {
			h.Vars.Set("inventory_file", inv.current)
			h.Vars.Set("inventory_dir", inv.currentDir)
		} else {
			h.Vars.Set("inventory_file", nil)
			h.Vars.Set("inventory_dir", nil)
		}
		inv.hosts = append(inv.hosts, h)
		inv.hostByName[name] = h
		if isLocalhostName(name) {
			if inv.localhost == nil {
				inv.localhost = h
			} else {
				inv.warn(fmt.Sprintf("A duplicate localhost-like entry was found (%s). First found localhost was %s", name, inv.localhost.Name))
			}
		}
	}
	if g != nil {
		g.addHost(h)
	}
	return h, nil
}

// sourceDir is Ansible's basedir() of a source: the directory of a file,
// the directory itself, or the string "None" for a host list.
func sourceDir(src string) string {
	st, err := os.Stat(src)
	switch {
	case err != nil:
		return "None"
	case st.IsDir():
		return src
	}
	return filepath.Dir(src)
}

func (g *Group) addHost(h *Host) bool {
	for _, x := range g.Hosts {
		if x.Name == h.Name {
			return false
		}
	}
	g.Hosts = append(g.Hosts, h)
	h.groups = append(h.groups, g)
	return true
}

func (g *Group) removeHost(h *Host) {
	for i, x := range g.Hosts {
		if x == h {
			g.Hosts = append(g.Hosts[:i:i], g.Hosts[i+1:]...)
			break
		}
	}
	for i, x := range h.groups {
		if x == g {
			h.groups = append(h.groups[:i:i], h.groups[i+1:]...)
			break
		}
	}
}

// ancestors returns every group above g, nearest first.
func (g *Group) ancestors() []*Group {
	return walk(g, func(x *Group) []*Group { return x.Parents }, false)
}

// descendants returns g (if self) and every group below it, level by level
// in definition order.
func (g *Group) descendants(self bool) []*Group {
	return walk(g, func(x *Group) []*Group { return x.Children }, self)
}

func walk(g *Group, next func(*Group) []*Group, self bool) []*Group {
	seen := map[*Group]bool{g: true}
	var out []*Group
	if self {
		out = append(out, g)
	}
	level := []*Group{g}
	for len(level) > 0 {
		var nl []*Group
		for _, x := range level {
			for _, y := range next(x) {
				if !seen[y] {
					seen[y] = true
					out = append(out, y)
					nl = append(nl, y)
				}
			}
		}
		level = nl
	}
	return out
}

func (inv *Inventory) addChildGroup(parent, child string) error {
	inv.changed()
	p, ok := inv.groupByName[parent]
	if !ok {
		return fmt.Errorf("%s is not a known group", parent)
	}
	c, ok := inv.groupByName[child]
	if !ok {
		if h, ok := inv.hostByName[child]; ok {
			p.addHost(h)
			return nil
		}
		return fmt.Errorf("%s is not a known host nor group", child)
	}
	if p == c {
		return fmt.Errorf("can't add group to itself")
	}
	for _, x := range p.Children {
		if x == c {
			return nil
		}
	}
	for _, a := range p.ancestors() {
		if a == c {
			return fmt.Errorf("Adding group '%s' as child to '%s' creates a recursive dependency loop.", c.Name, p.Name)
		}
	}
	p.Children = append(p.Children, c)
	for _, x := range c.Parents {
		if x.Name == p.Name {
			return nil
		}
	}
	c.Parents = append(c.Parents, p)
	return nil
}

func (inv *Inventory) setGroupVar(g *Group, k string, v any) error {
	if k == "ansible_group_priority" {
		n, err := toPyInt(v)
		if err != nil {
			return err
		}
		g.Priority = n
		return nil
	}
	g.Vars.Set(k, v)
	return nil
}

// toPyInt is Python's int(v) for the values an inventory can hold, its
// type error in the words ansible's inventory tests were taken with.
func toPyInt(v any) (int, error) {
	n, err := value.PyInt(v)
	var te *value.IntTypeError
	if errors.As(err, &te) {
		return 0, fmt.Errorf("int() argument must be a string or a number, not %s", pyTypeName(v))
	}
	return n, err
}

func pyTypeName(v any) string { return "'" + value.TypeName(v) + "'" }

// allGroups is the host's groups with their ancestors, as Host.get_groups.
func (h *Host) allGroups() []*Group {
	seen := map[*Group]bool{}
	var out []*Group
	for _, g := range h.groups {
		for _, x := range append(g.ancestors(), g) {
			if !seen[x] {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	return out
}

// Host finds a host by name. "localhost", "127.0.0.1" and "::1" resolve to
// the first localhost-like host of the inventory, or else to an implicit
// localhost (ansible_connection=local) that belongs to no group.
func (inv *Inventory) Host(name string) (*Host, bool) {
	if h, ok := inv.hostByName[name]; ok {
		return h, true
	}
	if !isLocalhostName(name) {
		return nil, false
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.localhost == nil {
		h := &Host{Name: name, Vars: value.NewMap(2), Implicit: true}
		h.Vars.Set("ansible_connection", "local")
		// ansible gives the implicit localhost its own interpreter
		// (sys.executable); fjord's nearest is the controller's python3.
		if py := controllerPython(); py != "" {
			h.Vars.Set("ansible_python_interpreter", py)
		}
		inv.localhost = h
	}
	return inv.localhost, true
}

// Hosts returns the inventory hosts in definition order (never the
// implicit localhost).
func (inv *Inventory) Hosts() []*Host { return append([]*Host(nil), inv.hosts...) }

// Group finds a group by name.
func (inv *Inventory) Group(name string) (*Group, bool) {
	g, ok := inv.groupByName[name]
	return g, ok
}

// Groups returns the groups in creation order, starting with all and
// ungrouped.
func (inv *Inventory) Groups() []*Group { return append([]*Group(nil), inv.groups...) }

// GroupNames is the group_names magic variable: the host's groups and
// their ancestors, sorted, without "all".
func (h *Host) GroupNames() []string {
	var out []string
	for _, g := range h.allGroups() {
		if g.Name != "all" {
			out = append(out, g.Name)
		}
	}
	sort.Strings(out)
	return out
}

// HostGroups returns h's groups with their ancestors and "all", in the
// order their variables apply: by depth, then ansible_group_priority, then
// name.
func (inv *Inventory) HostGroups(h *Host) []*Group {
	gs := h.allGroups()
	if h.Implicit {
		gs = nil
	}
	hasAll := false
	for _, g := range gs {
		hasAll = hasAll || g.Name == "all"
	}
	if !hasAll {
		gs = append(gs, inv.groupByName["all"])
	}
	sortGroups(gs)
	return gs
}

func sortGroups(gs []*Group) {
	sort.SliceStable(gs, func(i, j int) bool {
		a, b := gs[i], gs[j]
		if a.Depth != b.Depth {
			return a.Depth < b.Depth
		}
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.Name < b.Name
	})
}

// AllHosts returns the hosts of g and of every group below it, as Ansible's
// Group.get_hosts: g's own hosts first, then each level of children in
// order. The implicit localhost never appears under "all".
func (g *Group) AllHosts() []*Host {
	seen := map[*Host]bool{}
	var out []*Host
	for _, kid := range g.descendants(true) {
		for _, h := range kid.Hosts {
			if seen[h] {
				continue
			}
			seen[h] = true
			if g.Name == "all" && h.Implicit {
				continue
			}
			out = append(out, h)
		}
	}
	return out
}

// GroupsMap is the `groups` magic variable: every group name (all and
// ungrouped included) to the names of its hosts.
func (inv *Inventory) GroupsMap() *value.Map {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.groupsMap != nil {
		// shared: values in scopes are never changed in place
		return inv.groupsMap
	}
	m := value.NewMap(len(inv.groups))
	for _, g := range inv.groups {
		hs := g.AllHosts()
		l := make([]any, len(hs))
		for i, h := range hs {
			l[i] = h.Name
		}
		m.Set(g.Name, l)
	}
	inv.groupsMap = m
	return m
}

// controllerPython is the python3 on the controller's PATH, "" if none;
// looked up once.
var controllerPython = sync.OnceValue(func() string {
	p, err := exec.LookPath("python3")
	if err != nil {
		return ""
	}
	return p
})
