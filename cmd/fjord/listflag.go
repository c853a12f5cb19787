package main

import "strings"

// listFlag collects every value of a repeatable flag verbatim. urfave/cli's
// StringSliceFlag would split on commas ("h1,h2," is one inventory source)
// and trim spaces.
type listFlag []string

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ", ")
}
