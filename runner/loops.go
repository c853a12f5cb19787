package runner

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// loopItems computes the items of loop: or with_X: for this host.
func (tc *taskCtx) loopItems() ([]any, error) {
	t, sc := tc.t, tc.sc
	v, err := sc.render(t.Loop)
	if err != nil {
		return nil, err
	}
	switch t.LoopLookup {
	case "":
		l, ok := v.([]any)
		if !ok {
			if v == nil {
				return nil, fmt.Errorf("Invalid data passed to 'loop', it requires a list, got this instead: None. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.")
			}
			return nil, fmt.Errorf("Invalid data passed to 'loop', it requires a list, got this instead: %s. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.", value.String(v))
		}
		return l, nil
	case "items":
		var out []any
		for _, e := range value.Listify(v) {
			if l, ok := e.([]any); ok {
				out = append(out, l...)
			} else {
				out = append(out, e)
			}
		}
		return out, nil
	case "list":
		return value.Listify(v), nil
	case "flattened":
		return flattenAll(value.Listify(v)), nil
	case "indexed_items":
		var out []any
		for i, e := range flattenOne(value.Listify(v)) {
			out = append(out, []any{i, e})
		}
		return out, nil
	case "dict":
		m, ok := v.(*value.Map)
		if !ok {
			if l, isl := v.([]any); isl && len(l) == 1 {
				m, ok = l[0].(*value.Map)
			}
			if !ok {
				return nil, fmt.Errorf("with_dict expects a dict")
			}
		}
		var out []any
		m.Range(func(k string, e any) bool {
			out = append(out, value.MapOf("key", k, "value", e))
			return true
		})
		return out, nil
	case "sequence":
		var out []any
		for _, term := range value.Listify(v) {
			items, err := sequence(value.String(term))
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		}
		return out, nil
	case "nested", "cartesian", "community.general.cartesian":
		lists := value.Listify(v)
		res := [][]any{{}}
		for _, l := range lists {
			var next [][]any
			for _, prefix := range res {
				for _, e := range value.Listify(l) {
					next = append(next, append(append([]any(nil), prefix...), e))
				}
			}
			res = next
		}
		out := make([]any, len(res))
		for i, r := range res {
			out[i] = r
		}
		return out, nil
	case "together":
		lists := value.Listify(v)
		n := 0
		for _, l := range lists {
			n = max(n, len(value.Listify(l)))
		}
		var out []any
		for i := 0; i < n; i++ {
			var row []any
			for _, l := range lists {
				ll := value.Listify(l)
				if i < len(ll) {
					row = append(row, ll[i])
				} else {
					row = append(row, nil)
				}
			}
			out = append(out, row)
		}
		return out, nil
	case "subelements":
		terms := value.Listify(v)
		if len(terms) < 2 {
			return nil, fmt.Errorf("subelements lookup expects a list of two or three items")
		}
		skipMissing := false
		if len(terms) > 2 {
			if fm, ok := terms[2].(*value.Map); ok {
				sm, _ := fm.Get("skip_missing")
				skipMissing = value.Bool(sm)
			}
		}
		key := value.String(terms[1])
		var elems []any
		switch e := terms[0].(type) {
		case []any:
			elems = e
		case *value.Map:
			e.Range(func(_ string, x any) bool { elems = append(elems, x); return true })
		}
		var out []any
		for _, el := range elems {
			m, ok := el.(*value.Map)
			if !ok {
				return nil, fmt.Errorf("subelements lookup expects a list of dictionaries")
			}
			cur := any(m)
			for _, part := range strings.Split(key, ".") {
				cm, _ := cur.(*value.Map)
				nv, ok := cm.Get(part)
				if !ok {
					if skipMissing {
						cur = nil
						break
					}
					return nil, fmt.Errorf("could not find '%s' key in iterated item '%s'", key, value.Repr(el))
				}
				cur = nv
			}
			if cur == nil {
				continue
			}
			sub, ok := cur.([]any)
			if !ok {
				return nil, fmt.Errorf("the key %s should point to a list, got '%s'", key, value.Repr(cur))
			}
			for _, s := range sub {
				out = append(out, []any{el, s})
			}
		}
		return out, nil
	case "fileglob":
		var out []any
		for _, term := range value.Listify(v) {
			pat := value.String(term)
			var dirs []string
			if filepath.IsAbs(pat) {
				dirs = []string{""}
			} else {
				dirs = tc.searchDirs("files")
			}
			for _, d := range dirs {
				matches, _ := filepath.Glob(filepath.Join(d, pat))
				sort.Strings(matches)
				if len(matches) > 0 {
					for _, m := range matches {
						out = append(out, m)
					}
					break
				}
			}
		}
		return out, nil
	case "env", "file", "lines", "template", "pipe", "vars", "first_found", "inventory_hostnames", "random_choice":
		// delegate to the template engine's lookup plugins.
		terms := value.Listify(v)
		lv := value.NewMap(1)
		lv.Set("__fjord_terms", terms)
		s2 := *sc
		s2.layers = append(append([]*value.Map(nil), sc.layers...), lv)
		s2.cache = nil
		args := make([]string, len(terms))
		for i := range terms {
			args[i] = fmt.Sprintf("__fjord_terms[%d]", i)
		}
		expr := fmt.Sprintf("{{ query('%s', %s) }}", t.LoopLookup, strings.Join(args, ", "))
		r, err := s2.render(expr)
		if err != nil {
			return nil, err
		}
		return value.Listify(r), nil
	}
	return nil, fmt.Errorf("unsupported loop lookup with_%s", t.LoopLookup)
}

