package value

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Unsafe marks a string that must never be templated (YAML tag !unsafe).
type Unsafe string

// Vault is an inline !vault value still encrypted; whoever has the vault
// secret decrypts it when the value is read.
type Vault struct {
	Ciphertext string
	Line, Col  int
}

// FromNode converts a yaml.v3 node into a variable value, resolving plain
// scalars the way PyYAML (YAML 1.1) does, which is what Ansible users write
// against: yes/no/on/off are booleans, 0644 is octal, ~ is null.
// Aliases are copied, so a recursive alias or one that would expand past
// maxAliasNodes is refused first (a *YAMLError at that alias).
func FromNode(n *yaml.Node) (any, error) {
	if err := checkSubtree(n); err != nil {
		return nil, err
	}
	return fromNode(n)
}

func fromNode(n *yaml.Node) (any, error) {
	if n.Tag == "!unsafe" && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) {
		// ansible's wrap_var: every string inside is unsafe
		n2 := *n
		n2.Tag = ""
		v, err := fromNode(&n2)
		return MarkUnsafe(v), err
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return fromNode(n.Content[0])
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &YAMLError{Line: n.Line, Col: n.Column, Msg: "unknown anchor '" + n.Value + "' referenced"}
		}
		return fromNode(n.Alias)
	case yaml.MappingNode:
		m := NewMap(len(n.Content) / 2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Kind == yaml.ScalarNode && kn.Value == "<<" && kn.Tag != "!!str" {
				if err := mergeInto(m, vn); err != nil {
					return nil, err
				}
				continue
			}
			k, err := fromNode(kn)
			if err != nil {
				return nil, err
			}
			v, err := fromNode(vn)
			if err != nil {
				return nil, err
			}
			m.Set(KeyString(k), v)
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		return Scalar(n)
	}
	return nil, &YAMLError{Line: n.Line, Col: n.Column, Msg: "unsupported YAML node"}
}

func mergeInto(m *Map, vn *yaml.Node) error {
	if vn.Kind == yaml.AliasNode && vn.Alias != nil {
		vn = vn.Alias
	}
	var srcs []*yaml.Node
	if vn.Kind == yaml.SequenceNode {
		srcs = vn.Content
	} else {
		srcs = []*yaml.Node{vn}
	}
	for _, s := range srcs {
		v, err := fromNode(s)
		if err != nil {
			return err
		}
		sm, ok := v.(*Map)
		if !ok {
			return &YAMLError{Line: s.Line, Col: s.Column, Msg: "merge key << needs a mapping"}
		}
		sm.Range(func(k string, v any) bool {
			if _, exists := m.Get(k); !exists {
				m.Set(k, v)
			}
			return true
		})
	}
	return nil
}

// KeyString turns a decoded mapping key into the string Ansible would use.
func KeyString(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case nil:
		return "None"
	case bool:
		if k {
			return "True"
		}
		return "False"
	}
	return fmt.Sprint(k)
}

// Scalar resolves one scalar node.
func Scalar(n *yaml.Node) (any, error) {
	explicit := n.Style&yaml.TaggedStyle != 0
	switch n.Tag {
	case "!unsafe":
		return Unsafe(n.Value), nil
	case "!vault":
		return &Vault{Ciphertext: n.Value, Line: n.Line, Col: n.Column}, nil
	case "!":
		return n.Value, nil
	case "!!str", "!!binary":
		if explicit {
			return n.Value, nil
		}
	case "!!int", "!!float", "!!bool", "!!null":
		if explicit {
			// an explicit tag: honour it with YAML 1.1 resolution
			v := ResolvePlain(n.Value)
			if n.Tag == "!!str" {
				return n.Value, nil
			}
			return v, nil
		}
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	return ResolvePlain(n.Value), nil
}

// ResolvePlain applies YAML 1.1 implicit typing to an unquoted scalar.
func ResolvePlain(s string) any {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON":
		return true
	case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF":
		return false
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
		return math.Inf(1)
	case "-.inf", "-.Inf", "-.INF":
		return math.Inf(-1)
	case ".nan", ".NaN", ".NAN":
		return math.NaN()
	}
	c := s[0]
	if !(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
		return s
	}
	if i, ok := parseInt11(s); ok {
		return i
	}
	if f, ok := parseFloat11(s); ok {
		return f
	}
	return s
}

func parseInt11(s string) (int, bool) {
	t := strings.ReplaceAll(s, "_", "")
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, false
	}
	base := 10
	switch {
	case strings.HasPrefix(t, "0x"):
		base, t = 16, t[2:]
	case strings.HasPrefix(t, "0b"):
		base, t = 2, t[2:]
	case strings.HasPrefix(t, "0o"):
		base, t = 8, t[2:]
	case len(t) > 1 && t[0] == '0':
		base, t = 8, t[1:]
	}
	if t == "" {
		return 0, false
	}
	u, err := strconv.ParseInt(t, base, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		u = -u
	}
	return int(u), true
}

func parseFloat11(s string) (float64, bool) {
	// PyYAML needs a dot in a float ("1e3" stays a string).
	if !strings.Contains(s, ".") {
		return 0, false
	}
	t := strings.ReplaceAll(s, "_", "")
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}
