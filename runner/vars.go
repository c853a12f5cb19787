package runner

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/inventory"
	"github.com/fjord-run/fjord/modules/external"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// hostState is what the run knows about one host beyond its inventory:
// facts, set_fact/register results, include_vars results, and status.
// Maps are replaced, never modified in place, so readers (hostvars from
// other hosts' tasks) can take a snapshot under the read lock.
type hostState struct {
	name string
	inv  *inventory.Host

	mu      sync.RWMutex
	invVars *value.Map // inventory-level precedence, merged
	facts   *value.Map // ansible_facts
	// bare names the facts a module returned without the ansible_
	// prefix (getent_passwd): injected as vars under that name, as
	// ansible's inject_facts_as_vars does, not as ansible_<name>.
	// Replaced, never changed in place.
	bare        map[string]bool
	includeVars *value.Map // include_vars
	setFacts    *value.Map // set_fact and register

	// run status, touched by the host's own goroutine or the scheduler
	failed      bool
	unreachable bool
	ended       bool // meta: end_host / end_play
	notified    map[*playbook.Task]bool

	failedTask, failedResult *value.Map // ansible_failed_task / _result
}

func newHostState(name string, h *inventory.Host) *hostState {
	return &hostState{name: name, inv: h, facts: value.NewMap(0), includeVars: value.NewMap(0),
		setFacts: value.NewMap(0), notified: map[*playbook.Task]bool{}}
}

func (h *hostState) snapshot() (invVars, facts, incl, set *value.Map) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.invVars, h.facts, h.includeVars, h.setFacts
}

func (h *hostState) setFact(k string, v any) {
	h.mu.Lock()
	m := h.setFacts.Clone()
	m.Set(k, v)
	h.setFacts = m
	h.mu.Unlock()
}

func (h *hostState) setIncludeVars(vars *value.Map) {
	h.mu.Lock()
	m := h.includeVars.Clone()
	vars.Range(func(k string, v any) bool { m.Set(k, v); return true })
	h.includeVars = m
	h.mu.Unlock()
}

// addFacts merges facts into the host's. bare: the facts come from a
// module's result, where a name without the ansible_ prefix is injected
// under that name; gathered facts are all ansible_<name>.
func (h *hostState) addFacts(f *value.Map, bare bool) {
	h.mu.Lock()
	m := h.facts.Clone()
	var names map[string]bool
	f.Range(func(k string, v any) bool {
		// facts come from the host: data, never templates (ansible's
		// wrap_var of ansible_facts)
		name := strings.TrimPrefix(k, "ansible_")
		m.Set(name, value.MarkUnsafe(v))
		if bare && name == k || h.bare[name] {
			if names == nil {
				names = make(map[string]bool, len(h.bare)+1)
				for n, b := range h.bare {
					names[n] = b
				}
			}
			names[name] = bare && name == k
		}
		return true
	})
	h.facts = m
	if names != nil {
		h.bare = names
	}
	h.mu.Unlock()
}

func (h *hostState) bareFacts() map[string]bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.bare
}

// factVars is the facts layer: ansible_facts itself plus each fact as
// ansible_<name> (Ansible's inject_facts_as_vars), or under its own name
// for one returned without the prefix; not one that clean_facts refuses.
func factVars(facts *value.Map, bare map[string]bool) *value.Map {
	out := value.NewMap(facts.Len() + 1)
	out.Set("ansible_facts", facts)
	facts.Range(func(k string, v any) bool {
		name := k
		if !bare[k] && !strings.HasPrefix(k, "ansible_") {
			name = "ansible_" + k
		}
		// a fact such as ansible_user stays under ansible_facts but
		// does not become the host's connection variable (clean_facts)
		if !external.RestrictedFact(name) {
			out.Set(name, v)
		}
		return true
	})
	return out
}

// scope resolves variables for one host and task in Ansible's precedence.
// Values are templated when read, not when defined. A scope is used by one
// goroutine.
type scope struct {
	r         *run
	layers    []*value.Map // low to high
	cache     map[string]any
	resolving map[string]bool
	search    func(kind string) []string
	check     bool
	diff      bool
}

var _ templates.Vars = (*scope)(nil)

