package templates

import (
	"reflect"
	"unsafe"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Jinja chains comparisons as Python does: a < b < c is a < b and b < c,
// b evaluated once. gonja parses it left-nested, (a < b) < c, the same
// tree as a parenthesized (a < b) < c, so the tokens tell them apart:
// the chain is rewritten into one cmpChain node after parsing.

// cmpChain is operands[0] ops[0] operands[1] ops[1] operands[2] ...
type cmpChain struct {
	operands []nodes.Expression
	ops      []*tokens.Token
}

func (c *cmpChain) Position() *tokens.Token { return c.operands[0].Position() }
func (c *cmpChain) String() string          { return "cmpChain" }

var cmpOps = map[tokens.Type]bool{
	tokens.Equals: true, tokens.Ne: true, tokens.GreaterThan: true,
	tokens.GreaterThanOrEqual: true, tokens.LowerThan: true, tokens.LowerThanOrEqual: true,
}

func isCmp(e nodes.Expression) (*nodes.BinaryExpression, bool) {
	b, ok := e.(*nodes.BinaryExpression)
	return b, ok && b.Operator != nil && b.Operator.Token != nil && cmpOps[b.Operator.Token.Type]
}

// groupedLeft lists the comparison operators (by source offset) whose
// left operand ends with a parenthesized group holding a comparison at
// its top level: there, (a < b) < c is not a chain.
func groupedLeft(src string, cfg *config.Config) map[int]bool {
	var toks []*tokens.Token
	s := tokens.LexAll(src, cfg)
	for i := 0; !s.End() && i < 1<<20; i++ {
		toks = append(toks, s.Next())
	}
	out := map[int]bool{}
	for i, t := range toks {
		if !cmpOps[t.Type] || i == 0 || toks[i-1].Type != tokens.RightParenthesis {
			continue
		}
		depth, hasCmp := 0, false
		j := i - 1
		for ; j >= 0; j-- {
			switch toks[j].Type {
			case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
				depth++
			case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
				depth--
			}
			if depth == 1 && cmpOps[toks[j].Type] {
				hasCmp = true
			}
			if depth == 0 {
				break
			}
		}
		if j < 0 || !hasCmp {
			continue
		}
		// a call's or a filter's argument list is not a group
		if j > 0 {
			switch toks[j-1].Type {
			case tokens.Name, tokens.RightParenthesis, tokens.RightBracket, tokens.String:
				continue
			}
		}
		out[t.Pos] = true
	}
	return out
}

// rewriteChains replaces every chained comparison under root.
func rewriteChains(root any, grouped map[int]bool) {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem())
		case reflect.Interface:
			if v.IsNil() {
				return
			}
			if e, ok := v.Interface().(nodes.Expression); ok && v.CanSet() {
				if c := chainOf(e, grouped); c != nil {
					v.Set(reflect.ValueOf(c))
					for i := range c.operands {
						walk(reflect.ValueOf(&c.operands[i]).Elem())
					}
					return
				}
			}
			walk(v.Elem())
		case reflect.Struct:
			if v.Type().PkgPath() == "github.com/nikolalohinski/gonja/v2/tokens" {
				return
			}
			for i := 0; i < v.NumField(); i++ {
				f := v.Field(i)
				if !f.CanSet() && f.CanAddr() {
					// fjord's own statement nodes keep their
					// expressions in unexported fields.
					f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
				}
				walk(f)
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				mv := v.MapIndex(k)
				if mv.Kind() == reflect.Interface || mv.Kind() == reflect.Pointer {
					cp := reflect.New(mv.Type()).Elem()
					cp.Set(mv)
					walk(cp)
					v.SetMapIndex(k, cp)
				}
			}
		}
	}
	walk(reflect.ValueOf(root))
}

// chainOf is e as a chain, or nil when e is not a chained comparison.
func chainOf(e nodes.Expression, grouped map[int]bool) *cmpChain {
	b, ok := isCmp(e)
	if !ok {
		return nil
	}
	if _, leftCmp := isCmp(b.Left); !leftCmp || grouped[b.Operator.Token.Pos] {
		return nil
	}
	var operands []nodes.Expression
	var ops []*tokens.Token
	cur := nodes.Expression(b)
	for {
		cb, ok := isCmp(cur)
		if !ok || cur != nodes.Expression(b) && grouped[cb.Operator.Token.Pos] {
			break
		}
		operands = append([]nodes.Expression{cb.Right}, operands...)
		ops = append([]*tokens.Token{cb.Operator.Token}, ops...)
		cur = cb.Left
		if _, more := isCmp(cur); !more {
			break
		}
		if grouped[cb.Operator.Token.Pos] {
			break
		}
	}
	operands = append([]nodes.Expression{cur}, operands...)
	return &cmpChain{operands: operands, ops: ops}
}

// evalChain evaluates a chain left to right, stopping at the first false
// comparison, which is its value (Python's a < b and b < c).
func (s *state) evalChain(sc *scope, c *cmpChain) (any, error) {
	l, err := s.eval(sc, c.operands[0])
	if err != nil {
		return nil, err
	}
	var res any = true
	for i, op := range c.ops {
		r, err := s.eval(sc, c.operands[i+1])
		if err != nil {
			return nil, err
		}
		if res, err = binop(op, l, r, c.operands[i+1]); err != nil {
			return nil, err
		}
		if t, err := truth(res); err != nil || !t {
			return res, err
		}
		l = r
	}
	return res, nil
}
