package templates

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// omitValue is nothing special: omit is a variable the runner defines.

// namespace is Jinja2's namespace(): the one object a {% set %} inside a loop
// can modify.
type namespace struct{ m *value.Map }

// macro is a {% macro %} bound to the state it was defined in.
type macro struct {
	def *macroNode
	sc  *scope
	// noContext: defined in a template imported without context, the
	// macro sees the globals, not the variables, wherever it is called.
	noContext bool
}

// callable is a global function or a bound method.
type callable func(s *state, args []any, kw map[string]any) (any, error)

// loopInfo is the `loop` variable inside a for loop.
type loopInfo struct {
	index0, length, depth0 int
	items                  []any
}

func typeName(v any) string {
	switch x := v.(type) {
	case *value.Map: // a Getter too, but a dict
		return "dict"
	case value.Getter:
		return "HostVars"
	case *undefined:
		return "AnsibleUndefined"
	case *namespace:
		return "Namespace"
	case *tmplModule:
		return "TemplateModule"
	case *macro:
		return "Macro"
	case callable:
		return "function"
	case *loopInfo:
		return "LoopContext"
	case pyObject:
		return x.pyType()
	}
	return value.TypeName(v)
}

// toStr is Python's str() of a value as printed by a template.
func toStr(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case *undefined:
		return "", v.err
	case value.Unsafe:
		return string(v), nil
	case []any, *value.Map:
		return repr(v)
	case *namespace:
		r, err := repr(v.m)
		return "<Namespace " + r + ">", err
	case *tmplModule:
		return v.text, nil
	case *macro:
		return "<Macro '" + v.def.Name + "'>", nil
	case callable:
		return "<function>", nil
	case *loopInfo:
		return fmt.Sprintf("<LoopContext %d/%d>", v.index0+1, v.length), nil
	case pyObject:
		return v.pyStr(), nil
	}
	return value.String(v), nil
}

// repr is Python's repr(); an undefined inside a container is an error.
func repr(v any) (string, error) {
	var b strings.Builder
	err := reprTo(&b, v)
	return b.String(), err
}

func reprTo(b *strings.Builder, v any) error {
	switch v := v.(type) {
	case *undefined:
		return v.err
	case string, value.Unsafe:
		b.WriteString(value.Repr(v))
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := reprTo(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case *value.Map:
		b.WriteByte('{')
		for i, k := range v.Keys() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(value.Repr(k))
			b.WriteString(": ")
			e, _ := v.Get(k)
			if err := reprTo(b, e); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case value.Getter:
		b.WriteString(value.Repr(v))
	case pyObject:
		b.WriteString(v.pyRepr())
	default:
		s, err := toStr(v)
		if err != nil {
			return err
		}
		b.WriteString(s)
	}
	return nil
}

// truth is Python's bool(); an undefined is an error.
func truth(v any) (bool, error) {
	switch v := v.(type) {
	case *undefined:
		return false, v.err
	case *namespace, *macro, callable, *loopInfo, datetime:
		return true, nil
	case timedelta:
		return v.us != 0, nil
	}
	return value.Truthy(v), nil
}

// plainStr unwraps value.Unsafe.
func plain(v any) any {
	if u, ok := v.(value.Unsafe); ok {
		return string(u)
	}
	return v
}

func asString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case value.Unsafe:
		return string(v), true
	}
	return "", false
}

func asNumber(v any) (float64, bool, bool) { // value, isNumber, isFloat
	switch v := v.(type) {
	case int:
		return float64(v), true, false
	case float64:
		return v, true, true
	case bool:
		if v {
			return 1, true, false
		}
		return 0, true, false
	}
	return 0, false, false
}

