package templates

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"

	"github.com/fjord-run/fjord/value"
)

// state is what one render owns; the parsed template is shared and never
// written to.
type state struct {
	e     *Engine
	vars  Vars
	seen  map[string]any
	extra map[string]any
	depth int
	// unsafe says the render read a value that came from a host (see
	// value.MarkUnsafe): its result is unsafe too, as in ansible-core,
	// where touching an unsafe variable taints the whole template.
	unsafe bool
	// varErr is the first variable that could not be resolved (see
	// Vars): the render's error if the render fails.
	varErr error
	// noContext is a template imported without context: it sees the
	// globals, not the variables.
	noContext bool
	// opts are the options the template was compiled with, which the
	// templates it includes or imports are compiled with too.
	opts TextOptions
}

type scope struct {
	vars   map[string]any
	parent *scope
}

func (sc *scope) child() *scope { return &scope{vars: map[string]any{}, parent: sc} }

func (sc *scope) get(name string) (any, bool) {
	for s := sc; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

const maxDepth = 200

var errBreak = errors.New("break outside loop")
var errContinue = errors.New("continue outside loop")

func (s *state) eval(sc *scope, n nodes.Node) (any, error) {
	v, err := s.evalNode(sc, n)
	if err != nil {
		return nil, at(n, err)
	}
	if !s.unsafe && hasUnsafe(v, 0) {
		s.unsafe = true
	}
	return v, nil
}

func (s *state) evalNode(sc *scope, n nodes.Node) (any, error) {
	switch n := n.(type) {
	case nil:
		return nil, nil
	case *nodes.None:
		return nil, nil
	case *nodes.String:
		return n.Val, nil
	case *nodes.Integer:
		return n.Val, nil
	case *nodes.Float:
		return n.Val, nil
	case *nodes.Bool:
		return n.Val, nil
	case *nodes.List:
		return s.evalList(sc, n.Val)
	case *nodes.Tuple:
		return s.evalList(sc, n.Val)
	case *nodes.Dict:
		m := value.NewMap(len(n.Pairs))
		for _, p := range n.Pairs {
			k, err := s.eval(sc, p.Key)
			if err != nil {
				return nil, err
			}
			ks, ok := mapKey(k)
			if !ok {
				return nil, fmt.Errorf("unhashable dict key of type '%s'", typeName(k))
			}
			v, err := s.eval(sc, p.Value)
			if err != nil {
				return nil, err
			}
			m.Set(ks, v)
		}
		return m, nil
	case *nodes.Name:
		if n.Name.Val == "none" { // Jinja2 spells None both ways
			return nil, nil
		}
		return s.name(sc, n.Name.Val), nil
	case *nodes.GetAttribute:
		obj, err := s.eval(sc, n.Node)
		if err != nil {
			return nil, err
		}
		if n.Attribute == "" {
			return getitem(obj, n.Index), nil
		}
		if v, ok := s.member(obj, n.Attribute); ok {
			return v, nil
		}
		return getattr(obj, n.Attribute), nil
	case *nodes.GetItem:
		obj, err := s.eval(sc, n.Node)
		if err != nil {
			return nil, err
		}
		k, err := s.eval(sc, n.Arg)
		if err != nil {
			return nil, err
		}
		if u, ok := k.(*undefined); ok {
			return nil, u.err
		}
		if name, ok := k.(string); ok {
			if v, ok := s.member(obj, name); ok {
				return v, nil
			}
		}
		return getitem(obj, k), nil
	case *nodes.GetSlice:
		return s.evalSlice(sc, n)
	case *nodes.Call:
		return s.evalCall(sc, n)
	case *nodes.Negation:
		v, err := s.eval(sc, n.Term)
		if err != nil {
			return nil, err
		}
		t, err := truth(v)
		return !t, err
	case *nodes.UnaryExpression:
		v, err := s.eval(sc, n.Term)
		if err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case *undefined:
			return nil, x.err
		case int:
			if n.Negative {
				return -x, nil
			}
			return x, nil
		case float64:
			if n.Negative {
				return -x, nil
			}
			return x, nil
		case bool:
			i, _ := asInt(x)
			if n.Negative {
				return -i, nil
			}
			return i, nil
		}
		return nil, fmt.Errorf("bad operand type for unary %s: '%s'", n.Operator.Val, typeName(v))
	case *nodes.BinaryExpression:
		return s.evalBinary(sc, n)
	case *cmpChain:
		return s.evalChain(sc, n)
	case *nodes.FilteredExpression:
		if err := unknownPlugins(n.Filters, nil); err != nil {
			return nil, err
		}
		v, err := s.eval(sc, n.Expression)
		if err != nil {
			return nil, err
		}
		for _, f := range n.Filters {
			args, kw, err := s.evalArgs(sc, f.Args, f.Kwargs)
			if err != nil {
				return nil, err
			}
			if v, err = s.filter(f.Name, v, args, kw); err != nil {
				return nil, err
			}
		}
		return v, nil
	case *nodes.TestExpression:
		if err := unknownPlugins(nil, n.Test); err != nil {
			return nil, err
		}
		v, err := s.eval(sc, n.Expression)
		if err != nil {
			return nil, err
		}
		argNodes := n.Test.Args
		// gonja reads `x is version('1', '<')` as one tuple argument;
		// `x in (a, b)` (the in test's one argument) is the tuple.
		if len(argNodes) == 1 && n.Test.Name != "in" {
			if t, ok := argNodes[0].(*nodes.Tuple); ok {
				argNodes = t.Val
			}
		}
		args, kw, err := s.evalArgs(sc, argNodes, n.Test.Kwargs)
		if err != nil {
			return nil, err
		}
		return s.test(n.Test.Name, v, args, kw)
	case *nodes.Error:
		return nil, n.Error
	case *nodes.Pair:
		return nil, fmt.Errorf("unexpected pair %s", n)
	}
	return nil, fmt.Errorf("unsupported expression %s", n)
}

