package modules

import (
	"context"
	"strings"

	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.getent", Aliases: []string{"getent"},
		New: func() Module { return &Getent{} }, CheckMode: true,
	})
}

// Getent runs getent(1) on the host and returns the entries as the fact
// getent_DATABASE: each entry's first field maps to the others (a list of
// such lists when the first field repeats).
type Getent struct {
	// Database is the name service database: passwd, group, hosts, ...
	Database string `arg:"database,required"`
	// Key is the entry to look up; without it, the whole database.
	Key *string `arg:"key"`
	// Service overrides nsswitch.conf's service for the database (-s).
	Service *string `arg:"service"`
	// Split is the field separator; ":" for passwd, shadow, group and
	// gshadow, whitespace for the others.
	Split *string `arg:"split"`
	// FailKey fails when the key is not found; false returns it as None.
	FailKey bool `arg:"fail_key,default=true"`
}

// Run implements Module.
func (m *Getent) Run(ctx context.Context, env *Env) (*Result, error) {
	words := []string{"getent", m.Database}
	if m.Key != nil {
		words = append(words, *m.Key)
	}
	if m.Service != nil {
		words = append(words, "-s", *m.Service)
	}
	script := "command -v getent >/dev/null 2>&1 || { echo 'Failed to find required executable \"getent\" in paths: '\"$PATH\" >&2; exit 127; }\nexec " + quoteAll(words)
	res, err := hostRun(ctx, env, script, nil)
	if err != nil {
		return nil, err
	}
	sep, whitespace := "", true
	if m.Split != nil {
		sep, whitespace = *m.Split, false
	} else if m.Database == "passwd" || m.Database == "shadow" || m.Database == "group" || m.Database == "gshadow" {
		sep, whitespace = ":", false
	}
	tree := "getent_" + m.Database
	db := value.NewMap(4)
	facts := value.NewMap(1)
	facts.Set(tree, db)
	switch res.RC {
	case 0:
		getentEntries(db, string(res.Stdout), sep, whitespace)
		return (&Result{}).Set("ansible_facts", facts), nil
	case 1:
		return Failf("Missing arguments, or database unknown."), nil
	case 2:
		msg := "One or more supplied key could not be found in the database."
		if !m.FailKey && m.Key != nil {
			db.Set(*m.Key, nil)
			r := &Result{Msg: msg}
			return r.Set("ansible_facts", facts).Set("msg", msg), nil
		}
		return Failf("%s", msg), nil
	case 3:
		return Failf("Enumeration not supported on this database."), nil
	case 127:
		return cmdFailed(res, ""), nil
	}
	return Failf("Unexpected failure!"), nil
}

// getentEntries splits each line as Python's str.split(sep) (sep empty:
// split() on runs of whitespace) and files it under its first field.
func getentEntries(db *value.Map, out, sep string, whitespace bool) {
	seen := map[string]int{}
	for _, line := range pyLines(out) {
		var rec []string
		if whitespace {
			rec = strings.Fields(line)
		} else {
			rec = strings.Split(line, sep)
		}
		if len(rec) == 0 {
			continue
		}
		rest := make([]any, 0, len(rec)-1)
		for _, f := range rec[1:] {
			rest = append(rest, f)
		}
		k := rec[0]
		switch seen[k] {
		case 0:
			db.Set(k, rest)
		case 1:
			first, _ := db.Get(k)
			db.Set(k, []any{first, rest})
		default:
			l, _ := db.Get(k)
			db.Set(k, append(l.([]any), rest))
		}
		seen[k]++
	}
}

// pyLines splits as Python's str.splitlines for the usual line ends.
func pyLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

var _ Module = (*Getent)(nil)
