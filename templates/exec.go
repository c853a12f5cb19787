package templates

import (
	"fmt"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"

	"github.com/fjord-run/fjord/value"
)

func (s *state) execNodes(sc *scope, ns []nodes.Node, out *strings.Builder) error {
	for _, n := range ns {
		if err := s.exec(sc, n, out); err != nil {
			return at(n, err)
		}
	}
	return nil
}

func writeData(out *strings.Builder, n *nodes.Data) {
	d := n.Data.Val
	if n.RemoveFirstLineReturn {
		d = strings.TrimPrefix(d, "\r\n")
		d = strings.TrimPrefix(d, "\n")
	}
	if n.Trim.Left {
		d = strings.TrimLeft(d, " \r\n\t")
	}
	if n.Trim.Right {
		d = strings.TrimRight(d, " \r\n\t")
	}
	if n.RemoveTrailingWhiteSpaceFromLastLine {
		i := strings.LastIndexByte(d, '\n')
		d = d[:i+1] + strings.TrimRight(d[i+1:], " \t\r")
	}
	out.WriteString(d)
}

func (s *state) output(sc *scope, n *nodes.Output) (any, error) {
	if n.Condition != nil {
		c, err := s.eval(sc, n.Condition)
		if err != nil {
			return nil, err
		}
		t, err := truth(c)
		if err != nil {
			return nil, err
		}
		if !t {
			if n.Alternative == nil {
				return nil, nil
			}
			return s.eval(sc, n.Alternative)
		}
	}
	return s.eval(sc, n.Expression)
}

// finalize is Ansible's: None prints as nothing.
func finalize(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	return toStr(v)
}

func (s *state) exec(sc *scope, n nodes.Node, out *strings.Builder) error {
	switch n := n.(type) {
	case nil, *nodes.Comment:
		return nil
	case *nodes.Data:
		writeData(out, n)
		return nil
	case *nodes.Output:
		v, err := s.output(sc, n)
		if err != nil {
			return err
		}
		str, err := finalize(v)
		if err != nil {
			return err
		}
		out.WriteString(str)
		return nil
	case *nodes.Wrapper:
		return s.execNodes(sc, n.Nodes, out)
	case *nodes.ControlStructureBlock:
		return s.execStmt(sc, n.ControlStructure, out)
	}
	return fmt.Errorf("unsupported node %s", n)
}

func (s *state) execStmt(sc *scope, n nodes.ControlStructure, out *strings.Builder) error {
	switch n := n.(type) {
	case *rawNode:
		out.WriteString(n.data)
		return nil
	case *includeNode:
		return s.execInclude(sc, n, out)
	case *importNode:
		return s.execImport(sc, n)
	case *ifNode:
		for i, c := range n.conds {
			v, err := s.eval(sc, c)
			if err != nil {
				return err
			}
			t, err := truth(v)
			if err != nil {
				return err
			}
			if t {
				return s.execNodes(sc, n.bodies[i].Nodes, out)
			}
		}
		if len(n.bodies) > len(n.conds) {
			return s.execNodes(sc, n.bodies[len(n.conds)].Nodes, out)
		}
		return nil
	case *forNode:
		it, err := s.eval(sc, n.iter)
		if err != nil {
			return err
		}
		return s.execFor(sc, n, it, 0, out)
	case *setNode:
		return s.execSet(sc, n)
	case *macroNode:
		sc.vars[n.Name] = &macro{def: n, sc: sc, noContext: s.noContext}
		return nil
	case *withNode:
		inner := sc.child()
		for i, name := range n.names {
			v, err := s.eval(sc, n.exprs[i])
			if err != nil {
				return err
			}
			inner.vars[name] = v
		}
		return s.execNodes(inner, n.body.Nodes, out)
	case *blockNode:
		// An unscoped block sees the template's top-level variables but
		// not those of enclosing loops, macros or withs; what it sets
		// stays inside.
		outer := sc
		if !n.scoped {
			for outer.parent != nil {
				outer = outer.parent
			}
		}
		return s.execNodes(outer.child(), n.body.Nodes, out)
	case *doNode:
		_, err := s.eval(sc, n.expr)
		return err
	case *loopCtlNode:
		if n.brk {
			return errBreak
		}
		return errContinue
	case *filterBlockNode:
		var b strings.Builder
		if err := s.execNodes(sc, n.body.Nodes, &b); err != nil {
			return err
		}
		var v any = b.String()
		for _, f := range n.filters {
			args, kw, err := s.evalArgs(sc, f.Args, f.Kwargs)
			if err != nil {
				return err
			}
			if v, err = s.filter(f.Name, v, args, kw); err != nil {
				return err
			}
		}
		str, err := finalize(v)
		out.WriteString(str)
		return err
	}
	return fmt.Errorf("unsupported statement %s", n)
}

