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
	p := &ini{sections: map[string]map[string]string{}, defaults: map[string]string{}}
	var (
		cur         map[string]string
		curName     string
		opt         string
		vals        []string
		indentLevel int
		seen        = map[string]bool{}
	)
	flush := func() {
		if cur != nil && opt != "" && vals != nil {
			cur[opt] = strings.TrimRight(strings.Join(vals, "\n"), " \t\r\n\v\f")
		}
		opt, vals = "", nil
	}
	text = strings.TrimPrefix(text, "\ufeff")
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	for i, line := range lines {
		lineno := i + 1
		commentStart := -1
		for idx := strings.Index(line, ";"); idx >= 0; {
			if idx == 0 || isSpace(line[idx-1]) {
				commentStart = idx
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
			commentStart = 0
		}
		value := line
		if commentStart >= 0 {
			value = line[:commentStart]
		}
		value = strings.TrimSpace(value)
		if value == "" {
			// A blank line inside a multi-line value is kept; a comment
			// line is not.
			if commentStart < 0 && cur != nil && opt != "" && vals != nil {
				vals = append(vals, "")
			}
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t\v\f\r"))
		if cur != nil && opt != "" && indent > indentLevel {
			if vals != nil {
				vals = append(vals, value)
			}
			continue
		}
		indentLevel = indent
		if strings.HasPrefix(value, "[") && strings.Contains(value[1:], "]") && strings.LastIndex(value, "]") > 1 {
			flush()
			name := value[1:strings.LastIndex(value, "]")]
			switch {
			case name == "DEFAULT":
				cur = p.defaults
			case seen["["+name]:
				return nil, &ParseError{file, lineno, fmt.Sprintf("section %q already exists", name)}
			default:
				cur = map[string]string{}
				p.sections[name] = cur
			}
			seen["["+name] = true
			curName = name
			continue
		}
		if cur == nil {
			return nil, &ParseError{file, lineno, "File contains no section headers."}
		}
		m := optionRE.FindStringSubmatch(value)
		if m == nil || strings.TrimSpace(m[1]) == "" {
			return nil, &ParseError{file, lineno, fmt.Sprintf("Source contains parsing errors: %q", line)}
		}
		flush()
		opt = strings.ToLower(strings.TrimRight(m[1], " \t"))
		if seen[curName+"\x00"+opt] {
			return nil, &ParseError{file, lineno, fmt.Sprintf("option %q in section %q already exists", opt, curName)}
		}
		seen[curName+"\x00"+opt] = true
		vals = []string{strings.TrimSpace(m[3])}
	}
	flush()
	return p, nil
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
