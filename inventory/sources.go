package inventory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Load reads every -i source, in order, as ansible-core 2.14 does with its
// default settings. A source no plugin can parse yields a *SourceWarning in
// Inventory.Warnings, not an error.
func Load(sources []string) (*Inventory, error) {
	return LoadWith(sources, Options{})
}

// LoadWith is Load with Options. When UnparsedIsFailed fails the load,
// the Inventory comes with the error, for the Warnings that say why each
// source did not parse (Ansible prints them before the error).
func LoadWith(sources []string, opts Options) (*Inventory, error) {
	inv := newInventory()
	parsed := false
	for _, src := range sources {
		if src == "" {
			continue
		}
		if !strings.Contains(src, ",") {
			src = unfrackPath(src)
		}
		inv.Sources = append(inv.Sources, src)
		ok, err := inv.parseSource(src, opts)
		if err != nil {
			return nil, err
		}
		parsed = parsed || ok
	}
	if parsed {
		if err := inv.reconcile(); err != nil {
			return nil, err
		}
	} else {
		if opts.UnparsedIsFailed {
			return inv, errors.New("No inventory was parsed, please check your configuration and options.")
		}
		inv.warn("No inventory was parsed, only implicit localhost is available")
	}
	if inv.badGroupMsg {
		inv.warn("Invalid characters were found in group names but not replaced, use -vvvv to see details")
	}
	return inv, nil
}

// unfrackPath makes a source path absolute the way Ansible does, without
// resolving symlinks.
func unfrackPath(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = home + p[1:]
		}
	}
	p = os.ExpandEnv(p)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}

var ignoredNames = regexp.MustCompile(`^\.|^host_vars$|^group_vars$|^vars_plugins$|` +
	`(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$`)

func (inv *Inventory) parseSource(src string, opts Options) (bool, error) {
	parsed := false
	var failures []*ParseFailure
	if st, err := os.Stat(src); err == nil && st.IsDir() {
		ents, err := os.ReadDir(src)
		if err != nil {
			inv.Warnings = append(inv.Warnings, Warning(err.Error()))
		}
		names := make([]string, 0, len(ents))
		for _, e := range ents {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, n := range names {
			if ignoredNames.MatchString(n) {
				continue
			}
			ok, err := inv.parseSource(filepath.Join(src, n), opts)
			if err != nil {
				return false, err
			}
			parsed = parsed || ok
		}
	} else {
		inv.current, inv.currentDir = src, sourceDir(src)
		parsed, failures = inv.parseFile(src)
		inv.current = ""
	}
	if !parsed {
		if _, err := os.Stat(src); src != "/etc/ansible/hosts" || err == nil {
			if opts.AnyUnparsedIsFailed {
				err := fmt.Errorf("Completely failed to parse inventory source %s", src)
				if len(failures) > 0 {
					err = fmt.Errorf("%w: %w", err, failures[len(failures)-1].Err)
				}
				return false, err
			}
			inv.Warnings = append(inv.Warnings, &SourceWarning{Source: src, Failures: failures})
		}
	}
	return parsed, nil
}

// pyExt is Python's os.path.splitext extension: leading dots of the base
// name do not start an extension.
func pyExt(p string) string {
	base := filepath.Base(p)
	trimmed := strings.TrimLeft(base, ".")
	i := strings.LastIndexByte(trimmed, '.')
	if i < 0 {
		return ""
	}
	return trimmed[i:]
}

// parseFile tries Ansible's default inventory plugins in order (host_list,
// script, auto, yaml, ini, toml); the first that accepts the source wins.
func (inv *Inventory) parseFile(src string) (bool, []*ParseFailure) {
	var failures []*ParseFailure
	fail := func(plugin string, err error) {
		failures = append(failures, &ParseFailure{Source: src, Plugin: plugin, Err: err})
	}
	st, statErr := os.Stat(src)
	if statErr != nil {
		if strings.Contains(src, ",") {
			if err := inv.parseHostList(src); err != nil {
				fail("host_list", err)
				return false, failures
			}
			return true, nil
		}
		return false, nil
	}
	data, readErr := os.ReadFile(src)
	if readErr != nil {
		return false, nil
	}
	ext := pyExt(src)
	if st.Mode()&0o111 != 0 || strings.HasPrefix(string(data), "#!") {
		if err := inv.parseScript(src); err != nil {
			fail("script", err)
		} else {
			return true, nil
		}
	}
	if ext == ".yml" || ext == ".yaml" {
		fail("auto", autoPluginError(src, data))
	}
	if ext == "" || ext == ".yml" || ext == ".yaml" || ext == ".json" {
		if err := inv.parseYAML(src, data); err != nil {
			fail("yaml", err)
		} else {
			return true, nil
		}
	}
	if err := inv.parseINI(src, data); err != nil {
		fail("ini", err)
	} else {
		return true, nil
	}
	if ext == ".toml" {
		fail("toml", errors.New("TOML inventories are not supported"))
	}
	return false, failures
}

// reconcile applies Ansible's rules after parsing: every top-level group is
// a child of all, a host in no group but all is in ungrouped, and a host in
// ungrouped and some other group is not in ungrouped.
func (inv *Inventory) reconcile() error {
	all, ungrouped := inv.groupByName["all"], inv.groupByName["ungrouped"]
	for _, g := range inv.groups {
		if g != all && len(g.Parents) == 0 {
			if err := inv.addChildGroup("all", g.Name); err != nil {
				return err
			}
		}
	}
	for _, h := range inv.hosts {
		mine := h.allGroups()
		inUngrouped, other := false, false
		for _, g := range mine {
			switch g {
			case ungrouped:
				inUngrouped = true
			case all:
			default:
				other = true
			}
		}
		if inUngrouped {
			if other {
				ungrouped.removeHost(h)
			}
		} else if !h.Implicit && !other {
			ungrouped.addHost(h)
		}
	}
	inv.computeDepths()
	return nil
}

func (inv *Inventory) computeDepths() {
	memo := map[*Group]int{}
	var depth func(g *Group, guard int) int
	depth = func(g *Group, guard int) int {
		if d, ok := memo[g]; ok {
			return d
		}
		d := 0
		if guard < len(inv.groups)+1 {
			for _, p := range g.Parents {
				if pd := depth(p, guard+1) + 1; pd > d {
					d = pd
				}
			}
		}
		memo[g] = d
		return d
	}
	for _, g := range inv.groups {
		g.Depth = depth(g, 0)
	}
}

// --- accessors ---
