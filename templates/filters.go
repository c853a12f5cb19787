package templates

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

type filterFunc func(s *state, in any, args []any, kw map[string]any) (any, error)

var filters map[string]filterFunc

// Filters that receive an undefined input instead of failing on it.
// extract looks its keys up with Jinja2's getitem, which chains an
// undefined container or key into an undefined result.
var undefinedOK = map[string]bool{"default": true, "d": true, "mandatory": true, "extract": true, "type_debug": true}

func (s *state) filter(name string, in any, args []any, kw map[string]any) (any, error) {
	f, ok := filters[name]
	if !ok {
		name = pluginName(name, ansibleFilters)
		f, ok = filters[name]
	}
	if !ok {
		return nil, errors.New("TemplateSyntaxError: " + pluginNotFound(name))
	}
	if !undefinedOK[name] {
		if u, ok := in.(*undefined); ok {
			return nil, u.err
		}
	}
	if !undefinedArgOK[name] {
		if err := firstUndefined(args); err != nil {
			return nil, err
		}
	}
	return f(s, in, args, kw)
}

// arg returns positional argument i or keyword name, or def.
func arg(args []any, kw map[string]any, i int, name string, def any) any {
	if v, ok := kw[name]; ok {
		return v
	}
	if i >= 0 && i < len(args) {
		return args[i]
	}
	return def
}

func argBool(args []any, kw map[string]any, i int, name string, def bool) bool {
	v := arg(args, kw, i, name, def)
	b, _ := truth(v)
	return b
}

func argInt(args []any, kw map[string]any, i int, name string, def int) int {
	v := arg(args, kw, i, name, def)
	if n, ok := asInt(v); ok {
		return n
	}
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return def
}

func argStr(args []any, kw map[string]any, i int, name string, def string) string {
	v := arg(args, kw, i, name, def)
	s, _ := toStr(v)
	return s
}

func init() {
	filters = map[string]filterFunc{
		"default":    fDefault,
		"d":          fDefault,
		"bool":       fBool,
		"int":        fInt,
		"float":      fFloat,
		"string":     fString,
		"lower":      strFilter(strings.ToLower),
		"upper":      strFilter(strings.ToUpper),
		"capitalize": strFilter(pyCapitalize),
		"title":      strFilter(pyTitle),
		"trim":       fTrim,
		"replace":    fReplace,
		"length":     fLength,
		"count":      fLength,
		"first":      fFirst,
		"last":       fLast,
		"min":        fMinMax(-1),
		"max":        fMinMax(1),
		"sum":        fSum,
		"sort":       fSort,
		"reverse":    fReverse,
		"join":       fJoin,
		"list":       fList,
		"map":        fMap,
		"select":     fSelect(true, false),
		"reject":     fSelect(false, false),
		"selectattr": fSelect(true, true),
		"rejectattr": fSelect(false, true),
		"groupby":    fGroupBy,
		"batch":      fBatch,
		"slice":      fSlice,
		"round":      fRound,
		"abs":        fAbs,
		"center":     fCenter,
		"indent":     fIndent,
		"wordcount":  fWordcount,
		"urlencode":  fURLEncode,
		"tojson":     fToJSON,
		"dictsort":   fDictsort,
		"items":      fItems,
		"attr":       fAttr,
		"safe":       func(s *state, in any, a []any, k map[string]any) (any, error) { return in, nil },
		"e":          fEscape,
		"escape":     fEscape,
		"format":     fFormat,
		"truncate":   fTruncate,
		"wordwrap":   fWordwrap,
		"striptags":  fStriptags,
	}
	registerAnsibleFilters()
	registerMathFilters()
	registerCoreFilters()
	registerJinjaMore()
	filters["urlsplit"] = fURLSplit
	filters["urldecode"] = fURLDecode
	filters["json_query"] = fJSONQuery
	filters["community.general.json_query"] = fJSONQuery
}

