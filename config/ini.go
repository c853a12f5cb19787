package config

import (
	"fmt"
	"regexp"
	"strings"
)

// ini is a parsed INI file: sections of lower-cased keys. The DEFAULT
// section's keys are visible in every section, as in configparser.
type ini struct {
	sections map[string]map[string]string
	defaults map[string]string
}

// ParseError is a line configparser would reject.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("Error reading config file (%s): line %d: %s", e.File, e.Line, e.Msg)
}

var optionRE = regexp.MustCompile(`^(.*?)\s*([=:])\s*(.*)$`)

// parseINI parses text as configparser.ConfigParser(inline_comment_prefixes
// =(';',)) reads it with raw values: '#' and ';' start full-line comments,
// ';' after white space starts an inline comment, an indented line
// continues the previous value, keys are case-insensitive, duplicate
// sections and keys are errors.
func parseINI(text, file string) (*ini, error) {
	r := &iniReader{
		p:    &ini{sections: map[string]map[string]string{}, defaults: map[string]string{}},
		file: file,
		seen: map[string]bool{},
	}
	text = strings.TrimPrefix(text, "\ufeff")
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	for i, line := range lines {
		if err := r.line(line, i+1); err != nil {
			return nil, err
		}
	}
	r.flush()
	return r.p, nil
}

// iniReader is parseINI's state from one line to the next.
type iniReader struct {
	p           *ini
	file        string
	cur         map[string]string // the section being read
	curName     string
	opt         string   // the option being read, "" for none
	vals        []string // its lines so far
	indentLevel int
	seen        map[string]bool // "[section" and "section\x00option"
}

// flush stores the option being read.
func (r *iniReader) flush() {
	if r.cur != nil && r.opt != "" && r.vals != nil {
		r.cur[r.opt] = strings.TrimRight(strings.Join(r.vals, "\n"), " \t\r\n\v\f")
	}
	r.opt, r.vals = "", nil
}

// line reads one line: blank or comment, continuation, section header or
// option.
func (r *iniReader) line(line string, lineno int) error {
	cs := commentStart(line)
	val := line
	if cs >= 0 {
		val = line[:cs]
	}
	val = strings.TrimSpace(val)
	if val == "" {
		// A blank line inside a multi-line value is kept; a comment
		// line is not.
		if cs < 0 && r.cur != nil && r.opt != "" && r.vals != nil {
			r.vals = append(r.vals, "")
		}
		return nil
	}
	indent := len(line) - len(strings.TrimLeft(line, " \t\v\f\r"))
	if r.cur != nil && r.opt != "" && indent > r.indentLevel {
		if r.vals != nil {
			r.vals = append(r.vals, val)
		}
		return nil
	}
	r.indentLevel = indent
	if strings.HasPrefix(val, "[") && strings.Contains(val[1:], "]") && strings.LastIndex(val, "]") > 1 {
		return r.section(val[1:strings.LastIndex(val, "]")], lineno)
	}
	return r.option(line, val, lineno)
}

// commentStart is where a comment starts in line, -1 for none: a line
// whose text starts with '#' or ';' is all comment, and a ';' after white
// space starts an inline one.
func commentStart(line string) int {
	start := -1
	for idx := strings.Index(line, ";"); idx >= 0; {
		if idx == 0 || isSpace(line[idx-1]) {
			start = idx
			break
		}
		next := strings.Index(line[idx+1:], ";")
		if next < 0 {
			break
		}
		idx += 1 + next
	}
	trimmed := strings.TrimSpace(line)
	if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
		start = 0
	}
	return start
}

// section starts the section name.
func (r *iniReader) section(name string, lineno int) error {
	r.flush()
	switch {
	case name == "DEFAULT":
		r.cur = r.p.defaults
	case r.seen["["+name]:
		return &ParseError{r.file, lineno, fmt.Sprintf("section %q already exists", name)}
	default:
		r.cur = map[string]string{}
		r.p.sections[name] = r.cur
	}
	r.seen["["+name] = true
	r.curName = name
	return nil
}

// option starts an option from its line, val being the line without
// comment and surrounding white space.
func (r *iniReader) option(line, val string, lineno int) error {
	if r.cur == nil {
		return &ParseError{r.file, lineno, "File contains no section headers."}
	}
	m := optionRE.FindStringSubmatch(val)
	if m == nil || strings.TrimSpace(m[1]) == "" {
		return &ParseError{r.file, lineno, fmt.Sprintf("Source contains parsing errors: %q", line)}
	}
	r.flush()
	r.opt = strings.ToLower(strings.TrimRight(m[1], " \t"))
	if r.seen[r.curName+"\x00"+r.opt] {
		return &ParseError{r.file, lineno, fmt.Sprintf("option %q in section %q already exists", r.opt, r.curName)}
	}
	r.seen[r.curName+"\x00"+r.opt] = true
	r.vals = []string{strings.TrimSpace(m[3])}
	return nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// get returns section's key, falling back to [DEFAULT].
func (p *ini) get(section, key string) (string, bool) {
	if p == nil {
		return "", false
	}
	sec, ok := p.sections[section]
	if !ok && section != "DEFAULT" {
		// configparser raises NoSectionError even when DEFAULT has the key.
		return "", false
	}
	if v, ok := sec[key]; ok {
		return v, true
	}
	v, ok := p.defaults[key]
	return v, ok
}
