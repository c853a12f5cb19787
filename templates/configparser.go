package templates

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// configParser is the part of Python's configparser.ConfigParser the ini
// lookup uses: sections, options read with '=' or ':', continuation
// lines, comments, a DEFAULT section, %(name)s interpolation, keys
// lowercased unless caseSensitive, and options without a value when
// allowNoValue.
type configParser struct {
	caseSensitive, allowNoValue bool
	defaults                    *value.Map
	sections                    map[string]*value.Map
	order                       []string
}

// cpError is a configparser exception: Class as Python names it.
type cpError struct{ Class, Msg string }

func (e *cpError) Error() string { return e.Msg }

func newConfigParser(caseSensitive, allowNoValue bool) *configParser {
	return &configParser{caseSensitive: caseSensitive, allowNoValue: allowNoValue,
		defaults: value.NewMap(0), sections: map[string]*value.Map{}}
}

var (
	cpSection = regexp.MustCompile(`^\[(.+)\]`)
	cpOption  = regexp.MustCompile(`^(.*?)\s*([=:])\s*(.*)$`)
)

// read adds text, as read_file does with a source named '<???>'.
func (cp *configParser) read(text string) error {
	var cur *value.Map
	curSect, curOpt := "", ""
	curIndent := 0
	seenSect := map[string]bool{}
	seenOpt := map[string]bool{}
	var parseErrs []string
	for i, line := range strings.SplitAfter(text, "\n") {
		lineno := i + 1
		stripped := strings.TrimSpace(line)
		if stripped == "" || stripped[0] == '#' || stripped[0] == ';' {
			curOpt = ""
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		if cur != nil && curOpt != "" && indent > curIndent {
			if v, _ := cur.Get(curOpt); v != nil {
				cur.Set(curOpt, pyStr(v)+"\n"+stripped)
			}
			continue
		}
		curIndent = indent
		if m := cpSection.FindStringSubmatch(stripped); m != nil {
			curSect, curOpt = m[1], ""
			if seenSect[curSect] {
				return &cpError{"DuplicateSectionError", fmt.Sprintf("While reading from '<???>' [line %2d]: section %s already exists", lineno, value.Repr(curSect))}
			}
			seenSect[curSect] = true
			if curSect == "DEFAULT" {
				cur = cp.defaults
			} else if cur = cp.sections[curSect]; cur == nil {
				cur = value.NewMap(0)
				cp.sections[curSect] = cur
				cp.order = append(cp.order, curSect)
			}
			continue
		}
		if cur == nil {
			return &cpError{"MissingSectionHeaderError", fmt.Sprintf("File contains no section headers.\nfile: '<???>', line: %d\n%s", lineno, value.Repr(line))}
		}
		name, val, hasVal := stripped, any(nil), false
		if m := cpOption.FindStringSubmatch(stripped); m != nil && m[1] != "" {
			name, val, hasVal = strings.TrimRight(m[1], " \t"), m[3], true
		}
		if !hasVal && !cp.allowNoValue {
			parseErrs = append(parseErrs, fmt.Sprintf("\n\t[line %2d]: %s", lineno, value.Repr(line)))
			continue
		}
		if !cp.caseSensitive {
			name = strings.ToLower(name)
		}
		if seenOpt[curSect+"\x00"+name] {
			return &cpError{"DuplicateOptionError", fmt.Sprintf("While reading from '<???>' [line %2d]: option %s in section %s already exists", lineno, value.Repr(name), value.Repr(curSect))}
		}
		seenOpt[curSect+"\x00"+name] = true
		cur.Set(name, val)
		curOpt = name
	}
	if parseErrs != nil {
		return &cpError{"ParsingError", "Source contains parsing errors: '<???>'" + strings.Join(parseErrs, "")}
	}
	return nil
}

// items is items(section): the defaults, then the section's own options,
// values interpolated.
func (cp *configParser) items(section string) ([][2]any, error) {
	all, err := cp.merged(section)
	if err != nil {
		return nil, err
	}
	var out [][2]any
	for _, k := range all.Keys() {
		v, err := cp.interpolate(all, k, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, [2]any{k, v})
	}
	return out, nil
}

// get is get(section, option); ok is false for NoOptionError.
func (cp *configParser) get(section, option string) (any, bool, error) {
	all, err := cp.merged(section)
	if err != nil {
		return nil, false, err
	}
	if !cp.caseSensitive {
		option = strings.ToLower(option)
	}
	if _, has := all.Get(option); !has {
		return nil, false, nil
	}
	v, err := cp.interpolate(all, option, 0)
	return v, true, err
}

func (cp *configParser) merged(section string) (*value.Map, error) {
	sec, ok := cp.sections[section]
	if !ok && section != "DEFAULT" {
		return nil, &cpError{"NoSectionError", fmt.Sprintf("No section: %s", value.Repr(section))}
	}
	all := cp.defaults.Clone()
	if sec != nil {
		sec.Range(func(k string, v any) bool { all.Set(k, v); return true })
	}
	return all, nil
}

var cpInterp = regexp.MustCompile(`%\(([^)]*)\)s|%%|%`)

// interpolate is BasicInterpolation: %% is %, %(name)s another option.
func (cp *configParser) interpolate(all *value.Map, key string, depth int) (any, error) {
	raw, _ := all.Get(key)
	str, ok := raw.(string)
	if !ok || !strings.Contains(str, "%") {
		return raw, nil
	}
	if depth > 10 {
		return nil, &cpError{"InterpolationDepthError", fmt.Sprintf("Recursion limit exceeded in value substitution: option %s", value.Repr(key))}
	}
	var bad error
	out := cpInterp.ReplaceAllStringFunc(str, func(m string) string {
		switch {
		case m == "%%":
			return "%"
		case m == "%":
			bad = &cpError{"InterpolationSyntaxError", fmt.Sprintf("'%%' must be followed by '%%' or '(', found: %s", value.Repr(str[strings.Index(str, "%"):]))}
			return m
		}
		name := m[2 : len(m)-2]
		if !cp.caseSensitive {
			name = strings.ToLower(name)
		}
		if _, has := all.Get(name); !has {
			bad = &cpError{"InterpolationMissingOptionError", fmt.Sprintf("Bad value substitution: option %s contains an interpolation key %s which is not a valid option name.", value.Repr(key), value.Repr(name))}
			return m
		}
		v, err := cp.interpolate(all, name, depth+1)
		if err != nil {
			bad = err
		}
		return pyStr(v)
	})
	return out, bad
}
