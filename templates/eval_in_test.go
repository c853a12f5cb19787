package templates

import "testing"

func TestInBindsLooserThanFilters(t *testing.T) {
	e := New()
	vars := MapVars{"l": []any{1, 2}, "v": 3, "m": []any{map[string]any{}}}
	for _, c := range []struct {
		cond string
		want bool
	}{
		{"v in l | union([v])", true},
		{"v not in l | union([v])", false},
		{"v in l", false},
		{"1 in l | map('int') | list", true},
		{"'x' in ['a'] | map('upper') | list", false},
	} {
		got, err := e.Cond(c.cond, vars)
		if err != nil || got != c.want {
			t.Errorf("%s = %v, %v; want %v", c.cond, got, err, c.want)
		}
	}
}
