package inventory

import (
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"

	"github.com/fjord-run/fjord/value"
)

// readYAML decodes one YAML (or JSON) document, keeping the node tree for
// positions. An empty document gives a nil node. value.Decoder positions
// syntax errors (yaml.v3's own "line N" is the line above for most) and
// refuses alias bombs and cycles, which the walk below would follow.
func readYAML(file string, data []byte) (*yaml.Node, error) {
	dec := value.NewDecoder(data)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Col: extra.Column, Msg: "expected a single document in the stream"}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	untagPlain(&doc)
	n := doc.Content[0]
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n, nil
}

// yamlError positions a *value.YAMLError in file.
func yamlError(file string, err error) *Error {
	e := &Error{File: file, Msg: err.Error(), Err: err}
	var ye *value.YAMLError
	if errors.As(err, &ye) {
		e.Line, e.Col, e.Msg = ye.Line, ye.Col, ye.Msg
		if ye.Syntax {
			e.Msg = "YAML syntax error: " + ye.Msg
		}
	}
	return e
}

// untagPlain clears the tags yaml.v3 resolves by YAML 1.2 rules on plain
// scalars, so that value.Scalar applies YAML 1.1 typing to them (yes/no/on
// are booleans for PyYAML); explicitly tagged scalars keep their tag.
func untagPlain(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Style == 0 {
		n.Tag = ""
	}
	for _, c := range n.Content {
		untagPlain(c)
	}
}

