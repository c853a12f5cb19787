package templates

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Jinja's builtin filters on sequences: first, last, min, max, sum, sort, reverse, join, list, map, select/reject, groupby, batch, slice, unique.

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

// multiSortKey is Jinja2's make_multi_attrgetter: "a,b.c" is the list of
// each attribute's value.
func multiSortKey(v any, attr string, cs bool) any {
	if !strings.Contains(attr, ",") {
		return sortKey(v, attr, cs)
	}
	parts := strings.Split(attr, ",")
	out := make([]any, len(parts))
	for i, a := range parts {
		out[i] = sortKey(v, a, cs)
	}
	return out
}

func sortValues(items []any, attr string, cs, reverse bool) ([]any, error) {
	out := append([]any(nil), items...)
	var err error
	sort.SliceStable(out, func(i, j int) bool {
		c, e := compare(multiSortKey(out[i], attr, cs), multiSortKey(out[j], attr, cs))
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

// fGroupBy is Jinja2 3.1's groupby: sorted and grouped on the attribute
// (case-insensitively unless told), each group keyed by its first item's
// value, default standing for a missing one.
func fGroupBy(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	attr := argStr(args, kw, 0, "attribute", "")
	def := arg(args, kw, 1, "default", nil)
	cs := argBool(args, kw, 2, "case_sensitive", false)
	key := func(it any, cs bool) any {
		k := sortKey(it, attr, true)
		if isUndef(k) && def != nil {
			k = def
		}
		if str, ok := asString(k); ok && !cs {
			return strings.ToLower(str)
		}
		return k
	}
	sorted := append([]any(nil), items...)
	sort.SliceStable(sorted, func(i, j int) bool {
		c, e := compare(key(sorted[i], cs), key(sorted[j], cs))
		if e != nil && err == nil {
			err = e
		}
		return c < 0
	})
	if err != nil {
		return nil, err
	}
	out := []any{}
	var last any
	for i, it := range sorted {
		k := key(it, cs)
		if i > 0 && equal(last, k) {
			g := out[len(out)-1].([]any)
			g[1] = append(g[1].([]any), it)
			continue
		}
		last = k
		out = append(out, []any{key(it, true), []any{it}})
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
