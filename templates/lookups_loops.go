package templates

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// The lookups behind with_* loops: items, dict, sequence, indexed_items, together, nested.

func lkItems(s *state, terms []any, kw map[string]any) ([]any, error) {
	return flatten(terms, 1, false), nil
}

func lkDict(s *state, terms []any, kw map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range terms {
		m, ok := asMapping(t)
		if !ok {
			return nil, fmt.Errorf("with_dict expects a dict")
		}
		items, _ := fDict2Items(s, m, nil, nil)
		out = append(out, items.([]any)...)
	}
	return out, nil
}

// seqShort is the sequence lookup's shortcut form [start-]end[/stride][:format]
// (ansible's SHORTCUT: hex letters pass the pattern, int() refuses them).
var seqShort = regexp.MustCompile(`(?i)^(([0-9a-fx]+)-)?([0-9a-fx]+)(/([0-9a-fx]+))?(:(.+))?$`)

// seqArgs is one term of the sequence lookup.
type seqArgs struct {
	start, stride int
	end, count    *int
	format        string
}

func lkSequence(s *state, terms []any, kw map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range terms {
		a := seqArgs{start: 1, stride: 1, format: "%d"}
		term, ok := asString(t)
		if !ok {
			return nil, lkErr("AnsibleError", "unknown error parsing with_sequence arguments: %s. Error was: expected string or bytes-like object", value.Repr(t))
		}
		if m := seqShort.FindStringSubmatch(term); m != nil {
			if err := a.parseShort(m); err != nil {
				return nil, err
			}
		} else if err := a.parseKV(term); err != nil {
			return nil, err
		}
		if err := a.check(); err != nil {
			return nil, err
		}
		if a.stride == 0 {
			continue
		}
		items, err := a.generate(len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

func (a *seqArgs) parseShort(m []string) error {
	for _, f := range []struct {
		name, text string
		set        func(int)
	}{
		{"start", m[2], func(n int) { a.start = n }},
		{"end", m[3], func(n int) { a.end = &n }},
		{"stride", m[5], func(n int) { a.stride = n }},
	} {
		if f.text == "" {
			continue
		}
		n, err := pyIntBase0(f.text)
		if err != nil {
			return lkErr("AnsibleError", "can't parse %s=%s as integer", f.name, f.text)
		}
		f.set(n)
	}
	if m[6] != "" {
		a.format = m[7]
	}
	return nil
}

func (a *seqArgs) parseKV(term string) error {
	kv, err := value.ParseKV(term)
	if err != nil {
		return lkErr("AnsibleError", "unknown error parsing with_sequence arguments: %s. Error was: %s", value.Repr(term), err.Error())
	}
	given := map[string]string{}
	for _, p := range kv {
		given[p[0]] = p[1]
	}
	// ansible converts the numbers in this order, whatever the term's
	for _, k := range []string{"start", "end", "count", "stride"} {
		v, ok := given[k]
		if !ok {
			continue
		}
		n, err := pyIntBase0(v)
		if err != nil {
			return lkErr("AnsibleError", "can't parse %s=%s as integer", k, v)
		}
		switch k {
		case "start":
			a.start = n
		case "end":
			a.end = &n
		case "count":
			a.count = &n
		case "stride":
			a.stride = n
		}
	}
	var unknown []any
	for _, p := range kv {
		switch p[0] {
		case "start", "end", "count", "stride":
		case "format":
			a.format = p[1]
		default:
			unknown = append(unknown, p[0])
		}
	}
	if len(unknown) > 0 {
		return lkErr("AnsibleError", "unrecognized arguments to with_sequence: %s", value.Repr(unknown))
	}
	return nil
}

// check is ansible's sanity_check: count becomes end.
func (a *seqArgs) check() error {
	switch {
	case a.count == nil && a.end == nil:
		return lkErr("AnsibleError", "must specify count or end in with_sequence")
	case a.count != nil && a.end != nil:
		return lkErr("AnsibleError", "can't specify both count and end in with_sequence")
	case a.count != nil:
		end := a.start + *a.count*a.stride - 1
		if *a.count == 0 {
			a.start, end, a.stride = 0, 0, 0
		}
		a.end = &end
	}
	if a.stride > 0 && *a.end < a.start {
		return lkErr("AnsibleError", "to count backwards make stride negative")
	}
	if a.stride < 0 && *a.end > a.start {
		return lkErr("AnsibleError", "to count forward don't make stride negative")
	}
	if strings.Count(a.format, "%") != 1 {
		return lkErr("AnsibleError", "bad formatting string: %s", a.format)
	}
	return nil
}

// generate is range(start, end+1, stride) formatted; have is how many
// items the lookup holds already (the whole is bounded).
func (a *seqArgs) generate(have int) ([]any, error) {
	var out []any
	end := *a.end + 1
	if a.stride < 0 {
		end = *a.end - 1
	}
	for i := a.start; (a.stride > 0 && i < end) || (a.stride < 0 && i > end); i += a.stride {
		if have+len(out) >= 1000000 {
			return nil, lkErr("AnsibleError", "unknown error generating sequence: too many items")
		}
		r, err := pyFormat(a.format, []any{i})
		if err != nil {
			return nil, lkErr("AnsibleError", "problem formatting %d with %s", i, value.Repr(a.format))
		}
		out = append(out, r)
	}
	return out, nil
}

// pyIntBase0 is Python's int(s, 0): a sign, then 0x/0o/0b digits or a
// decimal without leading zeros, single underscores between digits.
func pyIntBase0(s string) (int, error) {
	t := strings.TrimSpace(s)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg, t = t[0] == '-', t[1:]
	}
	base := 10
	if len(t) > 2 && t[0] == '0' {
		switch t[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 10 {
			t = strings.TrimPrefix(t[2:], "_")
		}
	}
	bad := fmt.Errorf("invalid literal for int() with base 0: %s", value.Repr(s))
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, bad
	}
	t = strings.ReplaceAll(t, "_", "")
	if base == 10 && len(t) > 1 && t[0] == '0' && strings.Trim(t, "0") != "" {
		return 0, bad
	}
	n, err := strconv.ParseInt(t, base, 64)
	if err != nil {
		return 0, bad
	}
	if neg {
		n = -n
	}
	return int(n), nil
}

func lkIndexed(s *state, terms []any, kw map[string]any) ([]any, error) {
	items := flatten(terms, 1, false)
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = []any{i, it}
	}
	return out, nil
}

func lkTogether(s *state, terms []any, kw map[string]any) ([]any, error) {
	if len(terms) == 0 {
		return nil, fmt.Errorf("with_together requires at least one element in each list")
	}
	v, err := fZip(true)(s, terms[0], terms[1:], nil)
	if err != nil {
		return nil, err
	}
	return v.([]any), nil
}

func lkNested(s *state, terms []any, kw map[string]any) ([]any, error) {
	if len(terms) == 0 {
		return nil, fmt.Errorf("with_nested requires at least one element in the nested list")
	}
	v, err := fProduct(s, terms[0], terms[1:], nil)
	if err != nil {
		return nil, err
	}
	out := v.([]any)
	for i, r := range out {
		out[i] = flatten(r.([]any), 1, false)
	}
	return out, nil
}

// lkSubelements is ansible's subelements lookup: [element, subelement]
// for each subelement of the list at the dotted key of each element. The
// element given is a copy without that list, as ansible pops it.
func lkSubelements(s *state, terms []any, kw map[string]any) ([]any, error) {
	termsErr := func(msg string) error {
		return lkErr("AnsibleError", "subelements lookup expects a list of two or three items, %s", msg)
	}
	if len(terms) < 2 || len(terms) > 3 {
		return nil, termsErr("")
	}
	first := terms[0]
	if _, isMap := asMapping(first); !isMap {
		if _, isList := first.([]any); !isList {
			first = []any{first}
		}
	}
	path, isStr := asString(terms[1])
	var elements []any
	switch f := first.(type) {
	case []any:
		elements = f
	default:
		m, ok := asMapping(f)
		if !ok || !isStr {
			return nil, termsErr("first a dict or a list, second a string pointing to the subkey")
		}
		if sk, has := m.Get("skipped"); has && sk != false {
			return []any{}, nil
		}
		for _, k := range m.Keys() {
			v, _ := m.Get(k)
			elements = append(elements, v)
		}
	}
	if !isStr {
		return nil, termsErr("first a dict or a list, second a string pointing to the subkey")
	}
	skipMissing := false
	if len(terms) == 3 {
		flags, ok := asMapping(terms[2])
		if !ok {
			return nil, termsErr("the optional third item must be a dict with flags ('skip_missing',)")
		}
		if v, has := flags.Get("skip_missing"); has {
			skipMissing = value.Bool(v)
		}
	}
	out := []any{}
	keys := strings.Split(path, ".")
	for _, el := range elements {
		pairs, err := subelementPairs(el, keys, skipMissing)
		if err != nil {
			return nil, err
		}
		out = append(out, pairs...)
	}
	return out, nil
}

// subelementPairs is one element's share of the subelements lookup.
func subelementPairs(el any, keys []string, skipMissing bool) ([]any, error) {
	m, ok := el.(*value.Map)
	if !ok {
		return nil, lkErr("AnsibleError", "subelements lookup expects a dictionary, got '%s'", pyStr(el))
	}
	if sk, has := m.Get("skipped"); has && sk != false {
		return nil, nil
	}
	top := m.Clone()
	sub := top
	var list []any
	for _, k := range keys {
		last := k == keys[len(keys)-1]
		v, has := sub.Get(k)
		if !has {
			if skipMissing {
				continue
			}
			return nil, lkErr("AnsibleError", "could not find '%s' key in iterated item '%s'", k, pyStr(sub))
		}
		if !last {
			vm, isMap := v.(*value.Map)
			if !isMap {
				if skipMissing {
					continue
				}
				return nil, lkErr("AnsibleError", "the key %s should point to a dictionary, got '%s'", k, pyStr(v))
			}
			vm = vm.Clone()
			sub.Set(k, vm)
			sub = vm
			continue
		}
		l, isList := v.([]any)
		if !isList {
			return nil, lkErr("AnsibleError", "the key %s should point to a list, got '%s'", k, pyStr(v))
		}
		list = l
		sub.Delete(k)
	}
	out := make([]any, 0, len(list))
	for _, e := range list {
		out = append(out, []any{top, e})
	}
	return out, nil
}
