package runner

import (
	"fmt"
	"strings"
)

// splitArgs splits a free-form argument string on spaces, keeping quoted
// parts and {{ }} / {% %} expressions whole, as Ansible's split_args does.
func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	var quote rune
	depth := 0 // inside {{ }} or {% %}
	inWord := false
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if depth == 0 && quote == 0 && (r == ' ' || r == '\t' || r == '\n') {
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
			continue
		}
		inWord = true
		if r == '\\' && i+1 < len(rs) && quote != 0 {
			cur.WriteRune(r)
			cur.WriteRune(rs[i+1])
			i++
			continue
		}
		if i+1 < len(rs) && (r == '{' && (rs[i+1] == '{' || rs[i+1] == '%')) {
			depth++
			cur.WriteRune(r)
			cur.WriteRune(rs[i+1])
			i++
			continue
		}
		if depth > 0 && i+1 < len(rs) && ((r == '}' && rs[i+1] == '}') || (r == '%' && rs[i+1] == '}')) {
			depth--
			cur.WriteRune(r)
			cur.WriteRune(rs[i+1])
			i++
			continue
		}
		if depth == 0 {
			if quote == 0 && (r == '"' || r == '\'') {
				quote = r
			} else if quote == r {
				quote = 0
			}
		}
		cur.WriteRune(r)
	}
	if quote != 0 {
		return nil, fmt.Errorf("unbalanced quotes in %q", s)
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced jinja2 block or variable in %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		inner := s[1 : len(s)-1]
		if s[0] == '"' {
			inner = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(inner)
		} else {
			inner = strings.ReplaceAll(inner, `\'`, `'`)
		}
		return inner
	}
	return s
}

// isKV tells whether a word is key=value with a plain identifier key.
func isKV(w string) (string, string, bool) {
	i := strings.IndexByte(w, '=')
	if i <= 0 {
		return "", "", false
	}
	k := w[:i]
	for _, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", "", false
		}
	}
	return k, unquote(w[i+1:]), true
}

// parseKV parses "a=1 b='x y'" into pairs; words that are not k=v are
// joined into rest (the free-form part).
func parseKV(s string) ([][2]string, string, error) {
	words, err := splitArgs(s)
	if err != nil {
		return nil, "", err
	}
	var kv [][2]string
	var rest []string
	for _, w := range words {
		if k, v, ok := isKV(w); ok {
			kv = append(kv, [2]string{k, v})
		} else {
			rest = append(rest, w)
		}
	}
	return kv, strings.Join(rest, " "), nil
}

// splitFreeForm takes the options a free-form module knows out of s and
// leaves the rest of the string exactly as written.
func splitFreeForm(s string, opts map[string]bool) (string, [][2]string, error) {
	words, err := splitArgs(s)
	if err != nil {
		return "", nil, err
	}
	var kv [][2]string
	raw := s
	for _, w := range words {
		if k, v, ok := isKV(w); ok && opts[k] {
			kv = append(kv, [2]string{k, v})
			raw = strings.Replace(raw, w, "", 1)
		}
	}
	return strings.TrimSpace(collapseSpacesAround(raw)), kv, nil
}

func collapseSpacesAround(s string) string {
	return strings.TrimRight(s, " \t")
}
