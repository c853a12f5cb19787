package templates

import (
	"fmt"
	"io"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// gonja supplies the lexer and the expression parser; the statements
// ({% for %}, {% if %}...) are parsed here into fjord's own nodes, because
// gonja keeps their fields private to its own executor, which fjord does not
// use (its value model cannot carry Ansible's undefined or ordered dicts).

type forNode struct {
	loc       *tokens.Token
	key, val  string
	iter      nodes.Expression
	cond      nodes.Expression
	recursive bool
	body      *nodes.Wrapper
	empty     *nodes.Wrapper
}

type ifNode struct {
	loc    *tokens.Token
	conds  []nodes.Expression
	bodies []*nodes.Wrapper
}

type setNode struct {
	loc             *tokens.Token
	targets         []nodes.Expression
	expr, cond, alt nodes.Expression
	body            *nodes.Wrapper
}

type macroNode struct {
	*nodes.Macro
}

type rawNode struct {
	loc  *tokens.Token
	data string
}

type withNode struct {
	loc   *tokens.Token
	names []string
	exprs []nodes.Expression
	body  *nodes.Wrapper
}

// blockNode is {% block %}. Without {% extends %} (which fjord does not
// support) a block renders where it stands, as in Jinja.
type blockNode struct {
	loc    *tokens.Token
	name   string
	scoped bool
	body   *nodes.Wrapper
}

type doNode struct {
	loc  *tokens.Token
	expr nodes.Expression
}

type loopCtlNode struct {
	loc *tokens.Token
	brk bool
}

type filterBlockNode struct {
	loc     *tokens.Token
	filters []*nodes.FilterCall
	body    *nodes.Wrapper
}

func (n *forNode) Position() *tokens.Token         { return n.loc }
func (n *forNode) String() string                  { return "for" }
func (n *ifNode) Position() *tokens.Token          { return n.loc }
func (n *ifNode) String() string                   { return "if" }
func (n *setNode) Position() *tokens.Token         { return n.loc }
func (n *setNode) String() string                  { return "set" }
func (n *rawNode) Position() *tokens.Token         { return n.loc }
func (n *rawNode) String() string                  { return "raw" }
func (n *withNode) Position() *tokens.Token        { return n.loc }
func (n *withNode) String() string                 { return "with" }
func (n *blockNode) Position() *tokens.Token       { return n.loc }
func (n *blockNode) String() string                { return "block" }
func (n *doNode) Position() *tokens.Token          { return n.loc }
func (n *doNode) String() string                   { return "do" }
func (n *loopCtlNode) Position() *tokens.Token     { return n.loc }
func (n *loopCtlNode) String() string              { return "loopctl" }
func (n *filterBlockNode) Position() *tokens.Token { return n.loc }
func (n *filterBlockNode) String() string          { return "filter" }

type stmtSet map[string]parser.ControlStructureParser

func (s stmtSet) Get(name string) (parser.ControlStructureParser, bool) {
	p, ok := s[name]
	return p, ok
}

var statements stmtSet

func init() {
	statements = stmtSet{
		"for":      parseFor,
		"if":       parseIf,
		"set":      parseSet,
		"macro":    parseMacro,
		"raw":      parseRaw,
		"with":     parseWith,
		"block":    parseBlock,
		"do":       parseDo,
		"break":    parseBreak,
		"continue": parseContinue,
		"filter":   parseFilterBlock,
		"include":  parseInclude,
		"import":   parseImport,
		"from":     parseFromImport,
	}
}

// parseTemplate lexes and parses src. gonja's parser may panic on some
// malformed input; the caller recovers.
func parseTemplate(src string, cfg *config.Config) (*nodes.Template, error) {
	toks, err := lex(src, cfg)
	if err != nil {
		return nil, err
	}
	stream := tokens.NewStream(inOperands(dottedNames(splatArgs(inlineIfs(toks)))))
	p := parser.NewParser("template", stream, cfg, nullLoader{}, placedStatements{src, cfg})
	t, err := p.Parse()
	if err != nil {
		return nil, err
	}
	if err := uniqueBlocks(t.Nodes, map[string]bool{}); err != nil {
		return nil, err
	}
	rewriteChains(t, groupedLeft(src, cfg))
	return t, nil
}

// uniqueBlocks rejects a block name given twice, as Jinja does, since
// with {% extends %} it would be ambiguous.
func uniqueBlocks(ns []nodes.Node, seen map[string]bool) error {
	for _, n := range ns {
		var bodies []*nodes.Wrapper
		switch n := n.(type) {
		case *nodes.Wrapper:
			bodies = append(bodies, n)
		case *nodes.ControlStructureBlock:
			switch c := n.ControlStructure.(type) {
			case *blockNode:
				if seen[c.name] {
					return &parser.SyntaxError{Message: fmt.Sprintf("block %q defined twice", c.name), Line: c.loc.Line, Column: c.loc.Col}
				}
				seen[c.name] = true
				bodies = append(bodies, c.body)
			case *forNode:
				bodies = append(bodies, c.body, c.empty)
			case *ifNode:
				bodies = append(bodies, c.bodies...)
			case *withNode:
				bodies = append(bodies, c.body)
			case *filterBlockNode:
				bodies = append(bodies, c.body)
			case *setNode:
				bodies = append(bodies, c.body)
			case *macroNode:
				bodies = append(bodies, c.Wrapper)
			}
		}
		for _, w := range bodies {
			if w == nil {
				continue
			}
			if err := uniqueBlocks(w.Nodes, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseFor(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &forNode{loc: p.Current()}
	k := args.Match(tokens.Name)
	if k == nil {
		return nil, args.Error("expected a loop variable in 'for'", nil)
	}
	n.key = k.Val
	if args.Match(tokens.Comma) != nil {
		v := args.Match(tokens.Name)
		if v == nil {
			return nil, args.Error("expected a second loop variable in 'for'", nil)
		}
		n.val = v.Val
	}
	if args.Match(tokens.In) == nil {
		return nil, args.Error("expected 'in' in 'for'", nil)
	}
	it, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	n.iter = it
	if args.MatchName("if") != nil {
		c, err := args.ParseExpression()
		if err != nil {
			return nil, err
		}
		n.cond = c
	}
	if args.MatchName("recursive") != nil {
		n.recursive = true
	}
	if !args.End() {
		return nil, args.Error("malformed 'for'", nil)
	}
	w, end, err := p.WrapUntil("else", "endfor")
	if err != nil {
		return nil, err
	}
	n.body = w
	if !end.End() {
		return nil, end.Error("arguments not allowed here", nil)
	}
	if w.EndTag == "else" {
		w, end, err = p.WrapUntil("endfor")
		if err != nil {
			return nil, err
		}
		if !end.End() {
			return nil, end.Error("arguments not allowed here", nil)
		}
		n.empty = w
	}
	return n, nil
}

func parseIf(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &ifNode{loc: p.Current()}
	c, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	if !args.End() {
		return nil, args.Error("malformed 'if' condition", nil)
	}
	n.conds = append(n.conds, c)
	for {
		w, targs, err := p.WrapUntil("elif", "else", "endif")
		if err != nil {
			return nil, err
		}
		n.bodies = append(n.bodies, w)
		switch w.EndTag {
		case "elif":
			c, err := targs.ParseExpression()
			if err != nil {
				return nil, err
			}
			if !targs.End() {
				return nil, targs.Error("malformed 'elif' condition", nil)
			}
			n.conds = append(n.conds, c)
		case "else":
			if !targs.End() {
				return nil, targs.Error("arguments not allowed here", nil)
			}
			w, targs, err := p.WrapUntil("endif")
			if err != nil {
				return nil, err
			}
			if !targs.End() {
				return nil, targs.Error("arguments not allowed here", nil)
			}
			n.bodies = append(n.bodies, w)
			return n, nil
		default:
			return n, nil
		}
	}
}

func parseSet(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &setNode{loc: p.Current()}
	for {
		t, err := args.ParseVariableOrLiteral()
		if err != nil {
			return nil, err
		}
		switch t.(type) {
		case *nodes.Name, *nodes.GetAttribute, *nodes.GetItem:
		default:
			return nil, args.Error(fmt.Sprintf("cannot assign to %s", t), nil)
		}
		n.targets = append(n.targets, t)
		if args.Match(tokens.Comma) == nil {
			break
		}
	}
	if args.Match(tokens.Assign) == nil {
		if !args.End() || len(n.targets) != 1 {
			return nil, args.Error("expected '=' in 'set'", nil)
		}
		w, end, err := p.WrapUntil("endset")
		if err != nil {
			return nil, err
		}
		if !end.End() {
			return nil, end.Error("arguments not allowed here", nil)
		}
		n.body = w
		return n, nil
	}
	e, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	if args.Current(tokens.Comma) != nil {
		tup := &nodes.Tuple{Location: args.Current(), Val: []nodes.Expression{e}}
		for args.Match(tokens.Comma) != nil {
			if args.End() {
				break
			}
			x, err := args.ParseExpression()
			if err != nil {
				return nil, err
			}
			tup.Val = append(tup.Val, x)
		}
		e = tup
	}
	n.expr = e
	c, alt, err := args.ParseCondition()
	if err != nil {
		return nil, err
	}
	n.cond, n.alt = c, alt
	if !args.End() {
		return nil, args.Error("malformed 'set'", nil)
	}
	return n, nil
}

func parseMacro(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	m := &nodes.Macro{Location: p.Current()}
	name := args.Match(tokens.Name)
	if name == nil {
		return nil, args.Error("macro needs a name", nil)
	}
	m.Name = name.Val
	if args.Match(tokens.LeftParenthesis) == nil {
		return nil, args.Error("expected '(' after macro name", nil)
	}
	for args.Match(tokens.RightParenthesis) == nil {
		switch {
		case args.Match(tokens.Power) != nil:
			a := args.Match(tokens.Name)
			if a == nil {
				return nil, args.Error("expected a name after '**'", nil)
			}
			m.KwArgsName = a.Val
		case args.Match(tokens.Multiply) != nil:
			a := args.Match(tokens.Name)
			if a == nil {
				return nil, args.Error("expected a name after '*'", nil)
			}
			m.VarArgsName = a.Val
		default:
			a := args.Match(tokens.Name)
			if a == nil {
				return nil, args.Error("expected an argument name", nil)
			}
			pair := &nodes.Pair{Key: &nodes.String{Location: a, Val: a.Val}}
			if args.Match(tokens.Assign) != nil {
				e, err := args.ParseExpression()
				if err != nil {
					return nil, err
				}
				pair.Value = e
			}
			m.Kwargs = append(m.Kwargs, pair)
		}
		if args.Match(tokens.RightParenthesis) != nil {
			break
		}
		if args.Match(tokens.Comma) == nil {
			return nil, args.Error("expected ',' or ')'", nil)
		}
		if args.End() {
			return nil, args.Error("unterminated macro arguments", nil)
		}
	}
	if !args.End() {
		return nil, args.Error("malformed 'macro'", nil)
	}
	w, end, err := p.WrapUntil("endmacro")
	if err != nil {
		return nil, err
	}
	if !end.End() && end.Match(tokens.Name) == nil {
		return nil, end.Error("arguments not allowed here", nil)
	}
	m.Wrapper = w
	return &macroNode{m}, nil
}

func parseRaw(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &rawNode{loc: p.Current()}
	w, _, err := p.WrapUntil("endraw")
	if err != nil {
		return nil, err
	}
	for _, c := range w.Nodes {
		d, ok := c.(*nodes.Data)
		if !ok {
			return nil, p.Error("raw block may only hold text", c.Position())
		}
		n.data += d.Data.Val
	}
	if !args.End() {
		return nil, args.Error("raw takes no arguments", nil)
	}
	return n, nil
}

func parseWith(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &withNode{loc: p.Current()}
	for !args.End() {
		name := args.Match(tokens.Name)
		if name == nil {
			return nil, args.Error("expected a name in 'with'", nil)
		}
		if args.Match(tokens.Assign) == nil {
			return nil, args.Error("expected '=' in 'with'", nil)
		}
		e, err := args.ParseExpression()
		if err != nil {
			return nil, err
		}
		n.names = append(n.names, name.Val)
		n.exprs = append(n.exprs, e)
		args.Match(tokens.Comma)
	}
	w, _, err := p.WrapUntil("endwith")
	if err != nil {
		return nil, err
	}
	n.body = w
	return n, nil
}

func parseBlock(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &blockNode{loc: p.Current()}
	name := args.Match(tokens.Name)
	if name == nil {
		return nil, args.Error("expected a block name", nil)
	}
	n.name = name.Val
	if args.MatchName("scoped") != nil {
		n.scoped = true
	}
	if args.MatchName("required") != nil {
		return nil, args.Error("required blocks need {% extends %}, which is not supported", nil)
	}
	if !args.End() {
		return nil, args.Error("malformed 'block'", nil)
	}
	w, end, err := p.WrapUntil("endblock")
	if err != nil {
		return nil, err
	}
	if en := end.Match(tokens.Name); en != nil && en.Val != n.name {
		return nil, end.Error(fmt.Sprintf("mismatching name %q for block %q", en.Val, n.name), nil)
	}
	if !end.End() {
		return nil, end.Error("malformed 'endblock'", nil)
	}
	n.body = w
	return n, nil
}

func parseDo(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	e, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	if !args.End() {
		return nil, args.Error("malformed 'do'", nil)
	}
	return &doNode{loc: p.Current(), expr: e}, nil
}

func parseBreak(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	if !args.End() {
		return nil, args.Error("break takes no arguments", nil)
	}
	return &loopCtlNode{loc: p.Current(), brk: true}, nil
}

func parseContinue(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	if !args.End() {
		return nil, args.Error("continue takes no arguments", nil)
	}
	return &loopCtlNode{loc: p.Current()}, nil
}

func parseFilterBlock(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &filterBlockNode{loc: p.Current()}
	for !args.End() {
		f, err := args.ParseFilter()
		if err != nil {
			return nil, err
		}
		n.filters = append(n.filters, f)
		if args.Match(tokens.Pipe) == nil {
			break
		}
	}
	if !args.End() || len(n.filters) == 0 {
		return nil, args.Error("malformed 'filter'", nil)
	}
	w, _, err := p.WrapUntil("endfilter")
	if err != nil {
		return nil, err
	}
	n.body = w
	return n, nil
}

// nullLoader refuses include/import: fjord templates are self-contained.
type nullLoader struct{}

var _ loaders.Loader = nullLoader{}

func (nullLoader) Read(path string) (io.Reader, error) {
	return nil, fmt.Errorf("templates: include/import of %q is not supported", path)
}
func (nullLoader) Resolve(path string) (string, error)      { return path, nil }
func (l nullLoader) Inherit(string) (loaders.Loader, error) { return l, nil }