func flattenOne(l []any) []any {
	var out []any
	for _, e := range l {
		if sub, ok := e.([]any); ok {
			out = append(out, sub...)
		} else {
			out = append(out, e)
		}
	}
	return out
}

func flattenAll(l []any) []any {
	var out []any
	for _, e := range l {
		if sub, ok := e.([]any); ok {
			out = append(out, flattenAll(sub)...)
		} else {
			out = append(out, e)
		}
	}
	return out
}

// sequence implements with_sequence terms: "start=1 end=5 stride=1
// format=%d", "count=3", or the short form "1-5/2:%02d".
func sequence(term string) ([]any, error) {
	start, end, stride, count := 1, 0, 1, -1
	format := "%d"
	hasEnd := false
	kv, rest, err := value.ParseKVRest(term)
	if err != nil {
		return nil, err
	}
	for _, p := range kv {
		n, _ := strconv.ParseInt(p[1], 0, 64)
		switch p[0] {
		case "start":
			start = int(n)
		case "end":
			end, hasEnd = int(n), true
		case "stride":
			stride = int(n)
		case "count":
			count = int(n)
		case "format":
			format = p[1]
		default:
			return nil, fmt.Errorf("unrecognized arguments to with_sequence: %s", p[0])
		}
	}
	if rest != "" {
		s := rest
		if i := strings.Index(s, ":"); i >= 0 {
			format = s[i+1:]
			s = s[:i]
		}
		if i := strings.Index(s, "/"); i >= 0 {
			stride, _ = strconv.Atoi(s[i+1:])
			s = s[:i]
		}
		if a, b, ok := strings.Cut(s, "-"); ok {
			start, _ = strconv.Atoi(a)
			end, _ = strconv.Atoi(b)
			hasEnd = true
		} else {
			end, _ = strconv.Atoi(s)
			hasEnd = true
		}
	}
	if count >= 0 {
		if hasEnd {
			return nil, fmt.Errorf("can't specify both count and end in with_sequence")
		}
		end = start + (count-1)*stride
		if count == 0 {
			return []any{}, nil
		}
	}
	if stride == 0 {
		return []any{}, nil
	}
	var out []any
	if stride > 0 {
		for i := start; i <= end; i += stride {
			out = append(out, pyFormat(format, i))
		}
	} else {
		for i := start; i >= end; i += stride {
			out = append(out, pyFormat(format, i))
		}
	}
	return out, nil
}

func pyFormat(format string, i int) string {
	f := strings.NewReplacer("%i", "%d").Replace(format)
	if !strings.Contains(f, "%") {
		return f
	}
	return fmt.Sprintf(f, i)
}
