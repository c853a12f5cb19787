package templates

import "github.com/nikolalohinski/gonja/v2/nodes"

// inTest is the `a in b` (or `a not in b`) that gonja's parser reads as a
// test whose argument is b alone, so that `a in b | f` comes out as
// `(a in b) | f`; in Jinja2 filters bind to b, tighter than `in`.
func inTest(e nodes.Expression) (t *nodes.TestExpression, neg bool) {
	if n, ok := e.(*nodes.Negation); ok {
		e, neg = n.Term, true
	}
	t, ok := e.(*nodes.TestExpression)
	if !ok || t.Test == nil || t.Test.Name != "in" || len(t.Test.Args) != 1 || len(t.Test.Kwargs) != 0 {
		return nil, false
	}
	return t, neg
}

// evalIn is `a in (b | filters)`, negated for `not in`.
func (s *state) evalIn(sc *scope, t *nodes.TestExpression, neg bool, filters []*nodes.FilterCall) (any, error) {
	item, err := s.eval(sc, t.Expression)
	if err != nil {
		return nil, err
	}
	seq, err := s.eval(sc, &nodes.FilteredExpression{Expression: t.Test.Args[0], Filters: filters})
	if err != nil {
		return nil, err
	}
	r, err := s.test("in", item, []any{seq}, nil)
	if err != nil {
		return nil, err
	}
	if neg {
		b, _ := r.(bool)
		return !b, nil
	}
	return r, nil
}
