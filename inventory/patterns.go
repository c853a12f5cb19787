package inventory

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

var (
	// "expr[3]", "expr[-1]", "expr[1:3]", "expr[2:]" (and the old "[1-3]").
	reSubscript    = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)
	rePatternParts = regexp.MustCompile(`(?:[^\s:\[\]]|\[[^\]]*\])+`)
)

// PatternError is a host pattern that cannot be evaluated.
type PatternError struct {
	Pattern string
	Msg     string
}

func (e *PatternError) Error() string { return e.Msg }

// SplitPattern splits a host pattern into its parts: at commas if there are
// any, else at colons that are not part of an address or a [range].
func SplitPattern(pattern string) []string {
	var parts []string
	if strings.Contains(pattern, ",") {
		parts = strings.Split(pattern, ",")
	} else if _, _, _, ok := parseAddress(pattern); ok {
		parts = []string{pattern}
	} else {
		parts = rePatternParts.FindAllString(pattern, -1)
	}
	out := parts[:0:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// orderPatterns puts plain parts first, then &intersections, then
// !exclusions; with no plain part, "all" is implied.
func orderPatterns(parts []string) []string {
	var reg, and, not []string
	for _, p := range parts {
		switch {
		case p == "":
		case p[0] == '!':
			not = append(not, p)
		case p[0] == '&':
			and = append(and, p)
		default:
			reg = append(reg, p)
		}
	}
	if len(reg) == 0 {
		reg = []string{"all"}
	}
	return append(append(reg, and...), not...)
}

// Select returns the hosts a pattern names, restricted by Limit, in the
// order Ansible evaluates them (each plain part in turn, then
// intersections and exclusions), without duplicates. Names that match
// nothing select nothing; NoMatch hears of them.
func (inv *Inventory) Select(pattern string) ([]*Host, error) {
	hosts, err := inv.evaluate(SplitPattern(pattern))
	if err != nil {
		return nil, err
	}
	return inv.limited(hosts)
}

// SelectAll is Select without the Limit: the hosts of the whole
// inventory a pattern names (ansible's inventory_hostnames lookup).
func (inv *Inventory) SelectAll(pattern string) ([]*Host, error) {
	hosts, err := inv.evaluate(SplitPattern(pattern))
	if err != nil {
		return nil, err
	}
	return dedupHosts(hosts), nil
}

// limited keeps the hosts Limit allows, each once.
func (inv *Inventory) limited(hosts []*Host) ([]*Host, error) {
	inv.mu.Lock()
	subset, hasSubset := inv.subset, inv.hasSubset
	inv.mu.Unlock()
	if hasSubset {
		allowed, err := inv.evaluate(subset)
		if err != nil {
			return nil, err
		}
		ok := make(map[*Host]bool, len(allowed))
		for _, h := range allowed {
			ok[h] = true
		}
		kept := hosts[:0]
		for _, h := range hosts {
			if ok[h] {
				kept = append(kept, h)
			}
		}
		hosts = kept
	}
	return dedupHosts(hosts), nil
}

func dedupHosts(hosts []*Host) []*Host {
	seen := make(map[*Host]bool, len(hosts))
	out := make([]*Host, 0, len(hosts))
	for _, h := range hosts {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// Limit restricts every later Select to the hosts pattern names (--limit).
// A part "@file" reads one pattern per line from file, as retry files hold
// them. An empty pattern removes the restriction.
func (inv *Inventory) Limit(pattern string) error {
	if pattern == "" {
		inv.mu.Lock()
		inv.subset, inv.hasSubset = nil, false
		inv.mu.Unlock()
		return nil
	}
	var subset []string
	for _, p := range SplitPattern(pattern) {
		if p[0] != '@' {
			subset = append(subset, p)
			continue
		}
		file := p[1:]
		st, err := os.Stat(file)
		if err != nil {
			return fmt.Errorf("Unable to find limit file %s", file)
		}
		if st.IsDir() {
			return fmt.Errorf("Limit starting with \"@\" must be a file, not a directory: %s", file)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(data), "\n") {
			subset = append(subset, strings.TrimSpace(l))
		}
	}
	if _, err := inv.evaluate(subset); err != nil {
		return err
	}
	inv.mu.Lock()
	inv.subset, inv.hasSubset = subset, true
	inv.mu.Unlock()
	return nil
}

func (inv *Inventory) evaluate(parts []string) ([]*Host, error) {
	var hosts []*Host
	for _, p := range orderPatterns(parts) {
		if h, ok := inv.hostByName[p]; ok {
			hosts = append(hosts, h)
			continue
		}
		that, err := inv.matchOne(p)
		if err != nil {
			return nil, err
		}
		switch p[0] {
		case '!':
			drop := setOf(that)
			kept := hosts[:0]
			for _, h := range hosts {
				if !drop[h] {
					kept = append(kept, h)
				}
			}
			hosts = kept
		case '&':
			keep := setOf(that)
			kept := hosts[:0]
			for _, h := range hosts {
				if keep[h] {
					kept = append(kept, h)
				}
			}
			hosts = kept
		default:
			have := make(map[string]bool, len(hosts))
			for _, h := range hosts {
				have[h.Name] = true
			}
			for _, h := range that {
				if !have[h.Name] {
					hosts = append(hosts, h)
				}
			}
		}
	}
	return hosts, nil
}

func setOf(hs []*Host) map[*Host]bool {
	m := make(map[*Host]bool, len(hs))
	for _, h := range hs {
		m[h] = true
	}
	return m
}

type subscript struct {
	start, end int
	hasEnd     bool
}

// matchOne evaluates one part without its & or ! prefix.
func (inv *Inventory) matchOne(pattern string) ([]*Host, error) {
	orig := pattern
	if pattern[0] == '&' || pattern[0] == '!' {
		pattern = pattern[1:]
	}
	if pattern == "" {
		return nil, &PatternError{Pattern: orig, Msg: fmt.Sprintf("Invalid host list pattern: %s", orig)}
	}
	expr, sub, err := splitSubscript(pattern)
	if err != nil {
		return nil, err
	}
	hosts, err := inv.enumerate(expr)
	if err != nil {
		return nil, err
	}
	if sub == nil || len(hosts) == 0 {
		return hosts, nil
	}
	n := len(hosts)
	if sub.hasEnd && sub.end != 0 {
		end := sub.end
		if end == -1 {
			end = n - 1
		}
		lo, hi := clampSlice(sub.start, n), clampSlice(end+1, n)
		if lo >= hi {
			return nil, nil
		}
		return hosts[lo:hi], nil
	}
	i := sub.start
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return nil, &PatternError{Pattern: pattern, Msg: fmt.Sprintf("No hosts matched the subscripted pattern '%s'", pattern)}
	}
	return []*Host{hosts[i]}, nil
}

// clampSlice bounds a Python slice index.
func clampSlice(i, n int) int {
	if i < 0 {
		i += n
		if i < 0 {
			i = 0
		}
	}
	if i > n {
		i = n
	}
	return i
}

func splitSubscript(pattern string) (string, *subscript, error) {
	if pattern[0] == '~' {
		return pattern, nil, nil
	}
	m := reSubscript.FindStringSubmatch(pattern)
	if m == nil {
		return pattern, nil, nil
	}
	bad := func() error {
		return &PatternError{Pattern: pattern, Msg: fmt.Sprintf("Invalid host list pattern subscript: %s", pattern)}
	}
	if m[2] != "" {
		i, err := strconv.Atoi(m[2])
		if err != nil {
			return "", nil, bad()
		}
		return m[1], &subscript{start: i}, nil
	}
	start, err := strconv.Atoi(m[3])
	if err != nil {
		return "", nil, bad()
	}
	end := -1
	if m[5] != "" {
		if end, err = strconv.Atoi(m[5]); err != nil {
			return "", nil, bad()
		}
	}
	return m[1], &subscript{start: start, end: end, hasEnd: true}, nil
}

// enumerate matches expr against group names (all of a group's hosts) and
// host names, as Ansible's _enumerate_matches.
func (inv *Inventory) enumerate(expr string) ([]*Host, error) {
	re, err := compileHostPattern(expr)
	if err != nil {
		return nil, err
	}
	var results []*Host
	matchedGroup := false
	for _, g := range inv.groups {
		if re.MatchString(g.Name) {
			matchedGroup = true
			results = append(results, g.AllHosts()...)
		}
	}
	if !matchedGroup || expr[0] == '~' || strings.ContainsAny(expr, ".?*[") {
		for _, h := range inv.hosts {
			if re.MatchString(h.Name) {
				results = append(results, h)
			}
		}
	}
	if len(results) == 0 && isLocalhostName(expr) {
		h, _ := inv.Host(expr)
		results = append(results, h)
	}
	if len(results) == 0 && !matchedGroup && expr != "all" && inv.NoMatch != nil {
		inv.NoMatch(expr)
	}
	return results, nil
}

// compileHostPattern turns "~regex" (matched at the start of the name) or
// a shell glob (matched whole) into a regexp.
func compileHostPattern(expr string) (*regexp.Regexp, error) {
	var src string
	if expr[0] == '~' {
		src = `^(?:` + expr[1:] + `)`
	} else {
		src = `^(?s:` + globToRegexp(expr) + `)$`
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, &PatternError{Pattern: expr, Msg: fmt.Sprintf("Invalid host list pattern: %s", expr)}
	}
	return re, nil
}

// globToRegexp translates fnmatch syntax: * ? [seq] [!seq].
func globToRegexp(pat string) string {
	var b strings.Builder
	n := len(pat)
	for i := 0; i < n; {
		c := pat[i]
		i++
		switch c {
		case '*':
			b.WriteString(".*")
			for i < n && pat[i] == '*' {
				i++
			}
		case '?':
			b.WriteString(".")
		case '[':
			j := i
			if j < n && pat[j] == '!' {
				j++
			}
			if j < n && pat[j] == ']' {
				j++
			}
			for j < n && pat[j] != ']' {
				j++
			}
			if j >= n {
				b.WriteString(`\[`)
				continue
			}
			stuff := pat[i:j]
			i = j + 1
			var cls strings.Builder
			if stuff != "" && stuff[0] == '!' {
				cls.WriteByte('^')
				stuff = stuff[1:]
			} else if stuff != "" && stuff[0] == '^' {
				cls.WriteString(`\^`)
				stuff = stuff[1:]
			}
			for k := 0; k < len(stuff); k++ {
				switch ch := stuff[k]; ch {
				case '\\', '[', ']', '^':
					cls.WriteByte('\\')
					cls.WriteByte(ch)
				default:
					cls.WriteByte(ch)
				}
			}
			if cls.Len() == 0 {
				b.WriteString(`[^\x00-\x{10FFFF}]`) // matches nothing, as Python's "(?!)"
				continue
			}
			if cls.String() == "^" {
				b.WriteString(".")
				continue
			}
			b.WriteString("[" + cls.String() + "]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}
