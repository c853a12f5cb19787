package templates

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/fjord-run/fjord/value"
)

type filterFunc func(s *state, in any, args []any, kw map[string]any) (any, error)

var filters map[string]filterFunc

// Filters that receive an undefined input instead of failing on it.
var undefinedOK = map[string]bool{"default": true, "d": true, "mandatory": true}

func (s *state) filter(name string, in any, args []any, kw map[string]any) (any, error) {
	f, ok := filters[name]
	if !ok {
		return nil, fmt.Errorf("template error while templating string: No filter named '%s'", name)
	}
	if !undefinedOK[name] {
		if u, ok := in.(*undefined); ok {
			return nil, u.err
		}
		for _, a := range args {
			if u, ok := a.(*undefined); ok {
				return nil, u.err
			}
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
		"unique":     fUnique,
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

func fFirst(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return &undefined{&UndefinedError{Hint: "No first item, sequence was empty."}}, nil
	}
	return items[0], nil
}

func fLast(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return &undefined{&UndefinedError{Hint: "No last item, sequence was empty."}}, nil
	}
	return items[len(items)-1], nil
}

// sortKey prepares a value for comparison: strings fold case unless
// case_sensitive, and attribute= picks a field.
func sortKey(v any, attr string, caseSensitive bool) any {
	if attr != "" {
		for _, part := range strings.Split(attr, ".") {
			if i, err := strconv.Atoi(part); err == nil {
				v = getitem(v, i)
			} else {
				v = getitem(v, part)
			}
		}
	}
	if str, ok := asString(v); ok && !caseSensitive {
		return strings.ToLower(str)
	}
	return v
}

func fMinMax(sign int) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		items, err := iterate(in)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return &undefined{&UndefinedError{Hint: "No aggregated item, sequence was empty."}}, nil
		}
		attr := argStr(args, kw, 1, "attribute", "")
		cs := argBool(args, kw, 0, "case_sensitive", false)
		best := items[0]
		for _, it := range items[1:] {
			c, err := compare(sortKey(it, attr, cs), sortKey(best, attr, cs))
			if err != nil {
				return nil, err
			}
			if c*sign > 0 {
				best = it
			}
		}
		return best, nil
	}
}

