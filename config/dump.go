package config

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// Dump writes the core settings as ansible-config dump does, one
// "NAME(origin) = value" line each, sorted by name, values printed as
// Python prints them. onlyChanged leaves out the defaults.
func (c *Config) Dump(w io.Writer, onlyChanged bool) error {
	type line struct{ name, text string }
	var lines []line
	cfgFile := "None"
	if c.File != "" {
		cfgFile = c.File
	}
	lines = append(lines, line{"CONFIG_FILE", "CONFIG_FILE() = " + cfgFile})
	for _, s := range c.settings {
		if s.Plugin != "" || (onlyChanged && s.IsDefault()) {
			continue
		}
		lines = append(lines, line{s.Name, fmt.Sprintf("%s(%s) = %s", s.Name, s.Origin, PyString(s.Value))})
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].name < lines[j].name })
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, l.text); err != nil {
			return err
		}
	}
	return nil
}

// PyString formats v as Python's str() would: None, True/False, lists as
// ['a', 'b'].
func PyString(v any) string {
	switch v := v.(type) {
	case nil, bool, int, string:
		return value.String(v)
	case []string:
		parts := make([]string, len(v))
		for i, s := range v {
			parts[i] = value.Repr(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}
