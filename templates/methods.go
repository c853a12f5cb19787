package templates

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/fjord-run/fjord/value"
)

// callMethod calls Python's str, list and dict methods that templates use;
// ok is false when recv has no such method.
func callMethod(s *state, recv any, name string, args []any, kw map[string]any) (any, bool, error) {
	if rl, isRL := recv.(*recursiveLoop); isRL {
		recv = rl.loopInfo
	}
	if o, isObj := recv.(pyObject); isObj {
		return o.pyMethod(name, args, kw)
	}
	if str, isStr := asString(recv); isStr {
		v, err, ok := strMethod(str, name, args, kw)
		return v, ok, err
	}
	switch r := recv.(type) {
	case []any:
		switch name {
		case "index":
			if len(args) < 1 {
				return nil, true, fmt.Errorf("index expected 1 argument")
			}
			for i, e := range r {
				if equal(e, args[0]) {
					return i, true, nil
				}
			}
			return nil, true, fmt.Errorf("%s is not in list", value.Repr(plain(args[0])))
		case "count":
			if len(args) < 1 {
				return nil, true, fmt.Errorf("count expected 1 argument")
			}
			n := 0
			for _, e := range r {
				if equal(e, args[0]) {
					n++
				}
			}
			return n, true, nil
		case "copy":
			return append([]any{}, r...), true, nil
		}
	case value.Getter:
		keys := r.Keys()
		if _, isMap := r.(*value.Map); !isMap {
			keys = append([]string(nil), keys...)
			sort.Strings(keys)
		}
		switch name {
		case "items":
			out := make([]any, 0, len(keys))
			for _, k := range keys {
				v, _ := r.Get(k)
				out = append(out, []any{k, v})
			}
			return out, true, nil
		case "keys":
			out := make([]any, 0, len(keys))
			for _, k := range keys {
				out = append(out, k)
			}
			return out, true, nil
		case "values":
			out := make([]any, 0, len(keys))
			for _, k := range keys {
				v, _ := r.Get(k)
				out = append(out, v)
			}
			return out, true, nil
		case "get":
			if len(args) < 1 {
				return nil, true, fmt.Errorf("get expected at least 1 argument")
			}
			if k, okk := mapKey(args[0]); okk {
				if v, found := r.Get(k); found {
					return v, true, nil
				}
			}
			if len(args) > 1 {
				return args[1], true, nil
			}
			return nil, true, nil
		case "copy":
			m := value.NewMap(len(keys))
			for _, k := range keys {
				v, _ := r.Get(k)
				m.Set(k, v)
			}
			return m, true, nil
		}
	case *loopInfo:
		if v, has := r.attr(name); has {
			if c, isC := v.(callable); isC {
				res, err := c(s, args, kw)
				return res, true, err
			}
		}
	}
	return nil, false, nil
}

func strArg(args []any, i int, def string) (string, bool) {
	if i >= len(args) || args[i] == nil {
		return def, false
	}
	s, _ := toStr(args[i])
	return s, true
}