func fSum(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	attr := argStr(args, kw, 0, "attribute", "")
	var total any = arg(args, kw, 1, "start", 0)
	for _, it := range items {
		if attr != "" {
			it = sortKey(it, attr, true)
		}
		if total, err = binop(opToken("+"), total, it, nil); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func sortValues(items []any, attr string, cs, reverse bool) ([]any, error) {
	out := append([]any(nil), items...)
	var err error
	sort.SliceStable(out, func(i, j int) bool {
		c, e := compare(sortKey(out[i], attr, cs), sortKey(out[j], attr, cs))
		if e != nil && err == nil {
			err = e
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	return out, err
}

func fSort(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	return sortValues(items, argStr(args, kw, 2, "attribute", ""), argBool(args, kw, 1, "case_sensitive", false), argBool(args, kw, 0, "reverse", false))
}

func fReverse(s *state, in any, args []any, kw map[string]any) (any, error) {
	if str, ok := asString(in); ok {
		r := []rune(str)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), nil
	}
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return out, nil
}

func fJoin(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	sep := argStr(args, kw, 0, "d", "")
	attr := argStr(args, kw, 1, "attribute", "")
	parts := make([]string, len(items))
	for i, it := range items {
		if attr != "" {
			it = sortKey(it, attr, true)
		}
		if parts[i], err = toStr(it); err != nil {
			return nil, err
		}
	}
	return strings.Join(parts, sep), nil
}

func fList(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	return append([]any{}, items...), nil
}

func fMap(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	if a, ok := kw["attribute"]; ok {
		attr, _ := toStr(a)
		def, hasDef := kw["default"]
		for _, it := range items {
			v := sortKey(it, attr, true)
			if isUndef(v) && hasDef {
				v = def
			}
			out = append(out, v)
		}
		return out, nil
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("map requires a filter argument")
	}
	name, _ := toStr(args[0])
	for _, it := range items {
		v, err := s.filter(name, it, args[1:], kw)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func fSelect(keep, byAttr bool) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		items, err := iterate(in)
		if err != nil {
			return nil, err
		}
		attr := ""
		if byAttr {
			if len(args) == 0 {
				return nil, fmt.Errorf("missing parameter for attribute name")
			}
			attr, _ = toStr(args[0])
			args = args[1:]
		}
		out := []any{}
		for _, it := range items {
			v := it
			if byAttr {
				v = sortKey(it, attr, true)
			}
			var ok bool
			if len(args) == 0 {
				if isUndef(v) {
					ok = false
				} else {
					ok, err = truth(v)
				}
			} else {
				name, _ := toStr(args[0])
				var r any
				r, err = s.test(name, v, args[1:], kw)
				ok, _ = r.(bool)
			}
			if err != nil {
				return nil, err
			}
			if ok == keep {
				out = append(out, it)
			}
		}
		return out, nil
	}
}

func fGroupBy(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	attr := argStr(args, kw, 0, "attribute", "")
	def, hasDef := kw["default"]
	sorted, err := sortValues(items, attr, true, false)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, it := range sorted {
		k := sortKey(it, attr, true)
		if isUndef(k) && hasDef {
			k = def
		}
		if n := len(out); n > 0 && equal(out[n-1].([]any)[0], k) {
			g := out[n-1].([]any)
			g[1] = append(g[1].([]any), it)
			continue
		}
		out = append(out, []any{k, []any{it}})
	}
	return out, nil
}

func fBatch(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	n := argInt(args, kw, 0, "linecount", 1)
	if n <= 0 {
		return nil, fmt.Errorf("batch size must be positive")
	}
	fill := arg(args, kw, 1, "fill_with", nil)
	hasFill := len(args) > 1 || kw["fill_with"] != nil
	out := []any{}
	for i := 0; i < len(items); i += n {
		end := min(i+n, len(items))
		b := append([]any{}, items[i:end]...)
		for hasFill && len(b) < n {
			b = append(b, fill)
		}
		out = append(out, b)
	}
	return out, nil
}

func fSlice(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	n := argInt(args, kw, 0, "slices", 1)
	if n <= 0 {
		return nil, fmt.Errorf("slices must be positive")
	}
	fill := arg(args, kw, 1, "fill_with", nil)
	hasFill := len(args) > 1
	per, extra := len(items)/n, len(items)%n
	out := []any{}
	off := 0
	for i := 0; i < n; i++ {
		start := off
		size := per
		if i < extra {
			size++
		}
		b := append([]any{}, items[start:start+size]...)
		off += size
		if hasFill && i >= extra && extra > 0 {
			b = append(b, fill)
		}
		out = append(out, b)
	}
	return out, nil
}

func fUnique(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	cs := argBool(args, kw, 0, "case_sensitive", false)
	attr := argStr(args, kw, 1, "attribute", "")
	out := []any{}
	var seen []any
	for _, it := range items {
		k := sortKey(it, attr, cs)
		dup := false
		for _, s := range seen {
			if equal(s, k) {
				dup = true
				break
			}
		}
		if !dup {
			seen = append(seen, k)
			out = append(out, it)
		}
	}
	return out, nil
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

func fCenter(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	v, _, _ := strMethod(str, "center", []any{argInt(args, kw, 0, "width", 80)}, nil)
	return v, nil
}

func fIndent(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	pad := strings.Repeat(" ", argInt(args, kw, 0, "width", 4))
	if w, ok := arg(args, kw, 0, "width", nil).(string); ok {
		pad = w
	}
	first := argBool(args, kw, 1, "first", false)
	blank := argBool(args, kw, 2, "blank", false)
	nl := "\n"
	if strings.HasSuffix(str, "\n") {
		str = str[:len(str)-1]
	} else {
		nl = ""
	}
	lines := strings.Split(str, "\n")
	for i, l := range lines {
		if i == 0 && !first {
			continue
		}
		if l == "" && !blank {
			continue
		}
		if strings.TrimSpace(l) == "" && !blank && i > 0 {
			lines[i] = l
			if l != "" {
				lines[i] = pad + l
			}
			continue
		}
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n") + nl, nil
}

func fWordcount(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	n := 0
	inWord := false
	for _, r := range str {
		w := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
		if w && !inWord {
			n++
		}
		inWord = w
	}
	return n, nil
}

func urlQuote(s string, safe string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c == ' ' && safe == "" {
			b.WriteByte('+')
			continue
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func fURLEncode(s *state, in any, args []any, kw map[string]any) (any, error) {
	switch v := plain(in).(type) {
	case string:
		return urlQuote(v, "/"), nil
	case value.Getter, []any:
		var pairs []string
		var add = func(k, val any) {
			ks, _ := toStr(k)
			vs, _ := toStr(val)
			pairs = append(pairs, urlQuote(ks, "")+"="+urlQuote(vs, ""))
		}
		if m, ok := v.(value.Getter); ok {
			keys := m.Keys()
			if _, ordered := m.(*value.Map); !ordered {
				keys = append([]string(nil), keys...)
				sort.Strings(keys)
			}
			for _, k := range keys {
				val, _ := m.Get(k)
				add(k, val)
			}
		} else {
			for _, it := range v.([]any) {
				p, _ := iterate(it)
				if len(p) == 2 {
					add(p[0], p[1])
				}
			}
		}
		return strings.Join(pairs, "&"), nil
	}
	str, err := toStr(in)
	return url.PathEscape(str), err
}

func fToJSON(s *state, in any, args []any, kw map[string]any) (any, error) {
	// Jinja2's tojson is json.dumps(sort_keys=True), so ASCII only, with
	// <, >, & and ' escaped as well.
	out, err := jsonEncode(in, value.PyJSONOptions{SortKeys: true, EnsureASCII: true, Indent: argInt(args, kw, 0, "indent", -1)})
	if err != nil {
		return nil, err
	}
	r := strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "'", `\u0027`)
	return r.Replace(out), nil
}

func fDictsort(s *state, in any, args []any, kw map[string]any) (any, error) {
	m, ok := plain(in).(value.Getter)
	if !ok {
		return nil, fmt.Errorf("dictsort: expected a dict, got %s", typeName(in))
	}
	cs := argBool(args, kw, 0, "case_sensitive", false)
	by := argStr(args, kw, 1, "by", "key")
	rev := argBool(args, kw, 2, "reverse", false)
	var pairs []any
	for _, k := range m.Keys() {
		v, _ := m.Get(k)
		pairs = append(pairs, []any{k, v})
	}
	idx := 0
	if by == "value" {
		idx = 1
	}
	var err error
	sort.SliceStable(pairs, func(i, j int) bool {
		c, e := compare(sortKey(pairs[i].([]any)[idx], "", cs), sortKey(pairs[j].([]any)[idx], "", cs))
		if e != nil {
			err = e
		}
		if rev {
			return c > 0
		}
		return c < 0
	})
	if pairs == nil {
		pairs = []any{}
	}
	return pairs, err
}

func fItems(s *state, in any, args []any, kw map[string]any) (any, error) {
	if in == nil {
		return []any{}, nil
	}
	v, ok, err := callMethod(s, in, "items", nil, nil)
	if !ok {
		return nil, fmt.Errorf("can only get item pairs from a mapping")
	}
	return v, err
}

func fAttr(s *state, in any, args []any, kw map[string]any) (any, error) {
	return getattr(in, argStr(args, kw, 0, "name", "")), nil
}

func fEscape(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(str), nil
}

func fFormat(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	return pyFormat(str, args)
}

func fTruncate(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	n := argInt(args, kw, 0, "length", 255)
	killwords := argBool(args, kw, 1, "killwords", false)
	end := argStr(args, kw, 2, "end", "...")
	leeway := argInt(args, kw, 3, "leeway", 5)
	r := []rune(str)
	if len(r) <= n+leeway {
		return str, nil
	}
	cut := n - len([]rune(end))
	if cut < 0 {
		cut = 0
	}
	if killwords {
		return string(r[:cut]) + end, nil
	}
	res := string(r[:cut])
	if i := strings.LastIndex(res, " "); i >= 0 {
		res = res[:i]
	}
	return res + end, nil
}

func fWordwrap(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	width := argInt(args, kw, 0, "width", 79)
	var lines []string
	for _, para := range strings.Split(str, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > width {
				lines = append(lines, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, argStr(args, kw, 2, "wrapstring", "\n")), nil
}

func fStriptags(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	inTag := false
	for _, r := range str {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " "), nil
}

// jsonEncode is json.dumps for the to_json family of filters: an
// undefined value fails with its own error, anything else without a JSON
// form as Python's encoder does.
func jsonEncode(v any, o value.PyJSONOptions) (string, error) {
	o.Default = func(x any) (any, error) {
		if u, ok := x.(*undefined); ok {
			return nil, u.err
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
