package templates

import (
	"errors"
	"os"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// The ini lookup: a value (or with re, the values whose keys match) of a
// section of an INI or Java properties file, read as Python's
// configparser reads it.

// iniOptions are the ini lookup's options in ansible's order (the inline
// k=v form finds a key by the first of these its phrase holds, last
// match winning).
var iniOptions = []string{"_terms", "type", "file", "section", "re", "encoding", "default", "case_sensitive", "allow_no_value", "allow_none"}

func lkIni(s *state, terms []any, kw map[string]any) ([]any, error) {
	params := map[string]any{"type": "ini", "file": "ansible.ini", "section": "global", "re": false,
		"encoding": "utf-8", "default": "", "case_sensitive": false, "allow_no_value": false}
	for k, v := range kw {
		if k == "allow_none" {
			k = "allow_no_value"
		}
		params[k] = v
	}
	cp := newConfigParser(value.Truthy(params["case_sensitive"]), value.Truthy(params["allow_no_value"]))
	out := []any{}
	for _, t := range terms {
		term := pyStr(t)
		key, err := iniInline(term, params)
		if err != nil {
			return nil, err
		}
		path, found := s.findFile("files", pyStr(params["file"]))
		if !found {
			return nil, lkErr("AnsibleParserError", "Invalid filename: 'None'")
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, lkErr("AnsibleParserError", "an error occurred while trying to read the file '%s': %s", path, err.Error())
		}
		text, err := decodeText(b, pyStr(params["encoding"]))
		if err != nil {
			return nil, lkErr("UnicodeDecodeError", "%s", err.Error())
		}
		if pyStr(params["type"]) == "properties" {
			text = "[java_properties]\n" + text
			params["section"] = "java_properties"
		}
		if err := cp.read(text); err != nil {
			var ce *cpError
			if errors.As(err, &ce) && ce.Class == "DuplicateOptionError" {
				return nil, lkErr("AnsibleLookupError", "Duplicate option in '%s': %s", pyStr(params["file"]), ce.Msg)
			}
			return nil, lkErr("configparser."+ce.Class, "%s", ce.Msg)
		}
		vals, err := iniValue(cp, key, pyStr(params["section"]), params["default"], value.Truthy(params["re"]))
		if err != nil {
			var ce *cpError
			if errors.As(err, &ce) && ce.Class == "NoSectionError" {
				return nil, lkErr("AnsibleLookupError", "No section '%s' in %s", pyStr(params["section"]), pyStr(params["file"]))
			}
			if errors.As(err, &ce) {
				return nil, lkErr("configparser."+ce.Class, "%s", ce.Msg)
			}
			return nil, err
		}
		out = append(out, vals...)
	}
	return out, nil
}

// iniValue is ansible's get_value: every value whose key re.match()es
// key, or the one value (dflt when there is none; nothing for None).
func iniValue(cp *configParser, key, section string, dflt any, isRe bool) ([]any, error) {
	if isRe {
		items, err := cp.items(section)
		if err != nil {
			return nil, err
		}
		re, err := compilePyRegex("^(?:" + key + ")")
		if err != nil {
			return nil, lkErr("re.error", "%s", err.Error())
		}
		out := []any{}
		for _, it := range items {
			if re.MatchString(it[0].(string)) {
				out = append(out, it[1])
			}
		}
		return out, nil
	}
	v, ok, err := cp.get(section, key)
	if err != nil {
		return nil, err
	}
	if !ok {
		v = dflt
	}
	if v == nil {
		return nil, nil
	}
	return []any{v}, nil
}

// iniInline reads a term's inline "key k=v ..." form (ansible's
// _parse_params: words after k= belong to k, spaces kept) into params and
// returns the key.
func iniInline(term string, params map[string]any) (string, error) {
	if !strings.Contains(term, "=") && !strings.Contains(strings.TrimSpace(term), " ") {
		return term, nil
	}
	vals := map[string]string{}
	var keys []string
	this := "key"
	for i, phrase := range strings.Fields(term) {
		if strings.Contains(phrase, "=") {
			for _, k := range iniOptions {
				if strings.Contains(phrase, k+"=") {
					this = k
				}
			}
		}
		if i == 0 || vals[this] == "" {
			vals[this] = phrase
			keys = append(keys, this)
		} else {
			vals[this] += " " + phrase
		}
	}
	list := make([]any, len(keys))
	for i, k := range keys {
		list[i] = vals[k]
	}
	key, updated := term, false
	for _, k := range keys {
		p := vals[k]
		if !strings.Contains(p, "=") {
			if key == term {
				key, updated = p, true
			}
			continue
		}
		parts := strings.Split(p, "=")
		if len(parts) != 2 {
			return "", lkErr("AnsibleLookupError", "Could not use '%s' from '%s': too many values to unpack (expected 2)", p, value.Repr(list))
		}
		name := parts[0]
		if name == "allow_none" {
			name = "allow_no_value"
		}
		if _, ok := params[name]; !ok {
			return "", lkErr("AnsibleLookupError", "%s is not a valid option.", parts[0])
		}
		params[name] = parts[1]
	}
	if !updated {
		return "", lkErr("AnsibleOptionsError", "No key to lookup was provided as first term with in string inline options: %s", term)
	}
	return key, nil
}