func strMethod(s, name string, args []any, kw map[string]any) (any, error, bool) {
	switch name {
	case "startswith", "endswith":
		if len(args) < 1 {
			return nil, fmt.Errorf("%s expected an argument", name), true
		}
		var cands []any
		if l, ok := args[0].([]any); ok {
			cands = l
		} else {
			cands = []any{args[0]}
		}
		for _, c := range cands {
			p, ok := asString(c)
			if !ok {
				return nil, fmt.Errorf("%s first arg must be str or a tuple of str", name), true
			}
			if name == "startswith" && strings.HasPrefix(s, p) || name == "endswith" && strings.HasSuffix(s, p) {
				return true, nil, true
			}
		}
		return false, nil, true
	case "split", "rsplit":
		sep, hasSep := strArg(args, 0, "")
		if v, ok := kw["sep"]; ok && v != nil {
			sep, _ = toStr(v)
			hasSep = true
		}
		maxsplit := -1
		if len(args) > 1 {
			maxsplit, _ = asInt(args[1])
		}
		if v, ok := kw["maxsplit"]; ok {
			maxsplit, _ = asInt(v)
		}
		return pySplit(s, sep, hasSep, maxsplit, name == "rsplit"), nil, true
	case "splitlines":
		// Python keeps empty lines but not a last empty one.
		lines := strings.Split(strings.TrimSuffix(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), "\n"), "\n")
		if s == "" {
			lines = nil
		}
		return strsToList(lines), nil, true
	case "strip", "lstrip", "rstrip":
		chars, has := strArg(args, 0, "")
		f := map[string]func(string, string) string{"strip": strings.Trim, "lstrip": strings.TrimLeft, "rstrip": strings.TrimRight}[name]
		if !has {
			g := map[string]func(string) string{"strip": strings.TrimSpace,
				"lstrip": func(x string) string { return strings.TrimLeftFunc(x, unicode.IsSpace) },
				"rstrip": func(x string) string { return strings.TrimRightFunc(x, unicode.IsSpace) }}[name]
			return g(s), nil, true
		}
		return f(s, chars), nil, true
	case "lower":
		return strings.ToLower(s), nil, true
	case "upper":
		return strings.ToUpper(s), nil, true
	case "title":
		return pyTitle(s), nil, true
	case "capitalize":
		return pyCapitalize(s), nil, true
	case "swapcase":
		return strings.Map(func(r rune) rune {
			if unicode.IsUpper(r) {
				return unicode.ToLower(r)
			}
			return unicode.ToUpper(r)
		}, s), nil, true
	case "replace":
		old, _ := strArg(args, 0, "")
		nw, _ := strArg(args, 1, "")
		n := -1
		if len(args) > 2 {
			n, _ = asInt(args[2])
		}
		return strings.Replace(s, old, nw, n), nil, true
	case "find", "index", "rfind", "rindex":
		sub, _ := strArg(args, 0, "")
		var i int
		if name[0] == 'r' {
			i = strings.LastIndex(s, sub)
		} else {
			i = strings.Index(s, sub)
		}
		if i >= 0 {
			i = len([]rune(s[:i]))
		} else if strings.HasSuffix(name, "index") {
			return nil, fmt.Errorf("substring not found"), true
		}
		return i, nil, true
	case "count":
		sub, _ := strArg(args, 0, "")
		return strings.Count(s, sub), nil, true
	case "join":
		if len(args) < 1 {
			return nil, fmt.Errorf("join expected an argument"), true
		}
		items, err := iterate(args[0])
		if err != nil {
			return nil, err, true
		}
		parts := make([]string, len(items))
		for i, it := range items {
			str, ok := asString(it)
			if !ok {
				return nil, fmt.Errorf("sequence item %d: expected str instance, %s found", i, typeName(it)), true
			}
			parts[i] = str
		}
		return strings.Join(parts, s), nil, true
	case "format":
		return strFormat(s, args, kw), nil, true
	case "isdigit", "isnumeric", "isdecimal":
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0, nil, true
	case "isalpha":
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) < 0, nil, true
	case "isalnum":
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) < 0, nil, true
	case "isspace":
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) }) < 0, nil, true
	case "islower":
		return strings.ToLower(s) == s && strings.ToUpper(s) != s, nil, true
	case "isupper":
		return strings.ToUpper(s) == s && strings.ToLower(s) != s, nil, true
	case "zfill":
		w, _ := asInt(firstArg(args))
		sign := ""
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			sign, s = s[:1], s[1:]
		}
		for len([]rune(s))+len(sign) < w {
			s = "0" + s
		}
		return sign + s, nil, true
	case "ljust", "rjust", "center":
		w, _ := asInt(firstArg(args))
		fill, _ := strArg(args, 1, " ")
		n := w - len([]rune(s))
		if n <= 0 {
			return s, nil, true
		}
		switch name {
		case "ljust":
			return s + strings.Repeat(fill, n), nil, true
		case "rjust":
			return strings.Repeat(fill, n) + s, nil, true
		}
		left := n / 2
		if n%2 == 1 && w%2 == 1 {
			left++
		}
		return strings.Repeat(fill, left) + s + strings.Repeat(fill, n-left), nil, true
	case "partition", "rpartition":
		sep, _ := strArg(args, 0, "")
		var i int
		if name == "partition" {
			i = strings.Index(s, sep)
		} else {
			i = strings.LastIndex(s, sep)
		}
		if i < 0 {
			if name == "partition" {
				return []any{s, "", ""}, nil, true
			}
			return []any{"", "", s}, nil, true
		}
		return []any{s[:i], sep, s[i+len(sep):]}, nil, true
	}
	return nil, nil, false
}