func (s *state) evalList(sc *scope, ns []nodes.Expression) ([]any, error) {
	out := make([]any, 0, len(ns))
	for _, e := range ns {
		v, err := s.eval(sc, e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *state) evalArgs(sc *scope, an []nodes.Expression, kn map[string]nodes.Expression) (args []any, kw map[string]any, err error) {
	args, err = s.evalList(sc, an)
	if err != nil {
		return nil, nil, err
	}
	if len(kn) > 0 {
		kw = make(map[string]any, len(kn))
		for k, e := range kn {
			v, err := s.eval(sc, e)
			if err != nil {
				return nil, nil, err
			}
			kw[k] = v
		}
	}
	args, kw = spread(args, kw) // *x and **x
	return args, kw, nil
}

func (s *state) evalSlice(sc *scope, n *nodes.GetSlice) (any, error) {
	obj, err := s.eval(sc, n.Node)
	if err != nil {
		return nil, err
	}
	bound := func(e nodes.Node) (int, bool, error) {
		if e == nil {
			return 0, false, nil
		}
		v, err := s.eval(sc, e)
		if err != nil {
			return 0, false, err
		}
		if v == nil {
			return 0, false, nil
		}
		i, ok := asInt(v)
		if !ok {
			return 0, false, fmt.Errorf("slice indices must be integers or None")
		}
		return i, true, nil
	}
	start, hasStart, err := bound(n.Start)
	if err != nil {
		return nil, err
	}
	end, hasEnd, err := bound(n.End)
	if err != nil {
		return nil, err
	}
	step, hasStep, err := bound(n.Step)
	if err != nil {
		return nil, err
	}
	if !hasStep {
		step = 1
	}
	if step == 0 {
		return nil, fmt.Errorf("slice step cannot be zero")
	}
	var items []any
	str, isStr := asString(obj)
	switch o := obj.(type) {
	case *undefined:
		return nil, o.err
	case []any:
		items = o
	default:
		if !isStr {
			return nil, fmt.Errorf("'%s' object is not subscriptable", typeName(obj))
		}
		for _, r := range str {
			items = append(items, string(r))
		}
	}
	idx := pySliceIndices(len(items), start, end, step, hasStart, hasEnd)
	out := make([]any, 0, len(idx))
	for _, i := range idx {
		out = append(out, items[i])
	}
	if isStr {
		var b strings.Builder
		for _, c := range out {
			b.WriteString(c.(string))
		}
		return b.String(), nil
	}
	return out, nil
}

func pySliceIndices(n, start, stop, step int, hasStart, hasStop bool) []int {
	clamp := func(i, lo, hi int) int {
		if i < lo {
			return lo
		}
		if i > hi {
			return hi
		}
		return i
	}
	if step > 0 {
		if !hasStart {
			start = 0
		} else if start < 0 {
			start += n
		}
		if !hasStop {
			stop = n
		} else if stop < 0 {
			stop += n
		}
		start, stop = clamp(start, 0, n), clamp(stop, 0, n)
	} else {
		if !hasStart {
			start = n - 1
		} else if start < 0 {
			start += n
		}
		if !hasStop {
			stop = -1
		} else if stop < 0 {
			stop += n
		}
		start, stop = clamp(start, -1, n-1), clamp(stop, -1, n-1)
	}
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return out
}

func (s *state) evalCall(sc *scope, n *nodes.Call) (any, error) {
	if name, ok := n.Func.(*nodes.Name); ok && name.Name.Val == condGlobal {
		return s.evalCond(sc, n)
	}
	args, kw, err := s.evalArgs(sc, n.Args, n.Kwargs)
	if err != nil {
		return nil, err
	}
	if ga, ok := n.Func.(*nodes.GetAttribute); ok && ga.Attribute != "" {
		recv, err := s.eval(sc, ga.Node)
		if err != nil {
			return nil, err
		}
		if u, ok := recv.(*undefined); ok {
			return nil, u.err
		}
		if list, isList := recv.([]any); isList {
			if name, isName := ga.Node.(*nodes.Name); isName {
				if v, ok, err := s.mutateList(sc, name.Name.Val, list, ga.Attribute, args); ok {
					return v, err
				}
			}
		}
		if v, ok, err := callMethod(s, recv, ga.Attribute, args, kw); ok {
			return v, err
		}
		return s.call(getattr(recv, ga.Attribute), args, kw)
	}
	fn, err := s.eval(sc, n.Func)
	if err != nil {
		return nil, err
	}
	return s.call(fn, args, kw)
}

func (s *state) call(fn any, args []any, kw map[string]any) (any, error) {
	switch f := fn.(type) {
	case *undefined:
		return nil, f.err
	case callable:
		return f(s, args, kw)
	case *macro:
		return s.callMacro(f, args, kw)
	case *recursiveLoop:
		if len(args) != 1 {
			return nil, fmt.Errorf("loop() takes exactly one argument")
		}
		if f.depth >= maxDepth {
			return nil, fmt.Errorf("maximum loop recursion depth exceeded")
		}
		var b strings.Builder
		if err := s.execFor(f.sc, f.n, args[0], f.depth+1, &b); err != nil {
			return nil, err
		}
		return b.String(), nil
	}
	return nil, fmt.Errorf("'%s' object is not callable", typeName(fn))
}

// mutateList does Python's in-place list methods on a list held by a
// variable (`{% set _ = peers.append(x) %}`, a common Ansible idiom).
// fjord's lists are values, so the variable is bound again to the new
// list, in the scope that holds it (the template's outermost scope for a
// variable from outside), where later uses see it, as they would see the
// mutated list in Python.
func (s *state) mutateList(sc *scope, name string, list []any, method string, args []any) (any, bool, error) {
	var out []any
	switch method {
	case "append":
		if len(args) != 1 {
			return nil, true, fmt.Errorf("append() takes exactly one argument (%d given)", len(args))
		}
		out = append(append(make([]any, 0, len(list)+1), list...), args[0])
	case "extend":
		if len(args) != 1 {
			return nil, true, fmt.Errorf("extend() takes exactly one argument (%d given)", len(args))
		}
		more, err := iterate(args[0])
		if err != nil {
			return nil, true, err
		}
		out = append(append(make([]any, 0, len(list)+len(more)), list...), more...)
	case "insert":
		if len(args) != 2 {
			return nil, true, fmt.Errorf("insert expected 2 arguments, got %d", len(args))
		}
		i, ok := args[0].(int)
		if !ok {
			return nil, true, fmt.Errorf("'%s' object cannot be interpreted as an integer", pyTypeName(args[0]))
		}
		if i < 0 {
			i += len(list)
		}
		i = min(max(i, 0), len(list))
		out = append(append(append(make([]any, 0, len(list)+1), list[:i]...), args[1]), list[i:]...)
	default:
		return nil, false, nil
	}
	target := sc
	for t := sc; t != nil; t = t.parent {
		target = t
		if _, ok := t.vars[name]; ok {
			break
		}
	}
	target.vars[name] = out
	return nil, true, nil
}
