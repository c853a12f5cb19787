package templates

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/fjord-run/fjord/value"
)

// importNode is {% import name as alias [with|without context] %}, and
// {% from name import a [as b], ... [with|without context] %} when names
// is set.
type importNode struct {
	loc         *tokens.Token
	name        nodes.Expression
	alias       string
	names       [][2]string // imported name, bound name
	withContext bool
}

func (n *importNode) Position() *tokens.Token { return n.loc }
func (n *importNode) String() string          { return "import" }

// tmplModule is what {% import %} binds: the names a template's top level
// defines (its {% set %} variables and macros, but those starting with
// "_"), and, as its text, what that top level rendered.
type tmplModule struct {
	name string
	m    *value.Map
	text string
}

func parseImport(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &importNode{loc: p.Current()}
	e, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	n.name = e
	if args.MatchName("as") == nil {
		return nil, args.Error("expected 'as' after the template's name", nil)
	}
	alias := args.Match(tokens.Name)
	if alias == nil {
		return nil, args.Error("expected a name after 'as'", nil)
	}
	n.alias = alias.Val
	return n, parseContext(args, n)
}

func parseFromImport(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &importNode{loc: p.Current()}
	e, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	n.name = e
	if args.MatchName("import") == nil {
		return nil, args.Error("expected 'import' after the template's name", nil)
	}
	for !args.End() {
		if args.CurrentName("with", "without") != nil {
			break
		}
		name := args.Match(tokens.Name)
		if name == nil {
			return nil, args.Error("expected a name to import", nil)
		}
		if strings.HasPrefix(name.Val, "_") {
			return nil, args.Error("names starting with an underline can not be imported", name)
		}
		bound := name.Val
		if args.MatchName("as") != nil {
			b := args.Match(tokens.Name)
			if b == nil {
				return nil, args.Error("expected a name after 'as'", nil)
			}
			bound = b.Val
		}
		n.names = append(n.names, [2]string{name.Val, bound})
		if args.Match(tokens.Comma) == nil {
			break
		}
	}
	if len(n.names) == 0 {
		return nil, args.Error("expected a name to import", nil)
	}
	return n, parseContext(args, n)
}

func parseContext(args *parser.Parser, n *importNode) error {
	switch {
	case args.MatchName("with") != nil:
		n.withContext = true
	case args.MatchName("without") != nil:
	default:
		if !args.End() {
			return args.Error("malformed 'import'", nil)
		}
		return nil
	}
	if args.MatchName("context") == nil {
		return args.Error("expected 'context'", nil)
	}
	if !args.End() {
		return args.Error("malformed 'import'", nil)
	}
	return nil
}

// execImport renders the imported template's top level, with the current
// variables and template locals when imported with context, else with
// the globals only, as Jinja2 does, and binds the module or its names.
func (s *state) execImport(sc *scope, n *importNode) error {
	v, err := s.eval(sc, n.name)
	if err != nil {
		return err
	}
	name := value.String(v)
	mod, err := s.module(sc, name, n.withContext)
	if err != nil {
		return err
	}
	if n.names == nil {
		sc.vars[n.alias] = mod
		return nil
	}
	for _, nb := range n.names {
		if x, ok := mod.m.Get(nb[0]); ok {
			sc.vars[nb[1]] = x
			continue
		}
		sc.vars[nb[1]] = &undefined{&UndefinedError{Name: nb[0], Hint: fmt.Sprintf(
			"the template %s (imported on line %d) does not export the requested name %s",
			value.Repr(name), n.loc.Line, value.Repr(nb[0]))}}
	}
	return nil
}

func (s *state) module(sc *scope, name string, withContext bool) (*tmplModule, error) {
	root, path, err := s.loadTemplate(name)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, fmt.Errorf("the template %s was not found", value.Repr(name))
	}
	if s.depth > 20 {
		return nil, fmt.Errorf("template import nested too deeply at %s", name)
	}
	inner := &scope{vars: map[string]any{}}
	var out strings.Builder
	run := func(sub *state) error {
		sub.depth++
		defer func() { sub.depth-- }()
		return sub.execNodes(inner, root.Nodes, &out)
	}
	if withContext {
		// the module sees the variables as they are now, not what the
		// importing template sets later (Jinja passes a snapshot)
		inner = snapshot(sc).child()
		err = run(s)
	} else {
		err = s.withoutContext(run)
	}
	if err != nil {
		return nil, named(err, path)
	}
	m := value.NewMap(len(inner.vars))
	for k, v := range inner.vars {
		if !strings.HasPrefix(k, "_") {
			m.Set(k, v)
		}
	}
	return &tmplModule{name: name, m: m, text: out.String()}, nil
}

// loadTemplate finds name on the templates search path (or as an absolute
// path) and compiles it with the options of the template that asks for
// it; a template that is not there is a nil root and no error.
func (s *state) loadTemplate(name string) (*nodes.Template, string, error) {
	path := ""
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err == nil {
			path = name
		}
	} else {
		for _, d := range s.searchPaths("templates") {
			if _, err := os.Stat(filepath.Join(d, name)); err == nil {
				path = filepath.Join(d, name)
				break
			}
		}
	}
	if path == "" {
		return nil, "", nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, path, err
	}
	o := s.opts
	o.KeepTrailingNewline = false
	o.Extra, o.Name = nil, ""
	root, err := s.e.compile(string(src), o)
	if err != nil {
		return nil, path, named(err, path)
	}
	return root, path, nil
}

// withoutContext runs fn in a state that sees the globals only, and keeps
// what it learnt (the taint of unsafe values, a variable's error).
func (s *state) withoutContext(fn func(sub *state) error) error {
	sub := &state{e: s.e, vars: s.vars, noContext: true, depth: s.depth, opts: s.opts}
	err := fn(sub)
	s.unsafe = s.unsafe || sub.unsafe
	if s.varErr == nil {
		s.varErr = sub.varErr
	}
	return err
}

// snapshot is a scope holding what sc sees now, for a module imported
// with context.
func snapshot(sc *scope) *scope {
	snap := &scope{vars: map[string]any{}}
	var chain []*scope
	for c := sc; c != nil; c = c.parent {
		chain = append(chain, c)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for k, v := range chain[i].vars {
			snap.vars[k] = v
		}
	}
	return snap
}
