package runner

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// loopItems computes the items of loop: or with_X: for this host.
func (tc *taskCtx) loopItems() ([]any, error) {
	v, err := tc.sc.render(tc.t.Loop)
	if err != nil {
		return nil, err
	}
	lookup := tc.t.LoopLookup
	if lookup == "" {
		return loopList(v)
	}
	if f, ok := withLookups[lookup]; ok {
		return f(v)
	}
	switch lookup {
	case "fileglob":
		return tc.withFileglob(v), nil
	}
	if templates.HasLookup(lookup) {
		return tc.withQuery(lookup, v)
	}
	return nil, fmt.Errorf("unsupported loop lookup with_%s", lookup)
}

// loopList is loop:'s value: a list, nothing else.
func loopList(v any) ([]any, error) {
	l, ok := v.([]any)
	if !ok {
		got := "None"
		if v != nil {
			got = value.String(v)
		}
		return nil, fmt.Errorf("Invalid data passed to 'loop', it requires a list, got this instead: %s. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.", got)
	}
	return l, nil
}

// withLookups are the with_X loops fjord computes itself from the
// rendered terms; the others go through the lookup plugins (withQuery).
var withLookups = map[string]func(v any) ([]any, error){
	"items": func(v any) ([]any, error) {
		var out []any
		for _, e := range value.Listify(v) {
			if l, ok := e.([]any); ok {
				out = append(out, l...)
			} else {
				out = append(out, e)
			}
		}
		return out, nil
	},
	"list":      func(v any) ([]any, error) { return value.Listify(v), nil },
	"flattened": func(v any) ([]any, error) { return flattenAll(value.Listify(v)), nil },
	"indexed_items": func(v any) ([]any, error) {
		if _, ok := v.([]any); !ok {
			return nil, &lookupError{"with_indexed_items expects a list"}
		}
		var out []any
		for i, e := range flattenOne(value.Listify(v)) {
			out = append(out, []any{i, e})
		}
		return out, nil
	},
	"dict":                        withDict,
	"sequence":                    withSequence,
	"nested":                      withNested,
	"cartesian":                   withNested,
	"community.general.cartesian": withNested,
	"together":                    withTogether,
	"subelements":                 withSubelements,
}

// lookupError is a with_X lookup refusing its terms: the task fails with
// its message alone, as ansible's AnsibleError from a lookup plugin.
type lookupError struct{ msg string }

func (e *lookupError) Error() string { return e.msg }

// withDict: one {key, value} item per entry.
func withDict(v any) ([]any, error) {
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
}

// withSequence: the numbers of each sequence term.
func withSequence(v any) ([]any, error) {
	var out []any
	for _, term := range value.Listify(v) {
		items, err := sequence(value.String(term))
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// withNested: the cartesian product of the lists.
func withNested(v any) ([]any, error) {
	res := [][]any{{}}
	for _, l := range value.Listify(v) {
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
}

// withTogether: the lists zipped, the short ones padded with None.
func withTogether(v any) ([]any, error) {
	lists := value.Listify(v)
	if len(lists) == 0 {
		return nil, &lookupError{"with_together requires at least one element in each list"}
	}
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
}

// withSubelements: [element, subelement] for each subelement of the list
// at key in each element; terms are the elements, the key and flags.
func withSubelements(v any) ([]any, error) {
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
		sub, err := subelementsOf(el, key, skipMissing)
		if err != nil {
			return nil, err
		}
		for _, s := range sub {
			out = append(out, []any{el, s})
		}
	}
	return out, nil
}

// subelementsOf is the list at the dotted key of element el; none when
// it is missing and skipMissing.
func subelementsOf(el any, key string, skipMissing bool) ([]any, error) {
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
				return nil, nil
			}
			return nil, fmt.Errorf("could not find '%s' key in iterated item '%s'", key, value.Repr(el))
		}
		cur = nv
	}
	if cur == nil {
		return nil, nil
	}
	sub, ok := cur.([]any)
	if !ok {
		return nil, fmt.Errorf("the key %s should point to a list, got '%s'", key, value.Repr(cur))
	}
	return sub, nil
}

// withFileglob: the files matching each pattern, in the first of the
// task's files directories that has any.
func (tc *taskCtx) withFileglob(v any) []any {
	var out []any
	for _, term := range value.Listify(v) {
		pat := value.String(term)
		dirs := []string{""}
		if !filepath.IsAbs(pat) {
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
	return out
}

// withQuery runs with_<lookup> through the template engine's lookup
// plugins: query(lookup, terms...).
func (tc *taskCtx) withQuery(lookup string, v any) ([]any, error) {
	sc := tc.sc
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
	r, err := s2.render(fmt.Sprintf("{{ query('%s', %s) }}", lookup, strings.Join(args, ", ")))
	var le *templates.LookupError
	switch {
	case errors.As(err, &le) && le.Ansible():
		// with_X runs the plugin itself: what it raised is the task's
		// message, not wrapped as an unhandled exception of lookup().
		return nil, &lookupError{le.Msg}
	case le != nil:
		return nil, &lookupError{"Unexpected failure during module execution: " + le.Msg}
	case err != nil:
		return nil, err
	}
	return value.Listify(r), nil
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
