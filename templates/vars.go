package templates

import (
	"errors"

	"github.com/fjord-run/fjord/value"
)

// Vars resolves variables lazily: Lookup is called only for the names a
// template uses, at most once per name and render.
//
// A name that is defined but whose value cannot be resolved (a recursive
// definition, a template in it that fails) gives an error. The render
// reads the name as undefined, so that default() and "is defined" still
// see a lazy undefined as Ansible does, and if the render fails, it fails
// with that error (the first one met, wrapped in a *VarError), which says
// more than "'x' is undefined". A value.Getter that also implements Vars
// (hostvars, vars) is read through Lookup for x.name and x['name'].
type Vars interface {
	Lookup(name string) (v any, ok bool, err error)
}

// VarError is a render that failed after a variable it read could not be
// resolved: Err is why the variable could not be. Its text is Err's.
type VarError struct {
	Name string
	Err  error
}

func (e *VarError) Error() string { return e.Err.Error() }
func (e *VarError) Unwrap() error { return e.Err }

// SearchPather is implemented by Vars that know where the file, template,
// fileglob and first_found lookups should look (role files/ or templates/
// directories, the playbook directory...). kind is "files" or "templates".
type SearchPather interface {
	SearchPaths(kind string) []string
}

// MapVars adapts a plain map to Vars.
type MapVars map[string]any

// Lookup implements Vars.
func (m MapVars) Lookup(name string) (any, bool, error) { v, ok := m[name]; return v, ok, nil }

// VarsOf adapts a mapping (a *value.Map of variables) to Vars.
func VarsOf(g value.Getter) Vars { return getterVars{g} }

type getterVars struct{ g value.Getter }

func (v getterVars) Lookup(name string) (any, bool, error) {
	x, ok := v.g.Get(name)
	return x, ok, nil
}

// name resolves a variable: template locals, then the extra variables, then
// the caller's Vars (looked up once per render), then globals.
func (s *state) name(sc *scope, n string) any {
	if v, ok := sc.get(n); ok {
		return v
	}
	if s.noContext {
		if g, ok := globals[n]; ok {
			return g
		}
		return undefName(n)
	}
	if v, ok := s.extra[n]; ok {
		return v
	}
	if v, ok := s.seen[n]; ok {
		return v
	}
	if s.vars != nil {
		if v, ok := s.lookupVar(s.vars, n); ok {
			if s.seen == nil {
				s.seen = map[string]any{}
			}
			s.seen[n] = v
			return v
		}
	}
	if g, ok := globals[n]; ok {
		return g
	}
	return undefName(n)
}

// lookupVar reads name from vars; a variable that cannot be resolved reads
// as missing, and its error is kept for the render's (see Vars).
func (s *state) lookupVar(vars Vars, name string) (any, bool) {
	v, ok, err := vars.Lookup(name)
	if err != nil {
		if s.varErr == nil {
			var ve *VarError
			if !errors.As(err, &ve) {
				err = &VarError{Name: name, Err: err}
			}
			s.varErr = err
		}
		return nil, false
	}
	return v, ok
}

// member reads obj.name from a mapping whose values may fail to resolve
// (vars, hostvars[h]) through its Lookup, so that the failure is kept.
func (s *state) member(obj any, name string) (any, bool) {
	vv, ok := plain(obj).(Vars)
	if !ok {
		return nil, false
	}
	return s.lookupVar(vv, name)
}
