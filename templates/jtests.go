package templates

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/fjord-run/fjord/value"
)

type testFunc func(s *state, in any, args []any, kw map[string]any) (bool, error)

var jtests map[string]testFunc

// Tests that look at an undefined value instead of failing on it.
var testUndefinedOK = map[string]bool{"defined": true, "undefined": true, "none": true, "string": true,
	"number": true, "integer": true, "float": true, "boolean": true, "mapping": true, "sameas": true,
	// is true / is false compare identity; uri, url and urn catch urlparse's
	// failure on it: all are false, without the undefined's error.
	"true": true, "false": true, "uri": true, "url": true, "urn": true}

func opToken(op string) *tokens.Token {
	t := map[string]tokens.Type{"+": tokens.Addition, "==": tokens.Equals, "!=": tokens.Ne, "<": tokens.LowerThan,
		"<=": tokens.LowerThanOrEqual, ">": tokens.GreaterThan, ">=": tokens.GreaterThanOrEqual}[op]
	return &tokens.Token{Type: t, Val: op}
}

func (s *state) test(name string, in any, args []any, kw map[string]any) (any, error) {
	t, ok := jtests[name]
	if !ok {
		name = pluginName(name, ansibleTests)
		t, ok = jtests[name]
	}
	if !ok {
		return nil, errors.New("TemplateSyntaxError: " + pluginNotFound(name))
	}
	if !testUndefinedOK[name] {
		if u, ok := in.(*undefined); ok {
			return nil, u.err
		}
	}
	if !undefinedTestArgOK[name] {
		if err := firstUndefined(args); err != nil {
			return nil, err
		}
	}
	return t(s, in, args, kw)
}

func cmpTest(op string) testFunc {
	return func(s *state, in any, args []any, kw map[string]any) (bool, error) {
		r, err := binop(opToken(op), in, arg(args, kw, 0, "other", nil), nil)
		b, _ := r.(bool)
		return b, err
	}
}

func field(m value.Getter, k string) bool {
	v, ok := m.Get(k)
	if !ok {
		return false
	}
	b, _ := fBool(nil, v, nil, nil)
	t, _ := b.(bool)
	return t
}

func regexTest(mode string) testFunc {
	return func(s *state, in any, args []any, kw map[string]any) (bool, error) {
		str, err := toStr(in)
		if err != nil {
			return false, err
		}
		pat := argStr(args, kw, 0, "pattern", "")
		mode := mode
		if t := argStr(args, kw, 3, "match_type", ""); t != "" {
			mode = t
		}
		flags := ""
		if argBool(args, kw, 1, "ignorecase", false) {
			flags += "i"
		}
		if argBool(args, kw, 2, "multiline", false) {
			flags += "m"
		}
		// Python's re.match and re.fullmatch anchor at the start (and
		// end); \A and \z do so whatever the multiline flag says.
		switch mode {
		case "match":
			pat = `\A(?:` + pat + `)`
		case "fullmatch":
			pat = `\A(?:` + pat + `)\z`
		}
		re, err := compileRegex(pat, flags)
		if err != nil {
			return false, err
		}
		return re.MatchString(str), re.Err()
	}
}

func typeTest(f func(v any) bool) testFunc {
	return func(s *state, in any, args []any, kw map[string]any) (bool, error) { return f(plain(in)), nil }
}