// Lookup implements templates.Vars: the error is a variable that is
// defined but does not resolve (a vault that does not open, a template in
// it that fails, a definition that refers to itself).
func (s *scope) Lookup(name string) (any, bool, error) {
	if v, ok := s.cache[name]; ok {
		return v, true, nil
	}
	switch name {
	case "vars":
		return &varsView{s: s}, true, nil
	case "ansible_check_mode":
		return s.check, true, nil
	case "ansible_diff_mode":
		return s.diff, true, nil
	}
	raw, ok := s.raw(name)
	if !ok {
		return nil, false, nil
	}
	v, err := s.templatize(name, raw)
	if err != nil {
		return nil, false, err
	}
	if s.cache == nil {
		s.cache = map[string]any{}
	}
	s.cache[name] = v
	return v, true, nil
}

// raw is a variable's value as set, before templating: the highest layer
// that has it wins.
func (s *scope) raw(name string) (any, bool) {
	for i := len(s.layers) - 1; i >= 0; i-- {
		if v, ok := s.layers[i].Get(name); ok {
			return v, true
		}
	}
	return nil, false
}

func (s *scope) templatize(name string, raw any) (any, error) {
	raw, err := s.r.openVaults(raw)
	if err != nil {
		return nil, err
	}
	// ansible_failed_task is data (wrap_var'd in ansible), keys included:
	// a free-form set_fact's templated key is not rendered again.
	if !needsTemplating(raw) || name == "ansible_failed_task" {
		return raw, nil
	}
	if s.resolving == nil {
		s.resolving = map[string]bool{}
	}
	if s.resolving[name] {
		return nil, fmt.Errorf("recursive loop detected in template string: %s", name)
	}
	s.resolving[name] = true
	defer delete(s.resolving, name)
	v, err := s.r.eng.Templatize(raw, s)
	var ue *templates.UndefinedError
	if err != nil && errors.As(err, &ue) {
		// ansible's AnsibleJ2Vars: a variable whose template meets an
		// undefined is an undefined whose message says which template.
		err = &templates.UndefinedError{Hint: value.String(raw) + ": " + err.Error()}
	}
	return v, err
}

// SearchPaths implements templates.SearchPather for lookups.
func (s *scope) SearchPaths(kind string) []string {
	if s.search == nil {
		return nil
	}
	return s.search(kind)
}

func needsTemplating(v any) bool {
	switch v := v.(type) {
	case string:
		return templates.IsTemplate(v)
	case []any:
		for _, e := range v {
			if needsTemplating(e) {
				return true
			}
		}
	case *value.Map:
		found := false
		v.Range(func(k string, e any) bool {
			if needsTemplating(e) || templates.IsTemplate(k) {
				found = true
				return false
			}
			return true
		})
		return found
	}
	return false
}

// render templates a value in this scope.
func (s *scope) render(v any) (any, error) {
	v, err := s.r.openVaults(v)
	if err != nil {
		return nil, err
	}
	if !needsTemplating(v) {
		if u, ok := v.(value.Unsafe); ok {
			return string(u), nil
		}
		return v, nil
	}
	return s.r.eng.Templatize(v, s)
}

func (s *scope) renderString(v any) (string, error) {
	r, err := s.render(v)
	if err != nil {
		return "", err
	}
	if r == nil {
		return "", nil
	}
	return value.String(r), nil
}

func (s *scope) renderBool(v any, def bool) (bool, error) {
	if v == nil {
		return def, nil
	}
	r, err := s.render(v)
	if err != nil {
		return false, err
	}
	return value.Bool(r), nil
}

// renderStrictBool renders keyword name's value v and converts it as
// ansible's FieldAttribute isa='bool' does: boolean(strict=True).
func (s *scope) renderStrictBool(name string, v any) (bool, error) {
	r, err := s.render(v)
	if err != nil {
		return false, err
	}
	if r == nil {
		return false, nil
	}
	b, ok := value.Boolean(r)
	if !ok {
		return false, fmt.Errorf("the field '%s' has an invalid value (%s), and could not be converted to an bool.The error was: The value '%s' is not a valid boolean.  Valid booleans include: %s",
			name, value.String(v), value.String(r), validBooleans)
	}
	return b, nil
}

// validBooleans lists ansible's BOOLEANS (Python prints the set in its
// hash order, which varies from run to run).
const validBooleans = "'y', 'yes', 'on', '1', 'true', 't', 1, 1.0, True, 'n', 'no', 'off', '0', 'false', 'f', 0, 0.0, False"

