package callback

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/fjord-run/fjord/modules"
)

// This file is a line-based unified diff that makes the same choices as
// Python's difflib (SequenceMatcher with autojunk, grouped opcodes,
// unified_diff), so that --diff output matches ansible-playbook's byte for
// byte, hunk boundaries included.

type match struct{ a, b, size int }

type opcode struct {
	tag            byte // 'e'qual, 'r'eplace, 'd'elete, 'i'nsert
	i1, i2, j1, j2 int
}

type matcher struct {
	a, b []string
	b2j  map[string][]int
}

func newMatcher(a, b []string) *matcher {
	m := &matcher{a: a, b: b, b2j: map[string][]int{}}
	for j, s := range b {
		m.b2j[s] = append(m.b2j[s], j)
	}
	// autojunk: in long sequences, lines that occur in more than 1% of b
	// are not used to seed matches.
	if n := len(b); n >= 200 {
		limit := n/100 + 1
		for s, js := range m.b2j {
			if len(js) > limit {
				delete(m.b2j, s)
			}
		}
	}
	return m
}

func (m *matcher) longest(alo, ahi, blo, bhi int) match {
	besti, bestj, best := alo, blo, 0
	j2len := map[int]int{}
	for i := alo; i < ahi; i++ {
		next := map[int]int{}
		for _, j := range m.b2j[m.a[i]] {
			if j < blo {
				continue
			}
			if j >= bhi {
				break
			}
			k := j2len[j-1] + 1
			next[j] = k
			if k > best {
				besti, bestj, best = i-k+1, j-k+1, k
			}
		}
		j2len = next
	}
	// Grow the match over equal lines that were left out as popular.
	for besti > alo && bestj > blo && m.a[besti-1] == m.b[bestj-1] {
		besti, bestj, best = besti-1, bestj-1, best+1
	}
	for besti+best < ahi && bestj+best < bhi && m.a[besti+best] == m.b[bestj+best] {
		best++
	}
	return match{besti, bestj, best}
}

func (m *matcher) matchingBlocks() []match {
	type span struct{ alo, ahi, blo, bhi int }
	queue := []span{{0, len(m.a), 0, len(m.b)}}
	var blocks []match
	for len(queue) > 0 {
		s := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		x := m.longest(s.alo, s.ahi, s.blo, s.bhi)
		if x.size == 0 {
			continue
		}
		blocks = append(blocks, x)
		if s.alo < x.a && s.blo < x.b {
			queue = append(queue, span{s.alo, x.a, s.blo, x.b})
		}
		if x.a+x.size < s.ahi && x.b+x.size < s.bhi {
			queue = append(queue, span{x.a + x.size, s.ahi, x.b + x.size, s.bhi})
		}
	}
	sort.Slice(blocks, func(i, j int) bool {
		if blocks[i].a != blocks[j].a {
			return blocks[i].a < blocks[j].a
		}
		if blocks[i].b != blocks[j].b {
			return blocks[i].b < blocks[j].b
		}
		return blocks[i].size < blocks[j].size
	})
	var out []match
	cur := match{}
	for _, x := range blocks {
		if cur.a+cur.size == x.a && cur.b+cur.size == x.b {
			cur.size += x.size
			continue
		}
		if cur.size > 0 {
			out = append(out, cur)
		}
		cur = x
	}
	if cur.size > 0 {
		out = append(out, cur)
	}
	return append(out, match{len(m.a), len(m.b), 0})
}

func (m *matcher) opcodes() []opcode {
	var ops []opcode
	i, j := 0, 0
	for _, x := range m.matchingBlocks() {
		var tag byte
		switch {
		case i < x.a && j < x.b:
			tag = 'r'
		case i < x.a:
			tag = 'd'
		case j < x.b:
			tag = 'i'
		}
		if tag != 0 {
			ops = append(ops, opcode{tag, i, x.a, j, x.b})
		}
		i, j = x.a+x.size, x.b+x.size
		if x.size > 0 {
			ops = append(ops, opcode{'e', x.a, i, x.b, j})
		}
	}
	return ops
}

