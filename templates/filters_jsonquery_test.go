package templates

import "testing"

func TestLegacyLiterals(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a[?s==`up`]", "a[?s==`\"up\"`]"},
		{"a[?n==`1`]", "a[?n==`1`]"},
		{"a[?s==`\"x\"`]", "a[?s==`\"x\"`]"},
		{"a[?s=='`x`']", "a[?s=='`x`']"},
		{"a[?s==`a\\`b`]", "a[?s==`\"a\\`b\"`]"},
		{"a[?s==`open", "a[?s==`open"},
	} {
		if got := legacyLiterals(tc.in); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestJSONQueryOrder(t *testing.T) {
	e := New()
	vars := MapVars{"d": []any{1, 2}}
	got, err := e.Render("{{ {'b': 1, 'a': {'z': 1, 'y': 2}}|json_query('{y: a, x: b}')|to_json }}", vars)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"y": {"z": 1, "y": 2}, "x": 1}`; got != want {
		t.Errorf("got %v, want %s", got, want)
	}
}
