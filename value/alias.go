package value

import (
	"math"

	"gopkg.in/yaml.v3"
)

// A yaml.Node tree shares the node an alias points to, so a 1 KB document
// can stand for billions of nodes ("billion laughs") and `a: &a [*a]` for
// an infinite one. PyYAML (and so Ansible) shares the objects too, but Go
// values built from the tree are copies: every walk that follows aliases
// is bounded here first, by counting what the walk would visit without
// visiting it.

const (
	// yaml.v3's decoder allows 99% of the nodes of a document of up to
	// aliasRatioLow decode steps to come from alias expansion, 10% from
	// aliasRatioHigh steps on, and scales linearly in between: it never
	// lets more than about 400,000 alias-driven nodes through for a
	// document under 4,000,000 nodes, however it is shaped.
	aliasRatioLow  = 400000
	aliasRatioHigh = 4000000

	// maxAliasNodes bounds the alias-driven nodes of one conversion of a
	// subtree (FromNode), where the document-wide ratio is not known:
	// the most yaml.v3's ratio lets a document of any shape have.
	maxAliasNodes = 400000

	// maxAliasBytes bounds the scalar bytes that alias expansion adds.
	// Go strings are shared, so they cost no memory at conversion, but
	// templating or printing the value writes every copy out.
	maxAliasBytes = 64 << 20

	// saturate keeps expanded sizes of nested bombs (9^100 nodes) from
	// overflowing.
	saturate = math.MaxInt64 / 4
)

// allowedAliasRatio is yaml.v3's heuristic (decode.go): the share of decode
// steps that may come from aliases in a document of decodeCount steps.
func allowedAliasRatio(decodeCount int64) float64 {
	switch {
	case decodeCount <= aliasRatioLow:
		return 0.99
	case decodeCount >= aliasRatioHigh:
		return 0.10
	default:
		return 0.99 - 0.89*(float64(decodeCount-aliasRatioLow)/float64(aliasRatioHigh-aliasRatioLow))
	}
}

// size is what walking a node visits with aliases followed.
type size struct{ nodes, bytes int64 }

func (s *size) add(t size) {
	s.nodes = min(s.nodes+t.nodes, saturate)
	s.bytes = min(s.bytes+t.bytes, saturate)
}

type aliasCheck struct {
	document bool // apply yaml.v3's ratio to the whole tree, not just maxAliasNodes
	memo     map[*yaml.Node]size
	inWalk   map[*yaml.Node]bool // targets being sized: meeting one again is a cycle

	decoded, aliased size // yaml.v3's decodeCount and aliasCount, plus bytes
}

// CheckAliases refuses a document whose aliases refer to themselves
// ("recursive alias") or would expand it beyond what yaml.v3's own decoder
// accepts ("excessive aliasing"), with the position of the alias at fault.
// Every reader of YAML text calls it once per document (NewDecoder and
// ParseYAML do), so that walkers of the tree can follow aliases safely.
func CheckAliases(doc *yaml.Node) error {
	c := aliasCheck{document: true}
	return c.walk(doc)
}

// checkSubtree bounds one conversion of part of a document, which may not
// have been through CheckAliases: cycles, and maxAliasNodes/maxAliasBytes.
func checkSubtree(n *yaml.Node) error {
	var c aliasCheck
	return c.walk(n)
}

// walk visits the tree without following aliases, adding up what a decoder
// would visit, in the order yaml.v3's decoder does. The ratio can only
// rise while an alias is expanded, so checking after each expansion finds
// every document yaml.v3 would refuse.
func (c *aliasCheck) walk(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	c.decoded.add(size{1, scalarBytes(n)})
	if n.Kind != yaml.AliasNode {
		for _, ch := range n.Content {
			if err := c.walk(ch); err != nil {
				return err
			}
		}
		return nil
	}
	if n.Alias == nil {
		return nil
	}
	s, err := c.sizeOf(n.Alias, n)
	if err != nil {
		return err
	}
	c.decoded.add(s)
	c.aliased.add(s)
	if c.excessive() {
		return &YAMLError{Line: n.Line, Col: n.Column, Msg: "excessive aliasing"}
	}
	return nil
}

func (c *aliasCheck) excessive() bool {
	if c.aliased.bytes > maxAliasBytes {
		return true
	}
	if !c.document {
		return c.aliased.nodes > maxAliasNodes
	}
	return c.aliased.nodes > 100 && c.decoded.nodes > 1000 &&
		float64(c.aliased.nodes)/float64(c.decoded.nodes) > allowedAliasRatio(c.decoded.nodes)
}

// sizeOf is the expanded size of n, reached through the alias node from;
// memoized, so that it costs one visit per distinct node.
func (c *aliasCheck) sizeOf(n, from *yaml.Node) (size, error) {
	if s, ok := c.memo[n]; ok {
		return s, nil
	}
	if c.inWalk[n] {
		return size{}, &YAMLError{Line: from.Line, Col: from.Column, Msg: "recursive alias"}
	}
	if c.memo == nil {
		c.memo, c.inWalk = map[*yaml.Node]size{}, map[*yaml.Node]bool{}
	}
	c.inWalk[n] = true
	s := size{1, scalarBytes(n)}
	if n.Kind == yaml.AliasNode {
		if n.Alias != nil {
			t, err := c.sizeOf(n.Alias, n)
			if err != nil {
				return size{}, err
			}
			s.add(t)
		}
	} else {
		for _, ch := range n.Content {
			t, err := c.sizeOf(ch, ch)
			if err != nil {
				return size{}, err
			}
			s.add(t)
		}
	}
	delete(c.inWalk, n)
	c.memo[n] = s
	return s, nil
}

func scalarBytes(n *yaml.Node) int64 {
	if n.Kind == yaml.ScalarNode {
		return int64(len(n.Value))
	}
	return 0
}
