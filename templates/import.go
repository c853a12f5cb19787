package templates

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/fjord-run/fjord/value"
)

// importNode is {% import name as alias %} or, with names, {% from name
// import a [as b], ... %}; both [with|without context].
type importNode struct {
	loc         *tokens.Token
	name        nodes.Expression
	alias       string
	names       [][2]string // from-import: name, bound as
	withContext bool
}

func (n *importNode) Position() *tokens.Token { return n.loc }
func (n *importNode) String() string          { return "import" }

// parseContext reads an optional "with context" / "without context".
func parseContext(args *parser.Parser) (with bool, ok bool, err error) {
	switch {
	case args.MatchName("with") != nil:
		with = true
	case args.MatchName("without") != nil:
	default:
		return false, false, nil
	}
	if args.MatchName("context") == nil {
		return false, false, args.Error("expected 'context'", nil)
	}
	return with, true, nil
}

func parseImport(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &importNode{loc: p.Current()}
	e, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	n.name = e
	if args.MatchName("as") == nil {
		return nil, args.Error("expected 'as' in 'import'", nil)
	}
	a := args.Match(tokens.Name)
	if a == nil {
		return nil, args.Error("expected a name after 'as'", nil)
	}
	n.alias = a.Val
	if n.withContext, _, err = parseContext(args); err != nil {
		return nil, err
	}
	if !args.End() {
		return nil, args.Error("malformed 'import'", nil)
	}
	return n, nil
}

func parseFromImport(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	n := &importNode{loc: p.Current()}
	e, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	n.name = e
	if args.MatchName("import") == nil {
		return nil, args.Error("expected 'import' in 'from'", nil)
	}
	for !args.End() {
		with, ok, err := parseContext(args)
		if err != nil {
			return nil, err
		}
		if ok {
			n.withContext = with
			break
		}
		name := args.Match(tokens.Name)
		if name == nil {
			return nil, args.Error("expected a name to import", nil)
		}
		bound := name.Val
		if args.MatchName("as") != nil {
			a := args.Match(tokens.Name)
			if a == nil {
				return nil, args.Error("expected a name after 'as'", nil)
			}
			bound = a.Val
		}
		n.names = append(n.names, [2]string{name.Val, bound})
		if args.Match(tokens.Comma) == nil {
			if n.withContext, _, err = parseContext(args); err != nil {
				return nil, err
			}
			break
		}
	}
	if !args.End() || len(n.names) == 0 {
		return nil, args.Error("malformed 'from' import", nil)
	}
	return n, nil
}

// execImport runs the named template as a module (its output dropped) and
// binds it, or the names taken from it, in the current scope. Without
// context the module sees no variable at all, as in Jinja, where the
// variables are the context; with context it sees this scope's.
func (s *state) execImport(sc *scope, n *importNode) error {
	v, err := s.eval(sc, n.name)
	if err != nil {
		return err
	}
	name := value.String(v)
	path, ok := s.findTemplate(name)
	if !ok {
		return fmt.Errorf("the template %q was not found", name)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if s.depth > 20 {
		return fmt.Errorf("template import nested too deeply at %s", name)
	}
	root, err := s.e.compile(string(src), TextOptions{TrimBlocks: true, NewlineSequence: "\n"})
	if err != nil {
		return named(err, path)
	}
	// with context, the module sees the variables as they are now, not
	// what the importing template sets later (Jinja passes a snapshot)
	run, modSc := s, &scope{vars: map[string]any{}, parent: snapshot(sc)}
	if !n.withContext {
		run, modSc = &state{e: s.e, depth: s.depth}, &scope{vars: map[string]any{}}
	}
	run.depth++
	var discard strings.Builder
	err = run.execNodes(modSc, root.Nodes, &discard)
	run.depth--
	if run != s && run.unsafe {
		s.unsafe = true
	}
	if err != nil {
		return named(err, path)
	}
	if n.names == nil {
		keys := make([]string, 0, len(modSc.vars))
		for k := range modSc.vars {
			if !strings.HasPrefix(k, "_") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		m := value.NewMap(len(keys))
		for _, k := range keys {
			m.Set(k, modSc.vars[k])
		}
		sc.vars[n.alias] = &namespace{m: m}
		return nil
	}
	for _, nb := range n.names {
		x, ok := modSc.vars[nb[0]]
		if !ok || strings.HasPrefix(nb[0], "_") {
			x = &undefined{&UndefinedError{Hint: "the template " + value.Repr(name) + " does not export the requested name " + value.Repr(nb[0])}}
		}
		sc.vars[nb[1]] = x
	}
	return nil
}

// findTemplate is where {% include %} and {% import %} find a template:
// an absolute path, else the first templates search directory holding it.
func (s *state) findTemplate(name string) (string, bool) {
	if filepath.IsAbs(name) {
		_, err := os.Stat(name)
		return name, err == nil
	}
	for _, d := range s.searchPaths("templates") {
		if _, err := os.Stat(filepath.Join(d, name)); err == nil {
			return filepath.Join(d, name), true
		}
	}
	return "", false
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