func strFilter(f func(string) string) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		str, err := toStr(in)
		if err != nil {
			return nil, err
		}
		return f(str), nil
	}
}

func fDefault(s *state, in any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default_value", "")
	if isUndef(in) {
		return def, nil
	}
	if argBool(args, kw, 1, "boolean", false) {
		if t, _ := truth(in); !t {
			return def, nil
		}
	}
	return in, nil
}

func fBool(s *state, in any, args []any, kw map[string]any) (any, error) {
	return value.BoolFilter(in), nil
}

func fInt(s *state, in any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default", 0)
	base := argInt(args, kw, 1, "base", 10)
	switch v := plain(in).(type) {
	case int:
		return v, nil
	case bool:
		i, _ := asInt(v)
		return i, nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return def, nil
		}
		return int(v), nil
	case string:
		if base != 10 {
			if n, err := parseIntStr(v, base); err == nil {
				return n, nil
			}
			return def, nil
		}
		if n, err := parseIntStr(v, 10); err == nil {
			return n, nil
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return int(f), nil
		}
	}
	return def, nil
}

func fFloat(s *state, in any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default", 0.0)
	switch v := plain(in).(type) {
	case int:
		return float64(v), nil
	case bool:
		i, _ := asInt(v)
		return float64(i), nil
	case float64:
		return v, nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(v, "_", "")), 64); err == nil {
			return f, nil
		}
	}
	return def, nil
}

func fString(s *state, in any, args []any, kw map[string]any) (any, error) {
	return toStr(in)
}

func fTrim(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	if c := arg(args, kw, 0, "chars", nil); c != nil {
		cs, _ := toStr(c)
		return strings.Trim(str, cs), nil
	}
	return strings.TrimSpace(str), nil
}

func fReplace(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	old := argStr(args, kw, 0, "old", "")
	nw := argStr(args, kw, 1, "new", "")
	n := argInt(args, kw, 2, "count", -1)
	return strings.Replace(str, old, nw, n), nil
}

func fLength(s *state, in any, args []any, kw map[string]any) (any, error) {
	return length(in)
}

func fRound(s *state, in any, args []any, kw map[string]any) (any, error) {
	f, ok, _ := asNumber(plain(in))
	if !ok {
		return nil, fmt.Errorf("round: %s is not a number", typeName(in))
	}
	prec := argInt(args, kw, 0, "precision", 0)
	method := argStr(args, kw, 1, "method", "common")
	p := math.Pow(10, float64(prec))
	switch method {
	case "common":
		// Python 3 rounds half to even.
		return math.RoundToEven(f*p) / p, nil
	case "ceil":
		return math.Ceil(f*p) / p, nil
	case "floor":
		return math.Floor(f*p) / p, nil
	}
	return nil, fmt.Errorf("method must be common, ceil or floor")
}

func fAbs(s *state, in any, args []any, kw map[string]any) (any, error) {
	switch v := plain(in).(type) {
	case int:
		if v < 0 {
			return -v, nil
		}
		return v, nil
	case float64:
		return math.Abs(v), nil
	case bool:
		i, _ := asInt(v)
		return i, nil
	}
	return nil, fmt.Errorf("bad operand type for abs(): '%s'", typeName(in))
}

// jsonEncode is json.dumps for the to_json family of filters: an
// undefined value fails with its own error, anything else without a JSON
// form as Python's encoder does.
func jsonEncode(v any, o value.PyJSONOptions) (string, error) {
	o.Default = func(x any) (any, error) {
		if u, ok := x.(*undefined); ok {
			return nil, u.err
		}
		if d, ok := x.(datetime); ok { // AnsibleJSONEncoder
			return strings.Replace(d.pyStr(), " ", "T", 1), nil
		}
		s, err := toStr(x)
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("Object of type %s is not JSON serializable: %s", typeName(x), s)
	}
	b, err := value.AppendPyJSON(nil, v, o)
	return string(b), err
}
