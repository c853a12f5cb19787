package runner

import "testing"

func TestTagsMatch(t *testing.T) {
	cases := []struct {
		only, skip []string
		tags       []string
		want       bool
	}{
		{nil, nil, nil, true},
		{nil, nil, []string{"never"}, false},
		{[]string{"a"}, nil, []string{"a"}, true},
		{[]string{"a"}, nil, []string{"b"}, false},
		{[]string{"a"}, nil, []string{"always"}, true},
		{[]string{"a"}, nil, []string{"never", "a"}, true},
		{nil, []string{"a"}, []string{"a"}, false},
		{nil, []string{"always"}, []string{"always"}, false},
		{[]string{"tagged"}, nil, []string{"x"}, true},
		{[]string{"untagged"}, nil, nil, true},
		{[]string{"untagged"}, nil, []string{"x"}, false},
	}
	for _, c := range cases {
		r := &run{o: &Options{Tags: c.only, SkipTags: c.skip}}
		if got := r.tagsMatch(c.tags); got != c.want {
			t.Errorf("tags=%v skip=%v task=%v: got %v", c.only, c.skip, c.tags, got)
		}
	}
}
