// Package pyre compiles Python re patterns. RE2 (Go's regexp) runs the
// patterns it accepts; a pattern it rejects that needs backtracking
// (backreferences, lookahead, lookbehind) runs on regexp2 with a match
// timeout, so a pathological pattern fails its task instead of hanging.
package pyre

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dlclark/regexp2/v2"
)

// Timeout bounds one backtracking match.
var Timeout = 10 * time.Second

// Regexp is a compiled Python pattern. Offsets it returns are byte
// offsets, as with regexp.Regexp.
type Regexp struct {
	src string
	re2 *regexp.Regexp
	bt  *regexp2.Regexp
	// names maps the backtracking pattern's group names to their
	// numbers (see pythonGroups).
	names map[string]int

	mu  sync.Mutex
	err error
}

// Compile compiles a Python re pattern. When neither engine accepts it,
// the error is RE2's.
func Compile(s string) (*Regexp, error) {
	re, err := regexp.Compile(s)
	if err == nil {
		return &Regexp{src: s, re2: re}, nil
	}
	rewritten, names := pythonGroups(s)
	bt, err2 := regexp2.Compile(rewritten, regexp2.RE2)
	if err2 != nil {
		return nil, err
	}
	bt.MatchTimeout = Timeout
	return &Regexp{src: s, bt: bt, names: names}, nil
}

// MustCompile is Compile for patterns known to be valid.
func MustCompile(s string) *Regexp {
	re, err := Compile(s)
	if err != nil {
		panic(err)
	}
	return re
}

// String returns the source pattern.
func (r *Regexp) String() string { return r.src }

// Backtracking tells whether the pattern runs on the backtracking engine.
func (r *Regexp) Backtracking() bool { return r.bt != nil }

// Err returns the first match error (a timeout) since compilation; a
// failed match reads as no match, so callers check Err when done.
func (r *Regexp) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *Regexp) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = fmt.Errorf("regular expression %q: %w (the limit is %s)", r.src, err, Timeout)
	}
}

// MatchString reports whether s contains a match.
func (r *Regexp) MatchString(s string) bool {
	if r.re2 != nil {
		return r.re2.MatchString(s)
	}
	ok, err := r.bt.MatchString(s)
	if err != nil {
		r.fail(err)
	}
	return ok
}

// FindStringIndex returns the leftmost match's [start, end], or nil.
func (r *Regexp) FindStringIndex(s string) []int {
	if r.re2 != nil {
		return r.re2.FindStringIndex(s)
	}
	loc := r.FindStringSubmatchIndex(s)
	if loc == nil {
		return nil
	}
	return loc[:2]
}

// FindStringSubmatchIndex returns the leftmost match and its groups as
// byte offset pairs (-1 for a group that did not take part), or nil.
func (r *Regexp) FindStringSubmatchIndex(s string) []int {
	if r.re2 != nil {
		return r.re2.FindStringSubmatchIndex(s)
	}
	m, err := r.bt.FindStringMatch(s)
	if err != nil {
		r.fail(err)
		return nil
	}
	return r.locs(m)
}

// FindAllStringSubmatchIndex returns up to n (all when n < 0)
// non-overlapping matches.
func (r *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	if r.re2 != nil {
		return r.re2.FindAllStringSubmatchIndex(s, n)
	}
	var out [][]int
	m, err := r.bt.FindStringMatch(s)
	for m != nil && (n < 0 || len(out) < n) {
		out = append(out, r.locs(m))
		m, err = r.bt.FindNextMatch(m)
	}
	if err != nil {
		r.fail(err)
	}
	return out
}

func (r *Regexp) locs(m *regexp2.Match) []int {
	if m == nil {
		return nil
	}
	nums := r.bt.GetGroupNumbers()
	max := 0
	for _, n := range nums {
		if n > max {
			max = n
		}
	}
	loc := make([]int, 2*(max+1))
	for i := range loc {
		loc[i] = -1
	}
	for _, n := range nums {
		g := m.GroupByNumber(n)
		if g == nil || len(g.Captures) == 0 {
			continue
		}
		i, l := g.ByteRange()
		loc[2*n], loc[2*n+1] = i, i+l
	}
	return loc
}

// SubexpIndex returns the number of the group with that name, or -1.
func (r *Regexp) SubexpIndex(name string) int {
	if r.re2 != nil {
		return r.re2.SubexpIndex(name)
	}
	if n, ok := r.names[name]; ok {
		return n
	}
	return -1
}

// Expand expands a Python replacement template (\1, \g<1>, \g<name>,
// \n, \t, \r, \\) for one match of r in src at loc.
func (r *Regexp) Expand(tmpl, src string, loc []int) string {
	group := func(i int) string {
		if i >= 0 && 2*i+1 < len(loc) && loc[2*i] >= 0 {
			return src[loc[2*i]:loc[2*i+1]]
		}
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '\\' || i+1 == len(tmpl) {
			b.WriteByte(c)
			continue
		}
		i++
		c = tmpl[i]
		switch {
		case c >= '0' && c <= '9':
			j := i + 1
			if j < len(tmpl) && tmpl[j] >= '0' && tmpl[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(tmpl[i:j])
			b.WriteString(group(n))
			i = j - 1
		case c == 'g' && i+1 < len(tmpl) && tmpl[i+1] == '<':
			end := strings.IndexByte(tmpl[i:], '>')
			if end < 0 {
				b.WriteString(`\g`)
				continue
			}
			name := tmpl[i+2 : i+end]
			if n, err := strconv.Atoi(name); err == nil {
				b.WriteString(group(n))
			} else {
				b.WriteString(group(r.SubexpIndex(name)))
			}
			i += end
		default:
			b.WriteString(escape(c))
		}
	}
	return b.String()
}

func escape(c byte) string {
	switch c {
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case 'r':
		return "\r"
	case '\\':
		return `\`
	}
	return `\` + string(c)
}
