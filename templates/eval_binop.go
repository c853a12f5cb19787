package templates

import (
	"fmt"
	"math"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Binary operators, with Python's semantics over fjord values.

func (s *state) evalBinary(sc *scope, n *nodes.BinaryExpression) (any, error) {
	l, err := s.eval(sc, n.Left)
	if err != nil {
		return nil, err
	}
	switch n.Operator.Token.Type {
	case tokens.And:
		t, err := truth(l)
		if err != nil || !t {
			return l, err
		}
		return s.eval(sc, n.Right)
	case tokens.Or:
		t, err := truth(l)
		if err != nil || t {
			return l, err
		}
		return s.eval(sc, n.Right)
	}
	r, err := s.eval(sc, n.Right)
	if err != nil {
		return nil, err
	}
	return binop(n.Operator.Token, l, r, n.Right)
}

func binop(op *tokens.Token, l, r any, rnode nodes.Node) (any, error) {
	if u, ok := l.(*undefined); ok {
		return nil, u.err
	}
	if u, ok := r.(*undefined); ok {
		return nil, u.err
	}
	l, r = plain(l), plain(r)
	switch op.Type {
	case tokens.Equals:
		return equal(l, r), nil
	case tokens.Ne:
		return !equal(l, r), nil
	case tokens.LowerThan, tokens.LowerThanOrEqual, tokens.GreaterThan, tokens.GreaterThanOrEqual:
		c, err := compare(l, r)
		if err != nil {
			return nil, fmt.Errorf("'%s' not supported between instances of '%s' and '%s'", op.Val, pyQualName(l), pyQualName(r))
		}
		switch op.Type {
		case tokens.LowerThan:
			return c < 0, nil
		case tokens.LowerThanOrEqual:
			return c <= 0, nil
		case tokens.GreaterThan:
			return c > 0, nil
		}
		return c >= 0, nil
	case tokens.In:
		return contains(r, l)
	case tokens.Tilde:
		a, err := toStr(l)
		if err != nil {
			return nil, err
		}
		b, err := toStr(r)
		return a + b, err
	case tokens.Modulo:
		if f, ok := l.(string); ok {
			var fargs []any
			if t, ok := r.([]any); ok {
				if _, isTuple := rnode.(*nodes.Tuple); isTuple {
					fargs = t
				}
			}
			if fargs == nil {
				fargs = []any{r}
			}
			return pyFormat(f, fargs)
		}
	case tokens.Addition:
		if a, ok := l.(string); ok {
			if b, ok := r.(string); ok {
				return a + b, nil
			}
		}
		if a, ok := l.([]any); ok {
			if b, ok := r.([]any); ok {
				out := make([]any, 0, len(a)+len(b))
				return append(append(out, a...), b...), nil
			}
		}
	case tokens.Multiply:
		if a, ok := l.(string); ok {
			if k, ok := asInt(r); ok {
				return strings.Repeat(a, max(k, 0)), nil
			}
		}
		if a, ok := l.([]any); ok {
			if k, ok := asInt(r); ok {
				var out []any
				for i := 0; i < k; i++ {
					out = append(out, a...)
				}
				if out == nil {
					out = []any{}
				}
				return out, nil
			}
		}
	}
	if op.Type == tokens.Addition || op.Type == tokens.Subtraction {
		if v, handled, err := pyObjectBinop(op.Val, l, r); handled {
			return v, err
		}
	}
	x, okx, fx := asNumber(l)
	y, oky, fy := asNumber(r)
	if !okx || !oky {
		return nil, fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op.Val, typeName(l), typeName(r))
	}
	isFloat := fx || fy
	xi, yi := int(x), int(y)
	switch op.Type {
	case tokens.Addition:
		if isFloat {
			return x + y, nil
		}
		return xi + yi, nil
	case tokens.Subtraction:
		if isFloat {
			return x - y, nil
		}
		return xi - yi, nil
	case tokens.Multiply:
		if isFloat {
			return x * y, nil
		}
		return xi * yi, nil
	case tokens.Division:
		if y == 0 {
			return nil, fmt.Errorf("division by zero")
		}
		return x / y, nil
	case tokens.FloorDivision:
		if y == 0 {
			return nil, fmt.Errorf("integer division or modulo by zero")
		}
		if isFloat {
			return math.Floor(x / y), nil
		}
		q := xi / yi
		if (xi%yi != 0) && ((xi < 0) != (yi < 0)) {
			q--
		}
		return q, nil
	case tokens.Modulo:
		if y == 0 {
			return nil, fmt.Errorf("integer division or modulo by zero")
		}
		if isFloat {
			m := math.Mod(x, y)
			if m != 0 && (m < 0) != (y < 0) {
				m += y
			}
			return m, nil
		}
		m := xi % yi
		if m != 0 && (m < 0) != (yi < 0) {
			m += yi
		}
		return m, nil
	case tokens.Power:
		if !isFloat && yi >= 0 {
			res := 1
			for i := 0; i < yi; i++ {
				res *= xi
			}
			return res, nil
		}
		return math.Pow(x, y), nil
	}
	return nil, fmt.Errorf("unknown operator %q", op.Val)
}
