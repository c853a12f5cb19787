package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestReorderArgs(t *testing.T) {
	spec := specOf((&playbookOptions{}).flags())
	for _, tc := range []struct {
		in, want string
	}{
		{"site.yml -i inv -C", "--inventory inv --check -- site.yml"},
		{"-i inv site.yml", "--inventory inv -- site.yml"},
		{"a.yml -e x=1 b.yml --check", "--extra-vars x=1 --check -- a.yml b.yml"},
		{"--inventory-file=inv -i h1,h2, x.yml", "--inventory=inv --inventory h1,h2, -- x.yml"},
		{"-vvv x.yml", "--verbose --verbose --verbose -- x.yml"},
		{"-vvvv", "--verbose --verbose --verbose --verbose"},
		{"-bK -CD", "--become --ask-become-pass --check --diff"},
		{"-iinv -e@vars.yml -l=web", "--inventory inv --extra-vars @vars.yml --limit web"},
		{"-vi inv", "--verbose --inventory inv"},
		{"-e -x", "--extra-vars -x"},
		{"--key-file k --private-key j", "--private-key k --private-key j"},
		{"x.yml -- -odd.yml --check", "-- x.yml -odd.yml --check"},
		{"-Z x.yml", "-Z -- x.yml"},
		{"--nope=1 x.yml", "--nope=1 -- x.yml"},
		{"x.yml -i", "--inventory -- x.yml"},
		{"- x.yml", "-- - x.yml"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := reorderArgs(strings.Fields(tc.in), spec)
			if want := strings.Fields(tc.want); !reflect.DeepEqual(got, want) {
				t.Errorf("reorderArgs(%q)\n got %q\nwant %q", tc.in, got, want)
			}
		})
	}
}

func TestVerbosity(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, 0},
		{[]string{"-v"}, 1},
		{[]string{"-vv"}, 2},
		{[]string{"-vvv"}, 3},
		{[]string{"-vvvv"}, 4},
		{[]string{"-v", "--verbose", "-vv"}, 4},
		{[]string{"-vCv"}, 2},
	} {
		te := newTestEnv(t)
		if code := te.playbook(append(tc.args, "site.yml")...); code != 0 {
			t.Fatalf("%q: exit %d: %s", tc.args, code, te.errOut.String())
		}
		if te.got.Verbosity != tc.want {
			t.Errorf("%q: Verbosity = %d, want %d", tc.args, te.got.Verbosity, tc.want)
		}
	}
}
