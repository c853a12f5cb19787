package runner

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/inventory"
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
	// plainFacts are the facts a module returned without the ansible_
	// prefix (getent_passwd): Ansible injects them as variables under
	// their own name.
	plainFacts  *value.Map
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

// plain is the host's facts that Ansible injects under their own name.
func (h *hostState) plain() *value.Map {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.plainFacts
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

func (h *hostState) addFacts(f *value.Map) {
	h.mu.Lock()
	m := h.facts.Clone()
	var plain *value.Map
	f.Range(func(k string, v any) bool {
		// facts come from the host: data, never templates (ansible's
		// wrap_var of ansible_facts)
		m.Set(strings.TrimPrefix(k, "ansible_"), value.MarkUnsafe(v))
		if !strings.HasPrefix(k, "ansible_") {
			if plain == nil {
				plain = value.NewMap(1)
				if h.plainFacts != nil {
					plain = h.plainFacts.Clone()
				}
			}
			plain.Set(k, value.MarkUnsafe(v))
		}
		return true
	})
	if plain != nil {
		h.plainFacts = plain
	}
	h.facts = m
	h.mu.Unlock()
}

// factVars is the facts layer: ansible_facts itself plus each fact as
// ansible_<name> (Ansible's inject_facts_as_vars).
func factVars(facts *value.Map) *value.Map {
	out := value.NewMap(facts.Len() + 1)
	out.Set("ansible_facts", facts)
	facts.Range(func(k string, v any) bool {
		if !strings.HasPrefix(k, "ansible_") {
			out.Set("ansible_"+k, v)
		} else {
			out.Set(k, v)
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
	for i := len(s.layers) - 1; i >= 0; i-- {
		raw, ok := s.layers[i].Get(name)
		if !ok {
			continue
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
	return nil, false, nil
}

func (s *scope) templatize(name string, raw any) (any, error) {
	raw, err := s.r.openVaults(raw)
	if err != nil {
		return nil, err
	}
	if !needsTemplating(raw) {
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
	return s.r.eng.Templatize(raw, s)
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

func (v *hostView) Lookup(k string) (any, bool, error) {
	sc := v.scope()
	v.mu.Lock()
	defer v.mu.Unlock()
	return sc.Lookup(k)
}

func (v *hostView) Keys() []string {
	return (&varsView{s: v.scope()}).Keys()
}
