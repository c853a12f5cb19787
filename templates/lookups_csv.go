package templates

import (
	"os"
	"strings"
	"unicode/utf8"

	"github.com/fjord-run/fjord/value"
)

// The csvfile lookup: the column of the row whose first field is the key.

func lkCSVFile(s *state, terms []any, kw map[string]any) ([]any, error) {
	params := map[string]any{"col": "1", "default": nil, "delimiter": "TAB", "file": "ansible.csv", "encoding": "utf-8"}
	for k, v := range kw {
		params[k] = v
	}
	out := []any{}
	for _, t := range terms {
		kv, err := value.ParseKV(pyStr(t))
		if err != nil {
			return nil, lkErr("AnsibleError", "%s", err.Error())
		}
		key, hasKey := "", false
		for _, p := range kv {
			if p[0] == "_raw_params" {
				key, hasKey = p[1], true
			}
		}
		if !hasKey {
			return nil, lkErr("AnsibleError", "Search key is required but was not found")
		}
		for _, p := range kv {
			if p[0] == "_raw_params" {
				continue
			}
			if _, ok := params[p[0]]; !ok {
				return nil, lkErr("AnsibleError", "%s is not a valid option", p[0])
			}
			params[p[0]] = p[1]
		}
		delim := pyStr(params["delimiter"])
		if delim == "TAB" {
			delim = "\t"
			params["delimiter"] = delim
		}
		path, found := s.findFile("files", pyStr(params["file"]))
		if !found {
			path = "None" // ansible opens the None it found
		}
		v, err := readCSV(path, key, delim, pyStr(params["encoding"]), params["default"], params["col"])
		if err != nil {
			return nil, lkErr("AnsibleError", "csvfile: %s", err.Error())
		}
		if l, ok := v.([]any); ok {
			out = append(out, l...)
		} else if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// readCSV is ansible's read_csv: the col-th field of the first row
// whose first field is key, else dflt.
func readCSV(path, key, delim, encoding string, dflt, col any) (any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, pyOSError(err, path)
	}
	text, err := decodeText(b, encoding)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(delim) != 1 {
		return nil, pyErrorf("\"delimiter\" must be a 1-character string")
	}
	d, _ := utf8.DecodeRuneInString(delim)
	for _, row := range csvRows(text, d) {
		if len(row) > 0 && row[0] == key {
			n, err := value.PyInt(col)
			if err != nil {
				return nil, err
			}
			if n < 0 {
				n += len(row)
			}
			if n < 0 || n >= len(row) {
				return nil, pyErrorf("list index out of range")
			}
			return row[n], nil
		}
	}
	return dflt, nil
}

// csvRows reads text as Python's csv module with the excel dialect and
// the given delimiter (quote '"', doubled quotes, no strict mode).
func csvRows(text string, delim rune) [][]string {
	const (
		startField = iota
		inField
		inQuoted
		quoteInQuoted
	)
	var rows [][]string
	var row []string
	var field strings.Builder
	state := startField
	endField := func() { row = append(row, field.String()); field.Reset() }
	endRow := func() {
		rows = append(rows, row)
		row = nil
		state = startField
	}
	runes := []rune(text)
	for i := 0; i < len(runes); i++ {
		c := runes[i]
		if c == '\r' && i+1 < len(runes) && runes[i+1] == '\n' && state != inQuoted {
			continue // the \n ends the record
		}
		nl := c == '\n' || c == '\r'
		switch state {
		case startField:
			switch {
			case nl && len(row) == 0:
				endRow()
			case nl:
				endField()
				endRow()
			case c == '"':
				state = inQuoted
			case c == delim:
				endField()
			default:
				field.WriteRune(c)
				state = inField
			}
		case inField:
			switch {
			case nl:
				endField()
				endRow()
			case c == delim:
				endField()
				state = startField
			default:
				field.WriteRune(c)
			}
		case inQuoted:
			if c == '"' {
				state = quoteInQuoted
			} else {
				field.WriteRune(c)
			}
		case quoteInQuoted:
			switch {
			case c == '"':
				field.WriteRune(c)
				state = inQuoted
			case c == delim:
				endField()
				state = startField
			case nl:
				endField()
				endRow()
			default:
				field.WriteRune(c)
				state = inField
			}
		}
	}
	if state != startField || len(row) > 0 || field.Len() > 0 {
		endField()
		rows = append(rows, row)
	}
	return rows
}