func asInt(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// equal is Python's ==.
func equal(a, b any) bool {
	a, b = plain(a), plain(b)
	if x, ok, _ := asNumber(a); ok {
		if y, ok, _ := asNumber(b); ok {
			return x == y
		}
		return false
	}
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		s, ok := b.(string)
		return ok && s == a
	case []any:
		l, ok := b.([]any)
		if !ok || len(l) != len(a) {
			return false
		}
		for i := range a {
			if !equal(a[i], l[i]) {
				return false
			}
		}
		return true
	case value.Getter:
		m, ok := b.(value.Getter)
		if !ok {
			return false
		}
		ka, kb := a.Keys(), m.Keys()
		if len(ka) != len(kb) {
			return false
		}
		for _, k := range ka {
			x, _ := a.Get(k)
			y, ok := m.Get(k)
			if !ok || !equal(x, y) {
				return false
			}
		}
		return true
	case *namespace:
		return a == b
	case *undefined:
		return false
	case pyObject:
		c, ok := a.pyCompare(b)
		return ok && c == 0
	}
	return false
}

// compare is Python's ordering; mixed types are a TypeError.
func compare(a, b any) (int, error) {
	a, b = plain(a), plain(b)
	if u, ok := a.(*undefined); ok {
		return 0, u.err
	}
	if u, ok := b.(*undefined); ok {
		return 0, u.err
	}
	if x, ok, _ := asNumber(a); ok {
		if y, ok, _ := asNumber(b); ok {
			switch {
			case x < y:
				return -1, nil
			case x > y:
				return 1, nil
			}
			return 0, nil
		}
	}
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	}
	if x, ok := a.([]any); ok {
		if y, ok := b.([]any); ok {
			for i := 0; i < len(x) && i < len(y); i++ {
				if equal(x[i], y[i]) {
					continue
				}
				return compare(x[i], y[i])
			}
			return compare(len(x), len(y))
		}
	}
	if x, ok := a.(pyObject); ok {
		if c, ok := x.pyCompare(b); ok {
			return c, nil
		}
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", pyQualName(a), pyQualName(b))
}