func firstArg(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

func strsToList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func pySplit(s, sep string, hasSep bool, maxsplit int, fromRight bool) []any {
	if !hasSep {
		fields := strings.Fields(s)
		if maxsplit < 0 || maxsplit >= len(fields) {
			return strsToList(fields)
		}
		if !fromRight {
			// keep the remainder as Python does, leading whitespace stripped
			rest := strings.TrimLeftFunc(s, unicode.IsSpace)
			var out []string
			for i := 0; i < maxsplit; i++ {
				j := strings.IndexFunc(rest, unicode.IsSpace)
				out = append(out, rest[:j])
				rest = strings.TrimLeftFunc(rest[j:], unicode.IsSpace)
			}
			return strsToList(append(out, rest))
		}
		rest := strings.TrimRightFunc(s, unicode.IsSpace)
		var out []string
		for i := 0; i < maxsplit; i++ {
			j := strings.LastIndexFunc(rest, unicode.IsSpace)
			out = append([]string{rest[j+1:]}, out...)
			rest = strings.TrimRightFunc(rest[:j], unicode.IsSpace)
		}
		return strsToList(append([]string{rest}, out...))
	}
	if sep == "" {
		return strsToList([]string{s})
	}
	if maxsplit < 0 {
		return strsToList(strings.Split(s, sep))
	}
	if !fromRight {
		return strsToList(strings.SplitN(s, sep, maxsplit+1))
	}
	var out []string
	rest := s
	for i := 0; i < maxsplit; i++ {
		j := strings.LastIndex(rest, sep)
		if j < 0 {
			break
		}
		out = append([]string{rest[j+len(sep):]}, out...)
		rest = rest[:j]
	}
	return strsToList(append([]string{rest}, out...))
}

func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			if prevCased {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			prevCased = true
		default:
			b.WriteRune(r)
			prevCased = false
		}
	}
	return b.String()
}

func pyCapitalize(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return string(unicode.ToUpper(r[0])) + strings.ToLower(string(r[1:]))
}

// strFormat is a small str.format: {}, {0}, {name}, {name.attr} without
// format specs beyond the plain ones.
func strFormat(f string, args []any, kw map[string]any) string {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '{' {
			if i+1 < len(f) && f[i+1] == '{' {
				b.WriteByte('{')
				i++
				continue
			}
			j := strings.IndexByte(f[i:], '}')
			if j < 0 {
				b.WriteString(f[i:])
				break
			}
			field := f[i+1 : i+j]
			spec := ""
			if k := strings.IndexByte(field, ':'); k >= 0 {
				field, spec = field[:k], field[k+1:]
			}
			var v any
			if field == "" {
				if auto < len(args) {
					v = args[auto]
				}
				auto++
			} else if n, err := strconv.Atoi(field); err == nil {
				if n < len(args) {
					v = args[n]
				}
			} else {
				v = kw[field]
			}
			if spec != "" {
				out, err := pyFormat("%"+spec, []any{v})
				if err == nil {
					b.WriteString(out)
				}
			} else {
				str, _ := toStr(v)
				b.WriteString(str)
			}
			i += j
			continue
		}
		if c == '}' && i+1 < len(f) && f[i+1] == '}' {
			i++
		}
		b.WriteByte(c)
	}
	return b.String()
}