func (m *matcher) groupedOpcodes(n int) [][]opcode {
	codes := m.opcodes()
	if len(codes) == 0 {
		codes = []opcode{{'e', 0, 1, 0, 1}}
	}
	if c := &codes[0]; c.tag == 'e' {
		c.i1, c.j1 = max(c.i1, c.i2-n), max(c.j1, c.j2-n)
	}
	if c := &codes[len(codes)-1]; c.tag == 'e' {
		c.i2, c.j2 = min(c.i2, c.i1+n), min(c.j2, c.j1+n)
	}
	var groups [][]opcode
	var group []opcode
	for _, c := range codes {
		if c.tag == 'e' && c.i2-c.i1 > 2*n {
			group = append(group, opcode{'e', c.i1, min(c.i2, c.i1+n), c.j1, min(c.j2, c.j1+n)})
			groups = append(groups, group)
			group = nil
			c.i1, c.j1 = max(c.i1, c.i2-n), max(c.j1, c.j2-n)
		}
		group = append(group, c)
	}
	if len(group) > 0 && !(len(group) == 1 && group[0].tag == 'e') {
		groups = append(groups, group)
	}
	return groups
}

func unifiedRange(start, stop int) string {
	begin, length := start+1, stop-start
	if length == 1 {
		return fmt.Sprint(begin)
	}
	if length == 0 {
		begin--
	}
	return fmt.Sprintf("%d,%d", begin, length)
}

// unifiedDiff returns the lines of a unified diff of a and b (lines keep
// their terminators), n lines of context, no file dates.
func unifiedDiff(a, b []string, from, to string, n int) []string {
	var out []string
	for gi, g := range newMatcher(a, b).groupedOpcodes(n) {
		if gi == 0 {
			out = append(out, "--- "+from+"\n", "+++ "+to+"\n")
		}
		first, last := g[0], g[len(g)-1]
		out = append(out, fmt.Sprintf("@@ -%s +%s @@\n", unifiedRange(first.i1, last.i2), unifiedRange(first.j1, last.j2)))
		for _, c := range g {
			if c.tag == 'e' {
				for _, l := range a[c.i1:c.i2] {
					out = append(out, " "+l)
				}
				continue
			}
			if c.tag == 'r' || c.tag == 'd' {
				for _, l := range a[c.i1:c.i2] {
					out = append(out, "-"+l)
				}
			}
			if c.tag == 'r' || c.tag == 'i' {
				for _, l := range b[c.j1:c.j2] {
					out = append(out, "+"+l)
				}
			}
		}
	}
	return out
}

// splitLinesKeep is Python's str.splitlines(True).
func splitLinesKeep(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		end := -1
		switch r {
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				end = i + 2
			} else {
				end = i + 1
			}
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			end = i + size
		}
		if end >= 0 {
			out = append(out, s[start:end])
			start, i = end, end
			continue
		}
		i += size
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// diffLines renders one Diff as Ansible's --diff output (without colour).
func diffLines(d modules.Diff) []string {
	var lines []string
	if d.Before != "" || d.After != "" || d.BeforeHeader != "" || d.AfterHeader != "" {
		bh, ah := "before", "after"
		if d.BeforeHeader != "" {
			bh = "before: " + d.BeforeHeader
		}
		if d.AfterHeader != "" {
			ah = "after: " + d.AfterHeader
		}
		a, b := splitLinesKeep(d.Before), splitLinesKeep(d.After)
		noEOL := func(l []string) {
			if n := len(l); n > 0 && !strings.HasSuffix(l[n-1], "\n") {
				l[n-1] += "\n\\ No newline at end of file\n"
			}
		}
		noEOL(a)
		noEOL(b)
		lines = unifiedDiff(a, b, bh, ah, 3)
		if len(lines) > 0 {
			lines = append(lines, "\n")
		}
	}
	if d.Prepared != "" {
		lines = append(lines, d.Prepared)
	}
	return lines
}
