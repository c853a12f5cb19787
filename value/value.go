// Package value holds the data types that every other fjord package passes
// around: Ansible variables are YAML/JSON values, and YAML mappings keep the
// order they were written in (Python dicts do, and templates that iterate
// over d.items() must render in that order to stay idempotent).
//
// A variable value is one of: nil, bool, int, float64, string, []any, *Map,
// or a Getter (lazy containers such as hostvars). Nothing else.
package value

import (
	"encoding/json"
	"sort"
)

// Map is an insertion-ordered string-keyed map. The zero value is not
// usable; call NewMap.
type Map struct {
	keys []string
	m    map[string]any
}

// NewMap returns an empty map with room for n keys.
func NewMap(n int) *Map {
	return &Map{keys: make([]string, 0, n), m: make(map[string]any, n)}
}

// MapOf builds a map from alternating key/value pairs, for tests and literals.
func MapOf(kv ...any) *Map {
	m := NewMap(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

// Len returns the number of keys.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.keys)
}

// Get returns the value stored under k.
func (m *Map) Get(k string) (any, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.m[k]
	return v, ok
}

// Set stores v under k; a new key goes to the end, an existing key keeps
// its place.
func (m *Map) Set(k string, v any) {
	if _, ok := m.m[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.m[k] = v
}

// Delete removes k.
func (m *Map) Delete(k string) {
	if _, ok := m.m[k]; !ok {
		return
	}
	delete(m.m, k)
	for i, kk := range m.keys {
		if kk == k {
			m.keys = append(m.keys[:i:i], m.keys[i+1:]...)
			break
		}
	}
}

// Keys returns the keys in insertion order. The slice must not be modified.
func (m *Map) Keys() []string {
	if m == nil {
		return nil
	}
	return m.keys
}

// SortedKeys returns a sorted copy of the keys.
func (m *Map) SortedKeys() []string {
	ks := append([]string(nil), m.Keys()...)
	sort.Strings(ks)
	return ks
}

// Clone returns a shallow copy.
func (m *Map) Clone() *Map {
	if m == nil {
		return NewMap(0)
	}
	c := NewMap(len(m.keys))
	for _, k := range m.keys {
		c.Set(k, m.m[k])
	}
	return c
}

// Range calls f for each key in order until f returns false.
func (m *Map) Range(f func(k string, v any) bool) {
	if m == nil {
		return
	}
	for _, k := range m.keys {
		if !f(k, m.m[k]) {
			return
		}
	}
}

// MarshalJSON writes the keys in insertion order.
func (m *Map) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	buf := []byte{'{'}
	for i, k := range m.keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		kb, _ := json.Marshal(k)
		buf = append(buf, kb...)
		buf = append(buf, ':')
		vb, err := json.Marshal(m.m[k])
		if err != nil {
			return nil, err
		}
		buf = append(buf, vb...)
	}
	return append(buf, '}'), nil
}

// Getter is a lazy, read-only mapping (hostvars, a host's variables). Values
// are computed on access; Keys may be expensive.
type Getter interface {
	Get(key string) (any, bool)
	Keys() []string
}

var _ Getter = (*Map)(nil)
