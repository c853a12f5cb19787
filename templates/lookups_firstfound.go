package templates

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// lkFirstFound is ansible's first_found: the first of the candidate files
// that exists, looked for as find_file_in_search_path does (in the
// subdirectory _subdir names, files unless with_first_found's task says
// otherwise). A term is a file name, a mapping of files, paths and skip,
// or a list of those; names and paths given as strings are split on the
// legacy separators (',;' for files, ',:;' for paths).
func lkFirstFound(s *state, terms []any, kw map[string]any) ([]any, error) {
	subdir := "files"
	if v, ok := kw["_subdir"]; ok {
		subdir = pyStr(v)
		delete(kw, "_subdir")
	}
	search, skip, err := firstFoundTerms(terms, kw)
	if err != nil {
		return nil, err
	}
	for _, fn := range search {
		name, ok := asString(fn)
		if !ok {
			continue
		}
		if IsTemplate(name) {
			r, err := s.e.Render(name, s.vars)
			var ue *UndefinedError
			if errors.As(err, &ue) {
				continue
			}
			if err != nil {
				return nil, err
			}
			name = pyStr(r)
		}
		if p, ok := s.findFile(subdir, name); ok {
			abs, _ := filepath.Abs(p)
			return []any{abs}, nil
		}
	}
	if skip {
		return []any{}, nil
	}
	return nil, lkErr("AnsibleLookupError", "No file was found when using first_found.")
}

// firstFoundTerms is ansible's _process_terms: the paths to try, in order,
// and whether to skip when none exists (the last term's say).
func firstFoundTerms(terms []any, kw map[string]any) ([]any, bool, error) {
	var total []any
	skip := false
	for _, t := range terms {
		opts := kw
		switch x := t.(type) {
		case string, value.Unsafe:
		case []any:
			part, sk, err := firstFoundTerms(x, kw)
			if err != nil {
				return nil, false, err
			}
			total, skip = append(total, part...), sk
			continue
		default:
			m, ok := asMapping(t)
			if !ok {
				return nil, false, lkErr("AnsibleLookupError", "Invalid term supplied, can handle string, mapping or list of strings but got: %s for %s", pyClass(t), pyStr(t))
			}
			opts = map[string]any{}
			for _, k := range m.Keys() {
				opts[k], _ = m.Get(k)
			}
		}
		files := splitOn(opts["files"], ",;")
		paths := splitOn(opts["paths"], ",:;")
		skip = false
		if v, ok := opts["skip"]; ok {
			skip = value.Bool(v)
		}
		switch {
		case len(paths) > 0:
			for _, p := range paths {
				for _, f := range files {
					if !filepath.IsAbs(f) { // os.path.join keeps an absolute f
						f = filepath.Join(p, f)
					}
					total = append(total, f)
				}
			}
		case len(files) > 0:
			// as ansible: a term's files replace what earlier terms gave
			total = nil
			for _, f := range files {
				total = append(total, f)
			}
		default:
			total = append(total, t)
		}
	}
	return total, skip, nil
}

// splitOn is ansible's _split_on: a string split at any of chars, a list
// each element split in turn.
func splitOn(v any, chars string) []string {
	if v == nil {
		return nil
	}
	if str, ok := asString(v); ok {
		return strings.FieldsFunc(str, func(r rune) bool { return strings.ContainsRune(chars, r) })
	}
	var out []string
	if l, ok := v.([]any); ok {
		for _, e := range l {
			out = append(out, splitOn(e, chars)...)
		}
	}
	return out
}
