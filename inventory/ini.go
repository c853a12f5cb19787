package inventory

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fjord-run/fjord/value"
)

var (
	reSection   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	reGroupName = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

type pendingDecl struct {
	name    string
	state   string
	line    int
	parents []string
}

// iniParser reads Ansible's INI inventory format: host lines (with ranges,
// :port and key=value vars), [group], [group:children] and [group:vars].
type iniParser struct {
	inv     *Inventory
	file    string
	lineno  int
	col     int
	pending []*pendingDecl
}

func (p *iniParser) errorf(format string, args ...any) *Error {
	return &Error{File: p.file, Line: p.lineno, Col: p.col, Msg: fmt.Sprintf(format, args...)}
}

func (p *iniParser) findPending(name string) *pendingDecl {
	for _, d := range p.pending {
		if d.name == name {
			return d
		}
	}
	return nil
}

func (p *iniParser) dropPending(name string) {
	for i, d := range p.pending {
		if d.name == name {
			p.pending = append(p.pending[:i:i], p.pending[i+1:]...)
			return
		}
	}
}

// parseINI reads data as Ansible 2.14 does, bytes that are not UTF-8
// included: it decodes with surrogateescape, so a host "h\xff2" is parsed
// and keeps its byte, as a Go string keeps it.
func (inv *Inventory) parseINI(file string, data []byte) error {
	p := &iniParser{inv: inv, file: file}
	return p.parse(splitLines(string(data)))
}

// splitLines splits as Python's str.splitlines does for the line endings
// inventories contain.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func (p *iniParser) parse(lines []string) error {
	group, state := "ungrouped", "hosts"
	for i, raw := range lines {
		p.lineno = i + 1
		line := strings.TrimSpace(raw)
		p.col = strings.Index(raw, line) + 1
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if m := reSection.FindStringSubmatch(line); m != nil {
			var err error
			if group, state, err = p.section(m[1], m[2]); err != nil {
				return err
			}
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			return p.errorf("Invalid section entry: '%s'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters", line)
		}
		var err error
		switch state {
		case "hosts":
			err = p.hostLine(line, group)
		case "vars":
			err = p.varLine(line, group)
		case "children":
			err = p.childLine(line, group)
		}
		if err != nil {
			return err
		}
	}
	return p.undefinedGroups()
}

// section starts a [group] or [group:state] section, declaring the group
// unless it is only [group:vars].
func (p *iniParser) section(group, state string) (string, string, error) {
	kind := state
	if kind == "" {
		kind = "hosts"
	}
	if kind != "hosts" && kind != "children" && kind != "vars" {
		return "", "", p.errorf("Section [%s:%s] has unknown type: %s", group, state, kind)
	}
	if _, ok := p.inv.groupByName[group]; !ok {
		// [g:vars] alone does not declare g; remember to check.
		if kind == "vars" && p.findPending(group) == nil {
			p.pending = append(p.pending, &pendingDecl{name: group, state: kind, line: p.lineno})
		}
		if _, err := p.inv.addGroup(group); err != nil {
			return "", "", p.errorf("%v", err)
		}
	}
	if d := p.findPending(group); d != nil && kind != "vars" {
		if d.state == "children" {
			if err := p.addPendingChildren(group); err != nil {
				return "", "", err
			}
		} else {
			p.dropPending(group)
		}
	}
	return group, kind, nil
}

// varLine reads a key=value line of a [group:vars] section.
func (p *iniParser) varLine(line, group string) error {
	k, v, ok := strings.Cut(line, "=")
	if !ok {
		return p.errorf("Expected key=value, got: %s", line)
	}
	g := p.inv.groupByName[group]
	if err := p.inv.setGroupVar(g, strings.TrimSpace(k), parseINIValue(strings.TrimSpace(v))); err != nil {
		return p.errorf("%v", err)
	}
	return nil
}

// childLine reads a group name in a [group:children] section; a child not
// declared yet is remembered until it is.
func (p *iniParser) childLine(line, group string) error {
	m := reGroupName.FindStringSubmatch(line)
	if m == nil {
		return p.errorf("Expected group name, got: %s", line)
	}
	child := m[1]
	if _, ok := p.inv.groupByName[child]; ok {
		if err := p.inv.addChildGroup(group, child); err != nil {
			return p.errorf("%v", err)
		}
		return nil
	}
	if d := p.findPending(child); d != nil {
		d.parents = append(d.parents, group)
	} else {
		p.pending = append(p.pending, &pendingDecl{name: child, state: "children", line: p.lineno, parents: []string{group}})
	}
	return nil
}

// undefinedGroups refuses, at the end of the file, the first group that
// was named in a :vars or :children section but never declared.
func (p *iniParser) undefinedGroups() error {
	p.col = 0
	for _, d := range p.pending {
		p.lineno = d.line
		switch d.state {
		case "vars":
			return p.errorf("Section [%s:vars] not valid for undefined group: %s", d.name, d.name)
		case "children":
			return p.errorf("Section [%s:children] includes undefined group: %s", d.parents[len(d.parents)-1], d.name)
		}
	}
	return nil
}

func (p *iniParser) addPendingChildren(group string) error {
	d := p.findPending(group)
	if d == nil {
		return nil
	}
	for _, parent := range d.parents {
		if err := p.inv.addChildGroup(parent, group); err != nil {
			return p.errorf("%v", err)
		}
		if pd := p.findPending(parent); pd != nil && pd.state == "children" && pd != d {
			if err := p.addPendingChildren(parent); err != nil {
				return err
			}
		}
	}
	p.dropPending(group)
	return nil
}

// hostLine parses "name[:port] [key=value ...] [# comment]".
func (p *iniParser) hostLine(line, group string) error {
	toks, err := value.ShlexSplit(line, true)
	if err != nil {
		return p.errorf("Error parsing host definition '%s': %v", line, err)
	}
	if len(toks) == 0 {
		return p.errorf("Expected a host name, got: %s", line)
	}
	pattern := toks[0]
	names, port, hasPort, err := expandHostPattern(pattern)
	if err != nil {
		return p.errorf("%v", err)
	}
	if strings.HasSuffix(strings.TrimSpace(pattern), ":") && !hasPort {
		return p.errorf("Invalid host pattern '%s' supplied, ending in ':' is not allowed, this character is reserved to provide a port.", pattern)
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "---" {
			return p.errorf("Invalid host pattern '%s' supplied, '---' is normally a sign this is a YAML file.", pattern)
		}
	}
	type kv struct {
		k string
		v any
	}
	var vars []kv
	for _, t := range toks[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			if c := strings.Index(line, t); c >= 0 {
				p.col += c
			}
			return p.errorf("Expected key=value host variable assignment, got: %s", t)
		}
		vars = append(vars, kv{k, parseINIValue(v)})
	}
	for _, n := range names {
		h, err := p.inv.addHost(n, group, port, hasPort)
		if err != nil {
			return p.errorf("%v", err)
		}
		for _, x := range vars {
			h.Vars.Set(x.k, x.v)
		}
	}
	return nil
}