// cond evaluates when-style conditions, all of which must hold.
func (s *scope) cond(conds []any) (bool, error) {
	for _, c := range conds {
		c, at := playbook.Unplace(c)
		switch c := c.(type) {
		case bool:
			if !c {
				return false, nil
			}
			continue
		case nil:
			continue
		}
		ok, err := s.r.eng.Cond(value.String(c), s)
		if err != nil {
			return false, at.Fail(err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// varsView is the `vars` magic variable: every variable in scope.
type varsView struct{ s *scope }

// Get reads a variable that does not resolve as missing; templates read
// vars.x through Lookup, which keeps the error.
func (v *varsView) Get(k string) (any, bool) {
	x, ok, err := v.s.Lookup(k)
	return x, ok && err == nil
}

func (v *varsView) Lookup(k string) (any, bool, error) { return v.s.Lookup(k) }
func (v *varsView) Keys() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range v.s.layers {
		for _, k := range l.Keys() {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// hostvarsView is `hostvars`: every inventory host, lazily.
type hostvarsView struct {
	r    *run
	play *playRun
}

func (h *hostvarsView) Get(name string) (any, bool) {
	hs := h.r.hostState(name)
	if hs == nil {
		return nil, false
	}
	return &hostView{r: h.r, play: h.play, h: hs}, true
}

func (h *hostvarsView) Keys() []string { return h.r.allHostNames() }

// hostView is hostvars[h]: the host's variables without task context.
type hostView struct {
	r    *run
	play *playRun
	h    *hostState
	sc   *scope
	mu   sync.Mutex
}

func (v *hostView) scope() *scope {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.sc == nil {
		v.sc = v.r.newScope(nil, v.h, nil, nil) // hostvars: no play or role vars, as Ansible
	}
	return v.sc
}

// Get reads a variable that does not resolve as missing; templates read
// hostvars[h].x through Lookup, which keeps the error.
func (v *hostView) Get(k string) (any, bool) {
	x, ok, err := v.Lookup(k)
	return x, ok && err == nil
}

// Lookup templates the variable as ansible's HostVarsVars does, with
// fail_on_undefined=False: a string whose template meets an undefined
// variable is kept as written, in a list or dict too.
func (v *hostView) Lookup(k string) (any, bool, error) {
	sc := v.scope()
	v.mu.Lock()
	defer v.mu.Unlock()
	x, ok, err := sc.Lookup(k)
	var ue *templates.UndefinedError
	if err == nil || !errors.As(err, &ue) {
		return x, ok, err
	}
	raw, found := sc.raw(k)
	if !found {
		return x, ok, err
	}
	x, err = sc.templatizeLenient(raw)
	return x, err == nil, err
}

// templatizeLenient is templatize with fail_on_undefined=False: each
// string that meets an undefined variable stays as it is.
func (s *scope) templatizeLenient(raw any) (any, error) {
	raw, err := s.r.openVaults(raw)
	if err != nil {
		return nil, err
	}
	switch x := raw.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if out[i], err = s.templatizeLenient(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *value.Map:
		out := value.NewMap(x.Len())
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			r, err := s.templatizeLenient(e)
			if err != nil {
				return nil, err
			}
			out.Set(k, r)
		}
		return out, nil
	}
	v, err := s.r.eng.Templatize(raw, s)
	var ue *templates.UndefinedError
	if err != nil && errors.As(err, &ue) {
		return raw, nil
	}
	return v, err
}

func (v *hostView) Keys() []string {
	return (&varsView{s: v.scope()}).Keys()
}

// VarNames implements templates.VarNamer: the variables in scope in the
// order ansible's variables dict has them (each where it first appears,
// lowest precedence first), then the magic ones the scope answers itself.
func (s *scope) VarNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range s.layers {
		for _, k := range l.Keys() {
			if !seen[k] && k != "__fjord_terms" {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	for _, k := range []string{"vars", "ansible_check_mode", "ansible_diff_mode"} {
		if !seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// MatchHosts implements templates.HostMatcher over the whole inventory.
func (s *scope) MatchHosts(patterns []string) ([]string, error) {
	hosts, err := s.r.inv.SelectAll(strings.Join(patterns, ","))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h.Name
	}
	return out, nil
}

// ConfigValue implements templates.ConfigReader from Options.Config.
func (s *scope) ConfigValue(name string) (any, bool) {
	if s.r.o.Config == nil {
		return nil, false
	}
	v, ok := s.r.o.Config(name)
	if l, isList := v.([]string); isList {
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = e
		}
		v = out
	}
	return v, ok
}
