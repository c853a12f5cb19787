package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

// listFlag collects every value of a repeatable flag verbatim. urfave/cli's
// StringSliceFlag would split on commas ("h1,h2," is one inventory source)
// and trim spaces.
type listFlag []string

// serialPrefix marks Serialize's output. urfave/cli copies a flag's value
// to its aliases with Set(Serialize()); Set must then replace, not append.
const serialPrefix = "\x00fjord-list:"

func (l *listFlag) Set(s string) error {
	if rest, ok := strings.CutPrefix(s, serialPrefix); ok {
		return json.Unmarshal([]byte(rest), (*[]string)(l))
	}
	*l = append(*l, s)
	return nil
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ", ")
}

func (l *listFlag) Serialize() string {
	b, _ := json.Marshal([]string(*l))
	return serialPrefix + string(b)
}

var _ cli.Serializer = (*listFlag)(nil)

// splitPaths splits repeated colon-separated path flags (-M), ~ expanded.
func splitPaths(vals []string) []string {
	var out []string
	home, _ := os.UserHomeDir()
	for _, v := range vals {
		for _, p := range strings.Split(v, ":") {
			if p == "" {
				continue
			}
			if rest, ok := strings.CutPrefix(p, "~/"); ok && home != "" {
				p = filepath.Join(home, rest)
			}
			out = append(out, p)
		}
	}
	return out
}
