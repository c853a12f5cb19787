package modules

// Find's filters on names, ages and sizes.

import (
	"fmt"
	"path"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

// matchers compiles patterns: shell globs as fnmatch takes them, or with
// use_regex, regular expressions anchored at the name's start (re.match).
func (m *Find) matchers(pats []string) ([]func(string) bool, error) {
	var out []func(string) bool
	for _, p := range pats {
		if m.UseRegex {
			re, err := compilePy(`^(?:` + p + `)`)
			if err != nil {
				return nil, fmt.Errorf("pattern %q: %w", p, err)
			}
			out = append(out, re.MatchString)
			continue
		}
		g := fnmatchToGo(p)
		if _, err := path.Match(g, ""); err != nil {
			// fnmatch takes any string; an unbalanced [ matches itself.
			lit := p
			out = append(out, func(s string) bool { return s == lit })
			continue
		}
		out = append(out, func(s string) bool { ok, _ := path.Match(g, s); return ok })
	}
	return out, nil
}

// fnmatchToGo turns Python fnmatch syntax into path.Match syntax: [!x]
// negates a class, and a backslash is an ordinary character.
func fnmatchToGo(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte('[')
			if i+1 < len(p) && p[i+1] == '!' {
				b.WriteByte('^')
				i++
			}
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(']')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// keep applies every filter that needs no file content.
func (m *Find) keep(e *findEntry, now float64) bool {
	if m.Recurse && m.Depth != nil && *m.Depth > 0 && e.depth > *m.Depth {
		return false
	}
	name := path.Base(e.fi.Path)
	if strings.HasPrefix(name, ".") && !m.Hidden {
		return false
	}
	isReg := e.fi.Type == "file"
	switch m.FileType {
	case "file":
		if !isReg {
			return false
		}
	case "directory":
		if e.fi.Type != "directory" {
			return false
		}
	case "link":
		if e.fi.Type != "link" {
			return false
		}
	}
	if !m.nameMatches(name) || !m.ageMatches(&e.fi, now) {
		return false
	}
	if isReg && (m.FileType == "file" || m.FileType == "any") && !m.sizeMatches(e.fi.Size) {
		return false
	}
	if m.mode.Set {
		want := m.mode.Apply(0, e.fi.Type == "directory", 0)
		if m.ExactMode && e.fi.Mode&07777 != want || !m.ExactMode && e.fi.Mode&want != want {
			return false
		}
	}
	return true
}

func (m *Find) nameMatches(name string) bool {
	ok := len(m.pats) == 0
	for _, p := range m.pats {
		if p(name) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	for _, x := range m.exclude {
		if x(name) {
			return false
		}
	}
	return true
}

func (m *Find) ageMatches(fi *connection.FileInfo, now float64) bool {
	if !m.hasAge {
		return true
	}
	t := fi.Mtime
	switch m.AgeStamp {
	case "atime":
		t = fi.Atime
	case "ctime":
		t = fi.Ctime
	}
	old := now - t
	if m.age >= 0 {
		return old >= float64(m.age)
	}
	return old <= float64(-m.age)
}

func (m *Find) sizeMatches(size int64) bool {
	if !m.hasSize {
		return true
	}
	if m.size >= 0 {
		return size >= m.size
	}
	return size <= -m.size
}
