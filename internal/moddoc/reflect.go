package moddoc

import (
	"reflect"

	"github.com/fjord-run/fjord/modules"
)

// reflectElem is the struct type a module's New (an engine action's
// Args) returns a pointer to.
func reflectElem(in *modules.Info) reflect.Type {
	var v any
	if in.New != nil {
		v = in.New()
	} else {
		v = in.Args()
	}
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