func (s *state) execFor(sc *scope, n *forNode, it any, depth int, out *strings.Builder) error {
	items, err := iterate(it)
	if err != nil {
		return err
	}
	inner := sc.child()
	bind := func(item any) error {
		if n.val == "" {
			inner.vars[n.key] = item
			return nil
		}
		parts, err := iterate(item)
		if err != nil {
			return err
		}
		if len(parts) != 2 {
			return fmt.Errorf("cannot unpack %d values into 2 loop variables", len(parts))
		}
		inner.vars[n.key], inner.vars[n.val] = parts[0], parts[1]
		return nil
	}
	if n.cond != nil {
		var kept []any
		for _, item := range items {
			if err := bind(item); err != nil {
				return err
			}
			c, err := s.eval(inner, n.cond)
			if err != nil {
				return err
			}
			t, err := truth(c)
			if err != nil {
				return err
			}
			if t {
				kept = append(kept, item)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		if n.empty != nil {
			return s.execNodes(sc, n.empty.Nodes, out)
		}
		return nil
	}
	parentLoop, _ := sc.get("loop")
	_ = parentLoop
	for i, item := range items {
		li := &loopInfo{index0: i, length: len(items), depth0: depth, items: items}
		loopVal := any(li)
		if n.recursive {
			loopVal = &recursiveLoop{loopInfo: li, s: s, n: n, sc: sc, depth: depth}
		}
		inner = sc.child()
		inner.vars["loop"] = loopVal
		if err := bind(item); err != nil {
			return err
		}
		err := s.execNodes(inner, n.body.Nodes, out)
		if err == errBreak {
			break
		}
		if err != nil && err != errContinue {
			return err
		}
	}
	return nil
}

// recursiveLoop is `loop` in a `for ... recursive`: calling it renders the
// loop body over the given items.
type recursiveLoop struct {
	*loopInfo
	s     *state
	n     *forNode
	sc    *scope
	depth int
}

func (s *state) execSet(sc *scope, n *setNode) error {
	var v any
	if n.body != nil {
		var b strings.Builder
		if err := s.execNodes(sc, n.body.Nodes, &b); err != nil {
			return err
		}
		v = b.String()
	} else {
		expr := n.expr
		if n.cond != nil {
			c, err := s.eval(sc, n.cond)
			if err != nil {
				return err
			}
			t, err := truth(c)
			if err != nil {
				return err
			}
			if !t {
				expr = n.alt
			}
		}
		var err error
		if v, err = s.eval(sc, expr); err != nil {
			return err
		}
	}
	values := []any{v}
	if len(n.targets) > 1 {
		parts, err := iterate(v)
		if err != nil {
			return err
		}
		if len(parts) != len(n.targets) {
			return fmt.Errorf("cannot unpack %d values into %d variables", len(parts), len(n.targets))
		}
		values = parts
	}
	for i, t := range n.targets {
		switch t := t.(type) {
		case *nodes.Name:
			sc.vars[t.Name.Val] = values[i]
		case *nodes.GetAttribute:
			obj, err := s.eval(sc, t.Node)
			if err != nil {
				return err
			}
			ns, ok := obj.(*namespace)
			if !ok {
				return fmt.Errorf("cannot assign attribute on non-namespace object")
			}
			ns.m.Set(t.Attribute, values[i])
		default:
			return fmt.Errorf("cannot assign to %s", t)
		}
	}
	return nil
}

func (s *state) callMacro(m *macro, args []any, kw map[string]any) (any, error) {
	if m.noContext && !s.noContext {
		var v any
		err := s.withoutContext(func(sub *state) (err error) {
			v, err = sub.callMacro(m, args, kw)
			return err
		})
		return v, err
	}
	s.depth++
	defer func() { s.depth-- }()
	if s.depth > maxDepth {
		return nil, fmt.Errorf("maximum recursion depth exceeded in macro %s", m.def.Name)
	}
	inner := m.sc.child()
	def := m.def.Macro
	var extra []any
	for i, a := range args {
		if i < len(def.Kwargs) {
			inner.vars[def.Kwargs[i].Key.(*nodes.String).Val] = a
		} else {
			extra = append(extra, a)
		}
	}
	if len(extra) > 0 && def.VarArgsName == "" {
		return nil, fmt.Errorf("macro '%s' takes not more than %d argument(s)", def.Name, len(def.Kwargs))
	}
	kwargs := value.NewMap(0)
	for _, k := range sortedKeys(kw) {
		found := false
		for _, p := range def.Kwargs {
			if p.Key.(*nodes.String).Val == k {
				found = true
			}
		}
		if found {
			inner.vars[k] = kw[k]
		} else if def.KwArgsName != "" {
			kwargs.Set(k, kw[k])
		} else {
			return nil, fmt.Errorf("macro '%s' has no argument '%s'", def.Name, k)
		}
	}
	for _, p := range def.Kwargs {
		name := p.Key.(*nodes.String).Val
		if _, ok := inner.vars[name]; ok {
			continue
		}
		if p.Value == nil {
			inner.vars[name] = &undefined{&UndefinedError{Name: name, Hint: fmt.Sprintf("parameter '%s' was not provided", name)}}
			continue
		}
		v, err := s.eval(inner, p.Value)
		if err != nil {
			return nil, err
		}
		inner.vars[name] = v
	}
	if def.VarArgsName != "" {
		if extra == nil {
			extra = []any{}
		}
		inner.vars[def.VarArgsName] = extra
	}
	if def.KwArgsName != "" {
		inner.vars[def.KwArgsName] = kwargs
	}
	var b strings.Builder
	if err := s.execNodes(inner, def.Wrapper.Nodes, &b); err != nil {
		return nil, err
	}
	return b.String(), nil
}
