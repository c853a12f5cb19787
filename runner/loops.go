package runner

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// loopItems computes the items of loop: or with_X: for this host. A
// with_X lookup's items are data (ansible's TaskExecutor wraps them with
// wrap_var): a template that reads one is unsafe too.
func (tc *taskCtx) loopItems() ([]any, error) {
	v, err := tc.sc.render(tc.t.Loop)
	if err != nil {
		return nil, err
	}
	lookup := tc.t.LoopLookup
	if lookup == "" {
		return loopList(v)
	}
	items, err := tc.withItems(lookup, v)
	if err != nil {
		return nil, err
	}
	return value.MarkUnsafe(items).([]any), nil
}

func (tc *taskCtx) withItems(written string, v any) ([]any, error) {
	lookup := templates.LookupName(written)
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
	return nil, fmt.Errorf("unsupported loop lookup with_%s", written)
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
	"list": func(v any) ([]any, error) {
		if _, ok := v.(value.Getter); ok { // ansible's list lookup takes a Sequence
			return nil, &lookupError{"with_list expects a list"}
		}
		return value.Listify(v), nil
	},
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
	"dict":      withDict,
	"nested":    withNested,
	"cartesian": withNested,
	"together":  withTogether,
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

// lookupSubdir is where with_first_found looks, by the task's action
// (ansible's TaskExecutor sets the lookup's _subdir so): templates, vars,
// else files.
func lookupSubdir(action string) string {
	for _, d := range []string{"template", "var"} {
		if strings.Contains(action, d) {
			return d + "s"
		}
	}
	return "files"
}

// withQuery runs with_<lookup> through the template engine's lookup
// plugins: query(lookup, terms...).
func (tc *taskCtx) withQuery(lookup string, v any) ([]any, error) {
	sc := tc.sc
	// the terms are rendered already: unsafe, the plugin does not
	// template them again (ansible wraps with_X's items so too)
	terms := value.Listify(value.MarkUnsafe(v))
	lv := value.NewMap(1)
	lv.Set("__fjord_terms", terms)
	s2 := *sc
	s2.layers = append(append([]*value.Map(nil), sc.layers...), lv)
	s2.cache = nil
	args := make([]string, len(terms))
	for i := range terms {
		args[i] = fmt.Sprintf("__fjord_terms[%d]", i)
	}
	if lookup == "first_found" {
		args = append(args, "_subdir='"+lookupSubdir(tc.t.Action)+"'")
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
