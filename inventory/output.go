package inventory

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

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
	var b bytes.Buffer
	writePyJSON(&b, v, 0)
	return b.Bytes()
}

func writePyJSON(b *bytes.Buffer, v any, depth int) {
	indent := func(d int) {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("    ", d))
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(v))
	case float64:
		switch {
		case math.IsNaN(v):
			b.WriteString("NaN")
		case math.IsInf(v, 1):
			b.WriteString("Infinity")
		case math.IsInf(v, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyFloatRepr(v))
		}
	case string:
		writePyString(b, v)
	case value.Unsafe:
		writePyString(b, string(v))
	case *value.Vault:
		writePyString(b, v.Ciphertext)
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			indent(depth + 1)
			writePyJSON(b, e, depth+1)
		}
		indent(depth)
		b.WriteByte(']')
	case *value.Map:
		if v.Len() == 0 {
			b.WriteString("{}")
			return
		}
		keys := v.SortedKeys()
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			indent(depth + 1)
			writePyString(b, k)
			b.WriteString(": ")
			e, _ := v.Get(k)
			writePyJSON(b, e, depth+1)
		}
		indent(depth)
		b.WriteByte('}')
	case value.Getter:
		m := value.NewMap(len(v.Keys()))
		for _, k := range v.Keys() {
			e, _ := v.Get(k)
			m.Set(k, e)
		}
		writePyJSON(b, m, depth)
	default:
		writePyString(b, fmt.Sprint(v))
	}
}

// pyFloatRepr is Python's repr(float): shortest round-trip digits,
// exponent form below 1e-4 and from 1e16.
func pyFloatRepr(f float64) string {
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e16 || abs < 1e-4 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		if len(exp) < 2 {
			exp = strings.Repeat("0", 2-len(exp)) + exp
		}
		return mant + "e" + string(sign) + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func writePyString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(b, `\udc%02x`, s[i])
			i++
			continue
		}
		i += size
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// sortedNames is a helper for tests and callers that print group lists.
func sortedNames(gs []*Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	sort.Strings(out)
	return out
}
