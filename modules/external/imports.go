package external

import (
	"strings"
)

// An import found in Python source: the dotted names it may load. For
// `from P import a, b` they are P.a, P.b (each either a submodule or a
// name in P); for `import P.Q` it is P.Q.
type pyImport struct {
	Names []string
	From  bool // the last name is P, which must be found; the others may be names in it
}

// scanImports finds the import statements of Python source, top-level or
// indented (inside try:, if:, functions), outside string literals;
// relative imports are made absolute against pkg, the importing module's
// package. It reads statements, not the full grammar: enough for the
// imports module_utils are found by.
func scanImports(src []byte, pkg string) []pyImport {
	var out []pyImport
	for _, st := range statements(string(src)) {
		st = strings.TrimSpace(st)
		switch {
		case strings.HasPrefix(st, "import "):
			var names []string
			for _, p := range strings.Split(st[len("import "):], ",") {
				f := strings.Fields(p)
				if len(f) > 0 {
					names = append(names, f[0])
				}
			}
			out = append(out, pyImport{Names: names})
		case strings.HasPrefix(st, "from "):
			mod, rest, ok := strings.Cut(st[len("from "):], " import ")
			if !ok {
				continue
			}
			mod = strings.TrimSpace(mod)
			if strings.HasPrefix(mod, ".") {
				mod = absolute(mod, pkg)
				if mod == "" {
					continue
				}
			}
			rest = strings.Trim(strings.TrimSpace(rest), "()")
			var names []string
			for _, p := range strings.Split(rest, ",") {
				f := strings.Fields(p)
				if len(f) > 0 && f[0] != "*" {
					names = append(names, mod+"."+f[0])
				}
			}
			names = append(names, mod)
			out = append(out, pyImport{Names: names, From: true})
		}
	}
	return out
}

// absolute resolves a relative module name (..module_utils.x) against
// the importing module's package.
func absolute(rel, pkg string) string {
	level := len(rel) - len(strings.TrimLeft(rel, "."))
	parts := strings.Split(pkg, ".")
	if pkg == "" || level-1 > len(parts) {
		return ""
	}
	base := strings.Join(parts[:len(parts)-(level-1)], ".")
	if r := rel[level:]; r != "" {
		return base + "." + r
	}
	return base
}

// statements splits Python source into logical lines: comments and
// string literals dropped, bracketed and backslash-continued lines
// joined.
func statements(src string) []string {
	var out []string
	var cur strings.Builder
	depth := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case c == '\'' || c == '"':
			i = skipString(src, i)
			cur.WriteString("''")
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			i++
			cur.WriteByte(' ')
		case c == '(' || c == '[' || c == '{':
			depth++
			cur.WriteByte(c)
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
			cur.WriteByte(c)
		case c == '\n' || c == ';':
			if depth > 0 {
				cur.WriteByte(' ')
				continue
			}
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, cur.String())
}

// skipString returns the index of the last byte of the string literal
// starting at i (a quote), triple-quoted or not.
func skipString(src string, i int) int {
	q := src[i]
	triple := strings.HasPrefix(src[i:], strings.Repeat(string(q), 3))
	if triple {
		end := strings.Index(src[i+3:], strings.Repeat(string(q), 3))
		for end >= 0 && escaped(src, i+3+end) {
			next := strings.Index(src[i+3+end+1:], strings.Repeat(string(q), 3))
			if next < 0 {
				end = -1
				break
			}
			end += next + 1
		}
		if end < 0 {
			return len(src) - 1
		}
		return i + 3 + end + 2
	}
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q:
			return j
		case '\n':
			return j - 1
		}
	}
	return len(src) - 1
}

// escaped says whether the byte at i follows an odd run of backslashes.
func escaped(src string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && src[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
