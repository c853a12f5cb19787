package templates

import (
	"fmt"
	"hash/fnv"
	"math/rand"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// Ansible's filters on lists: flatten, unique and the set operations, zip, subelements, product, extract, random, shuffle.

func flatten(items []any, levels int, skipNulls bool) []any {
	out := []any{}
	for _, it := range items {
		if skipNulls && (it == nil || it == "None" || it == "null") {
			continue
		}
		if l, ok := it.([]any); ok && levels != 0 {
			out = append(out, flatten(l, levels-1, skipNulls)...)
			continue
		}
		out = append(out, it)
	}
	return out
}

func fFlatten(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	levels := -1
	if v := arg(args, kw, 0, "levels", nil); v != nil {
		levels, _ = asInt(v)
	}
	return flatten(items, levels, argBool(args, kw, 1, "skip_nulls", true)), nil
}

func uniq(items []any) []any {
	out := []any{}
	for _, it := range items {
		if found, _ := contains(out, it); !found {
			out = append(out, it)
		}
	}
	return out
}

func setFilter(op string) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		a, err := iterate(in)
		if err != nil {
			return nil, err
		}
		b, err := iterate(arg(args, kw, 0, "b", nil))
		if err != nil {
			return nil, err
		}
		var out []any
		has := func(l []any, x any) bool { f, _ := contains(l, x); return f }
		switch op {
		case "union":
			out = uniq(append(append([]any{}, a...), b...))
		case "intersect":
			for _, x := range uniq(a) {
				if has(b, x) {
					out = append(out, x)
				}
			}
		case "difference":
			for _, x := range uniq(a) {
				if !has(b, x) {
					out = append(out, x)
				}
			}
		case "symmetric_difference":
			for _, x := range uniq(append(append([]any{}, a...), b...)) {
				if has(a, x) != has(b, x) {
					out = append(out, x)
				}
			}
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
}

func fZip(longest bool) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		lists := [][]any{}
		for _, x := range append([]any{in}, args...) {
			l, err := iterate(x)
			if err != nil {
				return nil, err
			}
			lists = append(lists, l)
		}
		n := len(lists[0])
		for _, l := range lists {
			if longest {
				n = max(n, len(l))
			} else {
				n = min(n, len(l))
			}
		}
		fill := arg(nil, kw, -1, "fillvalue", nil)
		out := make([]any, n)
		for i := range out {
			row := make([]any, len(lists))
			for j, l := range lists {
				if i < len(l) {
					row[j] = l[i]
				} else {
					row[j] = fill
				}
			}
			out[i] = row
		}
		return out, nil
	}
}

// fSubelements is ansible's subelements: each element of a list (or of a
// dict's values) paired with each item of the list its dotted key (or
// list of keys) reaches.
func fSubelements(s *state, in any, args []any, kw map[string]any) (any, error) {
	var items []any
	switch v := plain(in).(type) {
	case value.Getter:
		for _, k := range v.Keys() {
			x, _ := v.Get(k)
			items = append(items, x)
		}
	case []any:
		items = v
	default:
		return nil, filterError("obj must be a list of dicts or a nested dict")
	}
	var path []any
	switch p := plain(arg(args, kw, 0, "subelements", nil)).(type) {
	case []any:
		path = p
	case string:
		for _, part := range strings.Split(p, ".") {
			path = append(path, part)
		}
	default:
		return nil, fmt.Errorf("subelements must be a list or a string")
	}
	skip := argBool(args, kw, 1, "skip_missing", false)
	out := []any{}
	for _, it := range items {
		v, err := subelementValues(it, path, skip)
		if err != nil {
			return nil, err
		}
		for _, e := range v {
			out = append(out, []any{it, e})
		}
	}
	return out, nil
}

func subelementValues(it any, path []any, skip bool) ([]any, error) {
	v := it
	var last any
	for _, p := range path {
		last = p
		m, ok := asMapping(v)
		if !ok {
			str, _ := toStr(v)
			return nil, fmt.Errorf("the key %s should point to a dictionary, got '%s'", value.String(p), str)
		}
		k, _ := mapKey(p)
		nv, found := m.Get(k)
		if !found {
			if skip {
				return nil, nil
			}
			r, _ := repr(v)
			return nil, filterError("could not find %s key in iterated item %s", value.Repr(p), r)
		}
		v = nv
	}
	l, ok := plain(v).([]any)
	if !ok {
		r, _ := repr(v)
		return nil, fmt.Errorf("the key %s should point to a list, got %s", value.Repr(last), r)
	}
	return l, nil
}

func fProduct(s *state, in any, args []any, kw map[string]any) (any, error) {
	res := [][]any{{}}
	for _, x := range append([]any{in}, args...) {
		l, err := iterate(x)
		if err != nil {
			return nil, err
		}
		var next [][]any
		for _, r := range res {
			for _, e := range l {
				next = append(next, append(append([]any{}, r...), e))
			}
		}
		res = next
	}
	out := make([]any, len(res))
	for i, r := range res {
		out[i] = r
	}
	return out, nil
}

func fExtract(s *state, in any, args []any, kw map[string]any) (any, error) {
	container := arg(args, kw, 0, "container", nil)
	v := getitem(container, in)
	if mk := arg(args, kw, 1, "morekeys", nil); mk != nil {
		keys, ok := mk.([]any)
		if !ok {
			keys = []any{mk}
		}
		for _, k := range keys {
			v = getitem(v, k)
		}
	}
	// An undefined result is the filter's result, as Jinja2's getitem
	// gives it: default() and further lookups see it.
	return v, nil
}

func seededRand(s *state, args []any, kw map[string]any, idx int) *rand.Rand {
	if seed := arg(args, kw, idx, "seed", nil); seed != nil {
		h := fnv.New64a()
		str, _ := toStr(seed)
		h.Write([]byte(str))
		return rand.New(rand.NewSource(int64(h.Sum64())))
	}
	return rand.New(rand.NewSource(rand.Int63()))
}

// fRandom is ansible's random: randrange over an integer, choice over
// anything iterable.
func fRandom(s *state, in any, args []any, kw map[string]any) (any, error) {
	r := seededRand(s, args, kw, 2)
	start, step := arg(args, kw, 0, "start", nil), arg(args, kw, 1, "step", nil)
	switch v := plain(in).(type) {
	case int, bool:
		n, _ := asInt(v)
		lo, st := 0, 1
		if t, _ := truth(start); t {
			lo, _ = asInt(start)
		}
		if t, _ := truth(step); t {
			st, _ = asInt(step)
		}
		if st <= 0 || n <= lo {
			return nil, fmt.Errorf("empty range for randrange() (%d, %d, %d)", lo, n, st)
		}
		k := (n - lo + st - 1) / st
		return lo + r.Intn(k)*st, nil
	case []any, string, value.Getter:
		if t1, _ := truth(start); t1 {
			return nil, filterError("start and step can only be used with integer values")
		}
		if t2, _ := truth(step); t2 {
			return nil, filterError("start and step can only be used with integer values")
		}
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("Cannot choose from an empty sequence")
		}
		return items[r.Intn(len(items))], nil
	}
	return nil, filterError("random can only be used on sequences and integers")
}

// fShuffle is ansible's shuffle: a shuffled list of the items, or the
// input itself when it cannot be listed.
func fShuffle(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return in, nil
	}
	out := append([]any{}, items...)
	r := seededRand(s, args, kw, 0)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}
