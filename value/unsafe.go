package value

// MarkUnsafe returns v with every string in it, map keys aside, made
// Unsafe: data that came from a host (a module's result, gathered facts)
// is never templated again, as ansible-core wraps every module result
// with wrap_var. Maps and lists are copied; v is not changed.
func MarkUnsafe(v any) any {
	switch x := v.(type) {
	case string:
		return Unsafe(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = MarkUnsafe(e)
		}
		return out
	case *Map:
		out := NewMap(x.Len())
		x.Range(func(k string, e any) bool { out.Set(k, MarkUnsafe(e)); return true })
		return out
	}
	return v
}

// StripUnsafe returns v with every Unsafe string made a plain string.
// Module arguments go through it: a module templates nothing, so the mark
// means nothing there, and argument decoding wants plain strings.
func StripUnsafe(v any) any {
	switch x := v.(type) {
	case Unsafe:
		return string(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = StripUnsafe(e)
		}
		return out
	case *Map:
		out := NewMap(x.Len())
		x.Range(func(k string, e any) bool { out.Set(k, StripUnsafe(e)); return true })
		return out
	}
	return v
}
