package main

import (
	"testing"
)

func TestInventoryActions(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"-i", "h1,"}, "ERROR! No action selected, at least one of --host, --graph or --list needs to be specified.\n"},
		{[]string{"--list", "--graph"}, "ERROR! Conflicting options used, only one of --host, --graph or --list can be used at the same time.\n"},
		{[]string{"--list", "--host", "h1"}, "ERROR! Conflicting options used, only one of --host, --graph or --list can be used at the same time.\n"},
		{[]string{"--list", "web"}, "ERROR! unexpected arguments: web\n"},
	} {
		te := newTestEnv(t)
		code := te.main(t.Context(), append([]string{"ansible-inventory"}, tc.args...))
		if code != 5 || te.errOut.String() != tc.stderr {
			t.Errorf("%q: exit %d, stderr %q; want 5, %q", tc.args, code, te.errOut.String(), tc.stderr)
		}
	}
}

func TestListYAML(t *testing.T) {
	in := `{
	  "_meta": {"hostvars": {"w1": {"port": 80, "tags": ["a"]}, "d1": {"x": "y"}}},
	  "all": {"children": ["ungrouped", "web", "db"]},
	  "web": {"hosts": ["w2", "w1"], "children": ["db"]},
	  "db": {"hosts": ["d1", "w1"]},
	  "ungrouped": {}
	}`
	want := `all:
  children:
    db:
      hosts:
        d1:
          x: "y"
        w1:
          port: 80
          tags:
            - a
    ungrouped: {}
    web:
      children:
        db: {}
      hosts:
        w1: {}
        w2: {}
`
	got, err := listYAML([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
