package templates

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/jmespath-community/go-jmespath/pkg/api"
	"github.com/jmespath-community/go-jmespath/pkg/parsing"

	"github.com/fjord-run/fjord/value"
)

// json_query is community.general's JMESPath filter, which ansible-core
// 2.14 routes the short name json_query to. JMESPath numbers are floats:
// an integral number comes back an int.

func fJSONQuery(s *state, in any, args []any, kw map[string]any) (any, error) {
	expr, err := toStr(arg(args, kw, 0, "expr", nil))
	if err != nil {
		return nil, err
	}
	expr = legacyLiterals(expr)
	jp, err := api.Compile(expr)
	if err != nil {
		var se parsing.SyntaxError
		if errors.As(err, &se) {
			return nil, filterError("JMESPathError in json_query filter plugin:\nInvalid jmespath expression: %s:\n\"%s\"\n%*s^",
				se.Error()[len("SyntaxError: "):], se.Expression, se.Offset+1, "")
		}
		return nil, filterError("JMESPathError in json_query filter plugin:\n%v", err)
	}
	orders := map[uintptr][]string{}
	var hashes [][]string
	if ast, err := parsing.NewParser().Parse(expr); err == nil {
		hashes = multiSelectHashes(ast, nil)
	}
	data, err := toJMES(in, orders)
	if err != nil {
		return nil, err
	}
	out, err := searchJMES(jp, data)
	if err != nil {
		return nil, filterError("JMESPathError in json_query filter plugin:\n%v", err)
	}
	return fromJMES(out, orders, hashes), nil
}

// multiSelectHashes lists the keys of each {k: expr, ...} of the query, in
// the order written, which is the order of the dicts it makes.
func multiSelectHashes(n parsing.ASTNode, out [][]string) [][]string {
	if n.NodeType == parsing.ASTMultiSelectHash {
		var keys []string
		for _, c := range n.Children {
			if k, ok := c.Value.(string); ok {
				keys = append(keys, k)
			}
		}
		out = append(out, keys)
	}
	for _, c := range n.Children {
		out = multiSelectHashes(c, out)
	}
	return out
}

// dictOrder is the key order of a dict the query returns: its input
// dict's, a multi-select hash's with the same keys, or sorted.
func dictOrder(x map[string]any, orders map[uintptr][]string, hashes [][]string) []string {
	if keys, ok := orders[reflect.ValueOf(x).Pointer()]; ok && len(keys) == len(x) {
		return keys
	}
	for _, h := range hashes {
		if len(h) != len(x) {
			continue
		}
		all := true
		for _, k := range h {
			if _, ok := x[k]; !ok {
				all = false
				break
			}
		}
		if all {
			return h
		}
	}
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// searchJMES runs the query; a panic inside the library is an error.
func searchJMES(jp api.JMESPath, data any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return jp.Search(data)
}

// toJMES converts a template value into the library's JSON model,
// remembering each dict's key order by the identity of its Go map.
func toJMES(v any, orders map[uintptr][]string) (any, error) {
	switch x := plain(v).(type) {
	case *undefined:
		return nil, x.err
	case value.Getter:
		keys := x.Keys()
		m := make(map[string]any, len(keys))
		for _, k := range keys {
			e, _ := x.Get(k)
			c, err := toJMES(e, orders)
			if err != nil {
				return nil, err
			}
			m[k] = c
		}
		orders[reflect.ValueOf(m).Pointer()] = keys
		return m, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := toJMES(e, orders)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case int:
		return float64(x), nil
	case nil, bool, float64, string:
		return x, nil
	}
	str, err := toStr(v)
	return str, err
}

func fromJMES(v any, orders map[uintptr][]string, hashes [][]string) any {
	switch x := v.(type) {
	case map[string]any:
		keys := dictOrder(x, orders, hashes)
		m := value.NewMap(len(keys))
		for _, k := range keys {
			m.Set(k, fromJMES(x[k], orders, hashes))
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromJMES(e, orders, hashes)
		}
		return out
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x)
		}
		return x
	case int:
		return x
	}
	return v
}

// legacyLiterals rewrites a `literal` that is not JSON as the JSON string
// of its text, which Python's jmespath still accepts (`up` is "up").
func legacyLiterals(expr string) string {
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch c {
		case '\'':
			j := i + 1
			for j < len(expr) && expr[j] != '\'' {
				if expr[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(expr))
			b.WriteString(expr[i:end])
			i = end - 1
		case '`':
			j := i + 1
			for j < len(expr) && expr[j] != '`' {
				if expr[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(expr) {
				b.WriteString(expr[i:])
				return b.String()
			}
			lit := strings.ReplaceAll(expr[i+1:j], "\\`", "`")
			if !json.Valid([]byte(lit)) {
				q, _ := json.Marshal(strings.TrimLeft(lit, " \t\n\r"))
				lit = string(q)
			}
			b.WriteString("`" + strings.ReplaceAll(lit, "`", "\\`") + "`")
			i = j
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
