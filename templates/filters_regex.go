package templates

import (
	"fmt"
	"regexp"
	"strings"
)

// Ansible's regex filters, with Python re's syntax and replacement rules.

// compileRegex accepts Python's syntax where Go's RE2 agrees with it.
func compileRegex(pat, flags string) (*regexp.Regexp, error) {
	pat = strings.ReplaceAll(pat, `\Z`, `\z`)
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression: %v", err)
	}
	return re, nil
}

func reFlags(args []any, kw map[string]any, ic, ml int) string {
	f := ""
	if argBool(args, kw, ic, "ignorecase", false) {
		f += "i"
	}
	if argBool(args, kw, ml, "multiline", false) {
		f += "m"
	}
	return f
}

// pyReplacement turns Python's \1, \g<1>, \g<name> into Go's ${1}.
func pyReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c == '$' {
			b.WriteString("$$")
			continue
		}
		if c == '\\' && i+1 < len(r) {
			n := r[i+1]
			switch {
			case n >= '0' && n <= '9':
				j := i + 1
				for j < len(r) && j < i+3 && r[j] >= '0' && r[j] <= '9' {
					j++
				}
				b.WriteString("${" + r[i+1:j] + "}")
				i = j - 1
				continue
			case n == 'g' && i+2 < len(r) && r[i+2] == '<':
				if k := strings.IndexByte(r[i:], '>'); k > 0 {
					b.WriteString("${" + r[i+3:i+k] + "}")
					i += k
					continue
				}
			case n == 'n':
				b.WriteByte('\n')
				i++
				continue
			case n == 't':
				b.WriteByte('\t')
				i++
				continue
			case n == '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func fRegexReplace(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	re, err := compileRegex(argStr(args, kw, 0, "pattern", ""), reFlags(args, kw, 2, 3))
	if err != nil {
		return nil, err
	}
	repl := pyReplacement(argStr(args, kw, 1, "replacement", ""))
	count := argInt(nil, kw, -1, "count", 0)
	if count <= 0 {
		return re.ReplaceAllString(str, repl), nil
	}
	n := 0
	out := re.ReplaceAllStringFunc(str, func(m string) string {
		n++
		if n > count {
			return m
		}
		return re.ReplaceAllString(m, repl)
	})
	return out, nil
}

func fRegexSearch(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("regex_search requires a pattern")
	}
	pat, _ := toStr(args[0])
	re, err := compileRegex(pat, reFlags(nil, kw, -1, -1))
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatchIndex(str)
	if m == nil {
		return nil, nil
	}
	if len(args) == 1 {
		return str[m[0]:m[1]], nil
	}
	out := []any{}
	for _, g := range args[1:] {
		gs, _ := toStr(g)
		var idx int
		switch {
		case strings.HasPrefix(gs, `\g<`) && strings.HasSuffix(gs, ">"):
			name := gs[3 : len(gs)-1]
			idx = re.SubexpIndex(name)
			if idx < 0 {
				if _, err := fmt.Sscanf(name, "%d", &idx); err != nil {
					return nil, fmt.Errorf("unknown group %s", gs)
				}
			}
		case strings.HasPrefix(gs, `\`):
			if _, err := fmt.Sscanf(gs[1:], "%d", &idx); err != nil {
				return nil, fmt.Errorf("unknown group %s", gs)
			}
		default:
			return nil, fmt.Errorf("unknown argument %s", gs)
		}
		if idx*2+1 >= len(m) {
			return nil, fmt.Errorf("invalid group reference %s", gs)
		}
		if m[idx*2] < 0 {
			out = append(out, nil)
		} else {
			out = append(out, str[m[idx*2]:m[idx*2+1]])
		}
	}
	return out, nil
}

func fRegexFindall(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	re, err := compileRegex(argStr(args, kw, 0, "regex", ""), reFlags(args, kw, 2, 1))
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, m := range re.FindAllStringSubmatch(str, -1) {
		switch len(m) {
		case 1:
			out = append(out, m[0])
		case 2:
			out = append(out, m[1])
		default:
			out = append(out, strsToList(m[1:]))
		}
	}
	return out, nil
}

// fRegexEscape is ansible's regex_escape: re.escape (Python 3.7's, which
// escapes only the characters special to a pattern) or POSIX BRE's.
func fRegexEscape(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	switch t := argStr(args, kw, 0, "re_type", "python"); t {
	case "python":
	case "posix_basic":
		return regexp.MustCompile(`([.\[\]\\*^$])`).ReplaceAllString(str, `\$1`), nil
	case "posix_extended":
		return nil, filterError("Regex type (%s) not yet implemented", t)
	default:
		return nil, filterError("Invalid regex type (%s)", t)
	}
	var b strings.Builder
	for _, r := range str {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}