func init() {
	jtests = map[string]testFunc{
		"defined":   func(s *state, in any, a []any, k map[string]any) (bool, error) { return !isUndef(in), nil },
		"undefined": func(s *state, in any, a []any, k map[string]any) (bool, error) { return isUndef(in), nil },
		"none":      typeTest(func(v any) bool { return v == nil }),
		"string":    typeTest(func(v any) bool { _, ok := v.(string); return ok }),
		"number": typeTest(func(v any) bool {
			switch v.(type) {
			case int, float64, bool:
				return true
			}
			return false
		}),
		"integer": typeTest(func(v any) bool { _, ok := v.(int); return ok }),
		"float":   typeTest(func(v any) bool { _, ok := v.(float64); return ok }),
		"boolean": typeTest(func(v any) bool { _, ok := v.(bool); return ok }),
		"mapping": typeTest(func(v any) bool { _, ok := v.(value.Getter); return ok }),
		"sequence": typeTest(func(v any) bool {
			switch v.(type) {
			case []any, string, value.Getter:
				return true
			}
			return false
		}),
		"iterable": typeTest(func(v any) bool {
			switch v.(type) {
			case []any, string, value.Getter, *loopInfo:
				return true
			}
			return false
		}),
		"callable": typeTest(func(v any) bool {
			switch v.(type) {
			case callable, *macro:
				return true
			}
			return false
		}),
		"truthy": func(s *state, in any, a []any, k map[string]any) (bool, error) { return truth(in) },
		"falsy": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			t, err := truth(in)
			return !t, err
		},
		"even": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			n, ok := asInt(plain(in))
			return ok && n%2 == 0, nil
		},
		"odd": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			n, ok := asInt(plain(in))
			return ok && n%2 != 0, nil
		},
		"divisibleby": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			n, _ := asInt(plain(in))
			d := argInt(a, k, 0, "num", 1)
			if d == 0 {
				return false, fmt.Errorf("integer division or modulo by zero")
			}
			return n%d == 0, nil
		},
		"sameas": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			o := arg(a, k, 0, "other", nil)
			switch x := in.(type) {
			case nil, bool:
				return x == o, nil
			}
			return false, nil
		},
		"eq": cmpTest("=="), "equalto": cmpTest("=="), "==": cmpTest("=="),
		"ne": cmpTest("!="), "!=": cmpTest("!="),
		"lt": cmpTest("<"), "lessthan": cmpTest("<"), "<": cmpTest("<"),
		"le": cmpTest("<="), "<=": cmpTest("<="),
		"gt": cmpTest(">"), "greaterthan": cmpTest(">"), ">": cmpTest(">"),
		"ge": cmpTest(">="), ">=": cmpTest(">="),
		"in": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			return contains(arg(a, k, 0, "seq", nil), in)
		},
		"lower":   typeTest(func(v any) bool { s, ok := v.(string); return ok && strings.ToLower(s) == s }),
		"upper":   typeTest(func(v any) bool { s, ok := v.(string); return ok && strings.ToUpper(s) == s }),
		"escaped": typeTest(func(v any) bool { return false }),
		"filter": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			n, _ := toStr(in)
			_, ok := filters[n]
			return ok, nil
		},
		"test": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			n, _ := toStr(in)
			_, ok := jtests[n]
			return ok, nil
		},

		"match":  regexTest("match"),
		"search": regexTest("search"),
		"regex":  regexTest("search"),

		"version":         fVersionTest,
		"version_compare": fVersionTest,

		"any": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			items, err := iterate(in)
			for _, it := range items {
				if t, _ := truth(it); t {
					return true, err
				}
			}
			return false, err
		},
		"all": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			items, err := iterate(in)
			for _, it := range items {
				if t, _ := truth(it); !t {
					return false, err
				}
			}
			return true, err
		},
	}
	registerAnsibleTests()
}

func pathTest(f func(os.FileInfo) bool, stat func(string) (os.FileInfo, error)) testFunc {
	return func(s *state, in any, args []any, kw map[string]any) (bool, error) {
		p, err := toStr(in)
		if err != nil {
			return false, err
		}
		fi, err := stat(p)
		return err == nil && f(fi), nil
	}
}

func subset(a, b any) (bool, error) {
	xs, err := iterate(a)
	if err != nil {
		return false, err
	}
	ys, err := iterate(b)
	if err != nil {
		return false, err
	}
	for _, x := range xs {
		found := false
		for _, y := range ys {
			if equal(x, y) {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}
