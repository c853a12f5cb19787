package moddoc

import (
	"reflect"

	"github.com/fjord-run/fjord/modules"
)

// reflectElem is the struct type a module's New returns a pointer to.
func reflectElem(in *modules.Info) reflect.Type {
	t := reflect.TypeOf(in.New())
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
