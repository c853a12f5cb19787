package templates

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"

	"github.com/fjord-run/fjord/internal/pyre"
	"github.com/fjord-run/fjord/value"
)

// The lookups that read variables and the inventory: vars, varnames,
// inventory_hostnames, random_choice.

// VarNamer is implemented by Vars that can list the variables in scope,
// in the order ansible's variables dict has them (the varnames lookup).
type VarNamer interface {
	VarNames() []string
}

// HostMatcher is implemented by Vars that can match host patterns
// against the whole inventory, as the inventory_hostnames lookup does
// (no --limit applies: ansible builds it from the groups variable).
type HostMatcher interface {
	MatchHosts(patterns []string) ([]string, error)
}

// pyStr is str(v) as a lookup's message shows a term.
func pyStr(v any) string {
	if s, ok := asString(v); ok {
		return s
	}
	return value.String(v)
}

// variable is a variable of the render's available variables (not the
// template's own locals or Jinja's globals), resolved.
func (s *state) variable(name string) (any, bool, error) {
	if v, ok := s.extra[name]; ok {
		return v, true, nil
	}
	if s.vars == nil {
		return nil, false, nil
	}
	return s.vars.Lookup(name)
}

func lkVars(s *state, terms []any, kw map[string]any) ([]any, error) {
	def, hasDef := kw["default"]
	hasDef = hasDef && def != nil
	var out []any
	for _, t := range terms {
		name, ok := asString(t)
		if !ok {
			return nil, lkErr("AnsibleError", "Invalid setting identifier, \"%s\" is not a string, its a %s", pyStr(t), pyClass(t))
		}
		v, found, err := s.variable(name)
		if err == nil && !found {
			if hv, ok := s.hostVar(name); ok {
				v, found = hv, true
			}
		}
		var ue *UndefinedError
		switch {
		case err != nil && !errors.As(err, &ue):
			return nil, err
		case err == nil && found:
			if u, isU := v.(*undefined); isU {
				err = u.err
			} else {
				out = append(out, v)
				continue
			}
		case err == nil:
			err = lkErr("AnsibleUndefinedVariable", "No variable found with this name: %s", name)
		}
		if hasDef {
			out = append(out, def)
			continue
		}
		var le *LookupError
		if !errors.As(err, &le) {
			err = lkErr("AnsibleUndefinedVariable", "%s", err.Error())
		}
		return nil, err
	}
	return out, nil
}

// hostVar is hostvars[inventory_hostname][name], where the vars lookup
// looks second.
func (s *state) hostVar(name string) (any, bool) {
	hv, ok, _ := s.variable("hostvars")
	if !ok {
		return nil, false
	}
	ih, ok, _ := s.variable("inventory_hostname")
	if !ok {
		return nil, false
	}
	g, ok := asMapping(hv)
	if !ok {
		return nil, false
	}
	h, ok := g.Get(pyStr(ih))
	if !ok {
		return nil, false
	}
	hg, ok := asMapping(h)
	if !ok {
		return nil, false
	}
	return hg.Get(name)
}

func lkVarnames(s *state, terms []any, kw map[string]any) ([]any, error) {
	vn, ok := s.vars.(VarNamer)
	if !ok {
		return nil, lkErr("AnsibleError", "No variables available to search")
	}
	names := vn.VarNames()
	out := []any{}
	for _, t := range terms {
		pat, ok := asString(t)
		if !ok {
			return nil, lkErr("AnsibleError", "Invalid setting identifier, \"%s\" is not a string, it is a %s", pyStr(t), pyClass(t))
		}
		re, err := compilePyRegex(pat)
		if err != nil {
			return nil, lkErr("AnsibleError", "Unable to use \"%s\" as a search parameter: %s", pat, err.Error())
		}
		for _, n := range names {
			if re.MatchString(n) {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// compilePyRegex compiles a Python regular expression, with Python's
// words for a repetition with nothing before it.
func compilePyRegex(pat string) (*pyre.Regexp, error) {
	re, err := compileRegex(pat, "")
	if err != nil && strings.Contains(err.Error(), "missing argument to repetition operator") {
		return nil, fmt.Errorf("nothing to repeat at position %d", strings.IndexAny(pat, "*+?"))
	}
	return re, err
}

func lkRandomChoice(s *state, terms []any, kw map[string]any) ([]any, error) {
	if len(terms) == 0 {
		return terms, nil
	}
	return []any{terms[rand.Intn(len(terms))]}, nil
}

func lkInventoryHostnames(s *state, terms []any, kw map[string]any) ([]any, error) {
	hm, ok := s.vars.(HostMatcher)
	if !ok {
		return []any{}, nil
	}
	pats := make([]string, 0, len(terms))
	for _, t := range terms {
		pats = append(pats, pyStr(t))
	}
	hosts, err := hm.MatchHosts(pats)
	if err != nil {
		return []any{}, nil
	}
	out := make([]any, len(hosts))
	for i, h := range hosts {
		out[i] = h
	}
	return out, nil
}
