package modules

import (
	"context"
	"errors"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.debconf", Aliases: []string{"debconf"},
		New: func() Module { return &Debconf{} }, CheckMode: true,
	})
}

// Debconf reads a package's debconf answers (debconf-show) and sets one
// (debconf-set-selections).
type Debconf struct {
	// Name is the package the question belongs to.
	Name string `arg:"name,required,aliases=pkg"`
	// Question is the debconf question to set; without it the module
	// only returns the package's current answers.
	Question *string `arg:"question,aliases=selection|setting"`
	// Vtype is the question's type.
	Vtype *string `arg:"vtype,choices=boolean|error|multiselect|note|password|seen|select|string|text|title"`
	// Value is the answer.
	Value *string `arg:"value,aliases=answer"`
	// Unseen does not mark the question seen (debconf-set-selections -u).
	Unseen bool `arg:"unseen"`
}

// Validate implements Validator: question, vtype and value go together.
func (m *Debconf) Validate() error {
	n := 0
	for _, set := range []bool{m.Question != nil, m.Vtype != nil, m.Value != nil} {
		if set {
			n++
		}
	}
	if n != 0 && n != 3 {
		return errors.New("parameters are required together: question, vtype, value")
	}
	return nil
}

const debconfNeed = `command -v %[1]s >/dev/null 2>&1 || { echo 'Failed to find required executable "%[1]s" in paths: '"$PATH" >&2; exit 127; }
`

// Run implements Module.
func (m *Debconf) Run(ctx context.Context, env *Env) (*Result, error) {
	res, err := hostRun(ctx, env, strings.ReplaceAll(debconfNeed, "%[1]s", "debconf-show")+"debconf-show "+connection.Quote(m.Name), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return Failf("%s", string(res.Stderr)), nil
	}
	prev := value.NewMap(8)
	for _, line := range pyLines(string(res.Stdout)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		prev.Set(strings.TrimSpace(strings.Trim(k, "*")), strings.TrimSpace(v))
	}
	r := &Result{}
	if m.Question == nil {
		return r.Set("msg", "").Set("current", prev), nil
	}
	q, val := *m.Question, *m.Value
	existing, had := prev.Get(q)
	if *m.Vtype == "boolean" {
		val = strings.ToLower(val)
		if s, ok := existing.(string); ok {
			existing = strings.ToLower(s)
		}
	}
	if had && existing == val {
		return r.Set("msg", "").Set("current", prev), nil
	}
	r.Changed = true
	msg := ""
	if !env.Check {
		var fail *Result
		if msg, fail, err = m.set(ctx, env, val); err != nil || fail != nil {
			return fail, err
		}
	}
	return m.changed(env, r, prev, msg, had, val)
}

// set runs debconf-set-selections with "PKG QUESTION VTYPE VALUE".
func (m *Debconf) set(ctx context.Context, env *Env, val string) (string, *Result, error) {
	if *m.Vtype == "boolean" && (val == "True" || val == "False") {
		val = strings.ToLower(val)
	}
	cmd := "debconf-set-selections"
	if m.Unseen {
		cmd += " -u"
	}
	data := strings.Join([]string{m.Name, *m.Question, *m.Vtype, val}, " ") + "\n"
	script := strings.ReplaceAll(debconfNeed, "%[1]s", "debconf-set-selections") +
		"printf '%s' " + connection.Quote(data) + " | " + cmd
	res, err := hostRun(ctx, env, script, nil)
	if err != nil {
		return "", nil, err
	}
	if res.RC != 0 {
		return "", Failf("%s", string(res.Stderr)), nil
	}
	return string(res.Stdout), nil, nil
}

// changed is the result of a set answer: current and previous hold the
// question alone, and in diff mode the diff of the two.
func (m *Debconf) changed(env *Env, r *Result, prev *value.Map, msg string, had bool, val string) (*Result, error) {
	q := *m.Question
	cur := value.MapOf(q, val)
	before := value.NewMap(1)
	if had {
		v, _ := prev.Get(q)
		before.Set(q, v)
	} else {
		before.Set(q, "")
	}
	if env.Diff {
		r.Diff = []Diff{{Before: jsonDiff(map[string]any{q: mustGet(before, q)}), After: jsonDiff(map[string]any{q: val})}}
	}
	return r.Set("msg", msg).Set("current", cur).Set("previous", before), nil
}

func mustGet(m *value.Map, k string) any {
	v, _ := m.Get(k)
	return v
}

var _ Module = (*Debconf)(nil)
