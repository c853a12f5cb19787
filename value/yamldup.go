package value

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// DuplicateKey is a key written twice in one YAML mapping: PyYAML's
// loader keeps the last value, and ansible warns about it, or fails, as
// DUPLICATE_YAML_DICT_KEY says.
type DuplicateKey struct {
	// Line and Col are the mapping's, as ansible's message gives them.
	Line, Col int
	Key       string
}

// Message is ansible's words for it, after "While constructing a mapping
// from FILE, ".
func (d DuplicateKey) Message() string {
	return fmt.Sprintf("line %d, column %d, found a duplicate dict key (%s). Using last defined value only.", d.Line, d.Col, d.Key)
}

// DuplicateKeys lists the keys written twice in a mapping under n, keys
// compared as the values they read as (yes and true are one key). Aliases
// are not followed: what they point at is checked where it is written.
func DuplicateKeys(n *yaml.Node) []DuplicateKey {
	var out []DuplicateKey
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || n.Kind == yaml.AliasNode {
			return
		}
		if n.Kind == yaml.MappingNode {
			seen := map[string]bool{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				kn := n.Content[i]
				if kn.Kind != yaml.ScalarNode || kn.Value == "<<" && kn.Tag != "!!str" {
					continue
				}
				v, err := Scalar(kn)
				if err != nil {
					continue
				}
				id := fmt.Sprintf("%T:%v", v, v)
				if seen[id] {
					out = append(out, DuplicateKey{Line: n.Line, Col: n.Column, Key: KeyString(v)})
				}
				seen[id] = true
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return out
}
