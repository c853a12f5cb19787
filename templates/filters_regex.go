package templates

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fjord-run/fjord/internal/pyre"
)

// Ansible's regex filters, with Python re's syntax and replacement rules.

// compileRegex compiles a Python re pattern (internal/pyre: RE2 where it
// agrees, a backtracking engine for backreferences and lookaround) with
// Python's inline flags.
func compileRegex(pat, flags string) (*pyre.Regexp, error) {
	pat = strings.ReplaceAll(pat, `\Z`, `\z`)
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	re, err := pyre.Compile(pat)
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

func fRegexReplace(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	re, err := compileRegex(argStr(args, kw, 0, "pattern", ""), reFlags(args, kw, 2, 3))
	if err != nil {
		return nil, err
	}
	repl := argStr(args, kw, 1, "replacement", "")
	count := argInt(nil, kw, -1, "count", 0)
	if count <= 0 {
		count = -1
	}
	var b strings.Builder
	last := 0
	for _, loc := range re.FindAllStringSubmatchIndex(str, count) {
		b.WriteString(str[last:loc[0]])
		b.WriteString(re.Expand(repl, str, loc))
		last = loc[1]
	}
	b.WriteString(str[last:])
	return b.String(), re.Err()
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
		return nil, re.Err()
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
	for _, loc := range re.FindAllStringSubmatchIndex(str, -1) {
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = str[loc[2*i]:loc[2*i+1]]
			}
		}
		switch len(m) {
		case 1:
			out = append(out, m[0])
		case 2:
			out = append(out, m[1])
		default:
			out = append(out, strsToList(m[1:]))
		}
	}
	return out, re.Err()
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
