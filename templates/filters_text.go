package templates

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/fjord-run/fjord/value"
)

// Jinja's builtin filters on text: center, indent, wordcount, urlencode, tojson, dictsort, items, attr, escape, format, truncate, wordwrap, striptags.

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
	return urlQuote(str, "/"), err
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
