package modules

import "strings"

// MissingArgsError is a module task without arguments its module
// requires. The loader tells it apart: module_defaults may still supply
// them.
type MissingArgsError struct {
	Names []string
}

func (e *MissingArgsError) Error() string {
	return "missing required arguments: " + strings.Join(e.Names, ", ")
}