func isNull(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	if n.Kind == yaml.AliasNode {
		return isNull(n.Alias)
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	v, err := value.Scalar(n)
	return err == nil && v == nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func yamlTypeName(n *yaml.Node) string {
	switch deref(n).Kind {
	case yaml.SequenceNode:
		return "<class 'list'>"
	case yaml.MappingNode:
		return "<class 'dict'>"
	}
	v, _ := value.Scalar(deref(n))
	switch v.(type) {
	case bool:
		return "<class 'bool'>"
	case int:
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	}
	return "<class 'str'>"
}

// parseYAML reads a YAML inventory: top-level keys are groups, each with
// optional hosts, vars and children mappings.
func (inv *Inventory) parseYAML(file string, data []byte) error {
	root, err := readYAML(file, data)
	if err != nil {
		return err
	}
	if root == nil || isNull(root) {
		return &Error{File: file, Msg: "Parsed empty YAML file"}
	}
	if root.Kind != yaml.MappingNode {
		return &Error{File: file, Line: root.Line, Col: root.Column, Msg: fmt.Sprintf("YAML inventory has invalid structure, it should be a dictionary, got: %s", yamlTypeName(root))}
	}
	if len(root.Content) == 0 {
		return &Error{File: file, Msg: "Parsed empty YAML file"}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, _ := value.FromNode(root.Content[i])
		if value.KeyString(k) == "plugin" {
			v, _ := value.FromNode(root.Content[i+1])
			if value.Truthy(v) {
				return &Error{File: file, Line: root.Content[i].Line, Col: root.Content[i].Column, Msg: "Plugin configuration YAML file, not YAML inventory"}
			}
		}
	}
	y := &yamlParser{inv: inv, file: file}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if _, err := y.group(root.Content[i], root.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

type yamlParser struct {
	inv  *Inventory
	file string
}

func (y *yamlParser) errAt(n *yaml.Node, format string, args ...any) *Error {
	return &Error{File: y.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
}

func keyName(n *yaml.Node) string {
	k, _ := value.FromNode(n)
	return value.KeyString(k)
}

// section is a group's hosts/vars/children value after Ansible's coercion:
// a bare string s means {s: null}.
type section struct {
	keys, vals []*yaml.Node
}

func (y *yamlParser) group(keyNode, data *yaml.Node) (string, error) {
	name := keyName(keyNode)
	data = deref(data)
	if !isNull(data) && data.Kind != yaml.MappingNode {
		y.inv.warn(fmt.Sprintf("Skipping '%s' as this is not a valid group definition", name))
		return name, nil
	}
	if _, err := y.inv.addGroup(name); err != nil {
		return "", y.errAt(keyNode, "Unable to add group %s: %v", name, err)
	}
	if isNull(data) {
		return name, nil
	}
	// Every entry is checked before any is applied, as Ansible refuses a
	// bad hosts/vars/children before it adds anything of the group's.
	var entries []groupEntry
	for i := 0; i+1 < len(data.Content); i += 2 {
		e, err := y.groupEntry(name, data.Content[i], deref(data.Content[i+1]))
		if err != nil {
			return "", err
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		if err := y.applyGroupEntry(name, e); err != nil {
			return "", err
		}
	}
	return name, nil
}

// groupEntry is one key of a group's mapping and its value.
type groupEntry struct {
	key   string
	knode *yaml.Node
	sec   *section
	null  bool
	bad   bool   // not a mapping (nor a string where one stands for {s: null})
	typ   string // the bad value's type name
}

// groupEntry reads the entry kn: vn of group name, refusing a hosts, vars
// or children that is no mapping.
func (y *yamlParser) groupEntry(name string, kn, vn *yaml.Node) (groupEntry, error) {
	e := groupEntry{key: keyName(kn), knode: kn}
	switch {
	case isNull(vn):
		e.null = true
	case vn.Kind == yaml.MappingNode:
		s := &section{}
		for j := 0; j+1 < len(vn.Content); j += 2 {
			s.keys = append(s.keys, vn.Content[j])
			s.vals = append(s.vals, vn.Content[j+1])
		}
		e.sec = s
	case vn.Kind == yaml.ScalarNode && (e.key == "vars" || e.key == "children" || e.key == "hosts"):
		if v, _ := value.Scalar(vn); isString(v) {
			e.sec = &section{keys: []*yaml.Node{vn}, vals: []*yaml.Node{nil}}
			break
		}
		fallthrough
	default:
		e.bad, e.typ = true, yamlTypeName(vn)
		if e.key == "vars" || e.key == "children" || e.key == "hosts" {
			return e, y.errAt(vn, "Invalid \"%s\" entry for \"%s\" group, requires a dictionary, found \"%s\" instead.", e.key, name, e.typ)
		}
	}
	return e, nil
}

// applyGroupEntry adds what entry e says to group name: its vars, its
// children (read as groups in turn) or its hosts; other keys are warned
// of and skipped.
func (y *yamlParser) applyGroupEntry(name string, e groupEntry) error {
	switch {
	case e.bad:
		y.inv.warn(fmt.Sprintf("Skipping key (%s) in group (%s) as it is not a mapping, it is a %s", e.key, name, e.typ))
	case e.null:
	case e.key == "vars":
		g := y.inv.groupByName[name]
		for i, kn := range e.sec.keys {
			v, err := fromNodeOrNil(e.sec.vals[i])
			if err != nil {
				return yamlError(y.file, err)
			}
			if err := y.inv.setGroupVar(g, keyName(kn), v); err != nil {
				return y.errAt(kn, "%v", err)
			}
		}
	case e.key == "children":
		for i, kn := range e.sec.keys {
			sub, err := y.group(kn, e.sec.vals[i])
			if err != nil {
				return err
			}
			if err := y.inv.addChildGroup(name, sub); err != nil {
				return y.errAt(kn, "%v", err)
			}
		}
	case e.key == "hosts":
		for i, kn := range e.sec.keys {
			if err := y.host(kn, e.sec.vals[i], name); err != nil {
				return err
			}
		}
	default:
		y.inv.warn(fmt.Sprintf("Skipping unexpected key (%s) in group (%s), only \"vars\", \"children\" and \"hosts\" are valid", e.key, name))
	}
	return nil
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func fromNodeOrNil(n *yaml.Node) (any, error) {
	if n == nil {
		return nil, nil
	}
	return value.FromNode(n)
}

func (y *yamlParser) host(kn, vn *yaml.Node, group string) error {
	k, _ := value.FromNode(kn)
	pattern, ok := k.(string)
	if !ok {
		return y.errAt(kn, "Host pattern %s must be a string. Enclose integers/floats in quotation marks.", value.String(k))
	}
	names, port, hasPort, err := expandHostPattern(pattern)
	if err != nil {
		return y.errAt(kn, "%v", err)
	}
	vars, err := fromNodeOrNil(vn)
	if err != nil {
		return yamlError(y.file, err)
	}
	var m *value.Map
	switch v := vars.(type) {
	case *value.Map:
		m = v
	default:
		if value.Truthy(v) {
			return y.errAt(vn, "Invalid data from file, expected dictionary and got:\n\n%s", value.String(v))
		}
	}
	for _, n := range names {
		h, err := y.inv.addHost(n, group, port, hasPort)
		if err != nil {
			return y.errAt(kn, "%v", err)
		}
		m.Range(func(k string, v any) bool { h.Vars.Set(k, value.DeepCopy(v)); return true })
	}
	return nil
}

// autoPluginError is what the auto plugin says about a .yml source; fjord
// runs no inventory plugins named by `plugin:`.
func autoPluginError(file string, data []byte) error {
	root, err := readYAML(file, data)
	if err != nil {
		return err
	}
	if root != nil && root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if keyName(root.Content[i]) == "plugin" {
				if v, _ := value.FromNode(root.Content[i+1]); value.Truthy(v) {
					return fmt.Errorf("inventory config '%s' specifies unknown plugin '%s'", file, value.String(v))
				}
			}
		}
	}
	return fmt.Errorf("no root 'plugin' key found, '%s' is not a valid YAML inventory plugin config file", file)
}