// contains is Python's `in`.
func contains(container, item any) (bool, error) {
	if u, ok := container.(*undefined); ok {
		return false, u.err
	}
	if u, ok := item.(*undefined); ok {
		return false, u.err
	}
	switch c := plain(container).(type) {
	case string:
		s, ok := asString(item)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(c, s), nil
	case []any:
		for _, e := range c {
			if equal(e, item) {
				return true, nil
			}
		}
		return false, nil
	case value.Getter:
		k, ok := mapKey(item)
		if !ok {
			return false, nil
		}
		_, found := c.Get(k)
		return found, nil
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", typeName(container))
}

// mapKey turns a value into a dict key: fjord maps are keyed by strings.
func mapKey(v any) (string, bool) {
	switch v := plain(v).(type) {
	case string:
		return v, true
	case int, float64, bool, nil:
		return value.String(v), true
	}
	return "", false
}

// iterate lists what a for loop walks over.
func iterate(v any) ([]any, error) {
	switch v := plain(v).(type) {
	case *undefined:
		return nil, v.err
	case []any:
		return v, nil
	case string:
		out := make([]any, 0, len(v))
		for _, r := range v {
			out = append(out, string(r))
		}
		return out, nil
	case *value.Map:
		out := make([]any, 0, v.Len())
		for _, k := range v.Keys() {
			out = append(out, k)
		}
		return out, nil
	case value.Getter:
		ks := append([]string(nil), v.Keys()...)
		sort.Strings(ks)
		out := make([]any, len(ks))
		for i, k := range ks {
			out[i] = k
		}
		return out, nil
	case *loopInfo:
		return v.items, nil
	}
	return nil, fmt.Errorf("'%s' object is not iterable", typeName(v))
}

func length(v any) (int, error) {
	switch v := plain(v).(type) {
	case *undefined:
		return 0, v.err
	case string:
		return len([]rune(v)), nil
	case []any:
		return len(v), nil
	case *value.Map:
		return v.Len(), nil
	case value.Getter:
		return len(v.Keys()), nil
	}
	return 0, fmt.Errorf("object of type '%s' has no len()", typeName(v))
}

// getattr is Jinja2's obj.name: attribute first, then item.
func getattr(obj any, name string) any {
	switch o := plain(obj).(type) {
	case *undefined:
		return o
	case []any:
		if len(o) == 2 && (name == "grouper" || name == "list") {
			return getitem(o, name)
		}
	case *namespace:
		if v, ok := o.m.Get(name); ok {
			return v
		}
	case *tmplModule:
		if v, ok := o.m.Get(name); ok {
			return v
		}
	case *loopInfo:
		if v, ok := o.attr(name); ok {
			return v
		}
	case *recursiveLoop:
		if v, ok := o.attr(name); ok {
			return v
		}
	case pyObject:
		if v, ok := o.pyAttr(name); ok {
			return v
		}
	case value.Getter:
		if v, ok := o.Get(name); ok {
			return v
		}
	}
	return undefAttr(obj, name)
}

// getitem is Jinja2's obj[key]: item first, then attribute.
func getitem(obj, key any) any {
	switch o := plain(obj).(type) {
	case *undefined:
		return o
	case []any:
		// groupby's (grouper, list) pairs
		if k, ok := key.(string); ok && len(o) == 2 && (k == "grouper" || k == "list") {
			if k == "grouper" {
				return o[0]
			}
			return o[1]
		}
		if i, ok := asInt(key); ok {
			if i < 0 {
				i += len(o)
			}
			if i >= 0 && i < len(o) {
				return o[i]
			}
			return undefElem(o, i)
		}
	case string:
		if i, ok := asInt(key); ok {
			r := []rune(o)
			if i < 0 {
				i += len(r)
			}
			if i >= 0 && i < len(r) {
				return string(r[i])
			}
			return undefElem(o, i)
		}
	case value.Getter:
		if k, ok := mapKey(key); ok {
			if v, ok := o.Get(k); ok {
				return v
			}
			return undefAttr(obj, k)
		}
	}
	if s, ok := asString(key); ok {
		return getattr(obj, s)
	}
	return undefElem(obj, key)
}

func (l *loopInfo) attr(name string) (any, bool) {
	switch name {
	case "index":
		return l.index0 + 1, true
	case "index0":
		return l.index0, true
	case "revindex":
		return l.length - l.index0, true
	case "revindex0":
		return l.length - l.index0 - 1, true
	case "first":
		return l.index0 == 0, true
	case "last":
		return l.index0 == l.length-1, true
	case "length":
		return l.length, true
	case "depth":
		return l.depth0 + 1, true
	case "depth0":
		return l.depth0, true
	case "previtem":
		if l.index0 > 0 {
			return l.items[l.index0-1], true
		}
		return undefName("previtem"), true
	case "nextitem":
		if l.index0+1 < l.length {
			return l.items[l.index0+1], true
		}
		return undefName("nextitem"), true
	case "cycle":
		return callable(func(s *state, args []any, kw map[string]any) (any, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("no items for cycling given")
			}
			return args[l.index0%len(args)], nil
		}), true
	case "changed":
		return callable(func(s *state, args []any, kw map[string]any) (any, error) {
			return true, nil
		}), true
	}
	return nil, false
}

func parseIntStr(s string, base int) (int, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", ""))
	if base == 16 || base == 8 || base == 2 || base == 0 {
		l := strings.ToLower(s)
		for _, p := range []string{"0x", "0o", "0b"} {
			if strings.HasPrefix(l, p) || strings.HasPrefix(l, "-"+p) || strings.HasPrefix(l, "+"+p) {
				if base == 0 {
					base = map[string]int{"0x": 16, "0o": 8, "0b": 2}[p]
				}
				s = strings.Replace(l, p, "", 1)
			}
		}
		if base == 0 {
			base = 10
		}
	}
	i, err := strconv.ParseInt(s, base, 64)
	return int(i), err
}
