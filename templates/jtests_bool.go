package templates

// Jinja2's true and false tests: `value is True`, `value is False`, so
// 1 is not true.
func init() {
	for name, want := range map[string]bool{"true": true, "false": false} {
		want := want
		if _, ok := jtests[name]; ok {
			continue
		}
		jtests[name] = func(s *state, in any, a []any, k map[string]any) (bool, error) {
			b, ok := in.(bool)
			return ok && b == want, nil
		}
	}
}
