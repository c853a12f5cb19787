package templates

import (
	"fmt"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/fjord-run/fjord/value"
)

// includeNode is {% include name [ignore missing] [with|without context] %}.
type includeNode struct {
	loc           *tokens.Token
	name          nodes.Expression
	ignoreMissing bool
	noContext     bool
}

func (n *includeNode) Position() *tokens.Token { return n.loc }
func (n *includeNode) String() string          { return "include" }

func parseInclude(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &includeNode{loc: p.Current()}
	e, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	n.name = e
	for !args.End() {
		switch {
		case args.MatchName("ignore") != nil:
			if args.MatchName("missing") == nil {
				return nil, args.Error("expected 'missing' after 'ignore'", nil)
			}
			n.ignoreMissing = true
		case args.MatchName("with") != nil:
			if args.MatchName("context") == nil {
				return nil, args.Error("expected 'context' after 'with'", nil)
			}
		case args.MatchName("without") != nil:
			if args.MatchName("context") == nil {
				return nil, args.Error("expected 'context' after 'without'", nil)
			}
			n.noContext = true
		default:
			return nil, args.Error("malformed 'include'", nil)
		}
	}
	return n, nil
}

// execInclude renders another template file found on the templates search
// path, with the current variables. As in Jinja2 (and so Ansible), the
// included file's final newline is dropped.
func (s *state) execInclude(sc *scope, n *includeNode, out *strings.Builder) error {
	v, err := s.eval(sc, n.name)
	if err != nil {
		return err
	}
	var names []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			names = append(names, value.String(e))
		}
	default:
		names = []string{value.String(v)}
	}
	for _, name := range names {
		root, path, err := s.loadTemplate(name)
		if err != nil {
			return err
		}
		if root == nil {
			continue
		}
		if s.depth > 20 {
			return fmt.Errorf("template include nested too deeply at %s", name)
		}
		inner := sc
		if n.noContext {
			inner = &scope{vars: map[string]any{}}
		}
		s.depth++
		defer func() { s.depth-- }()
		return named(s.execNodes(inner, root.Nodes, out), path)
	}
	if n.ignoreMissing {
		return nil
	}
	return fmt.Errorf("the template %q was not found", strings.Join(names, ", "))
}
