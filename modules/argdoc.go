package modules

import (
	"reflect"
	"sort"
)

// ArgInfo describes one argument of a module as its `arg` tag and Go
// type declare it; docs/modules.md is generated from these and the
// fields' doc comments.
type ArgInfo struct {
	Name     string
	Aliases  []string
	Required bool
	Default  *string // nil: no default
	Choices  []string
	// Type is Ansible's name for the argument's type: str, bool, int,
	// float, dict, raw, and "list of" one of them.
	Type string
	// Owner is the struct declaring the field: the module's own args
	// struct, or an embedded one holding shared arguments (FileAttrs).
	Owner reflect.Type
	Field string
}

// Args lists a module's arguments in declaration order; none for a Raw
// module.
func Args(info *Info) ([]ArgInfo, error) {
	if info.Raw {
		return nil, nil
	}
	specs, _, err := infoSpecs(info)
	if err != nil {
		return nil, err
	}
	out := make([]ArgInfo, len(specs))
	for i, s := range specs {
		out[i] = ArgInfo{Name: s.name, Aliases: s.aliases, Required: s.required, Default: s.def,
			Choices: s.choices, Type: ansibleType(s.field.Type), Owner: s.owner, Field: s.field.Name}
	}
	return out, nil
}

func ansibleType(t reflect.Type) string {
	if t == mapType {
		return "dict"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return ansibleType(t.Elem())
	case reflect.String:
		return "str"
	case reflect.Bool:
		return "bool"
	case reflect.Int:
		return "int"
	case reflect.Float64:
		return "float"
	case reflect.Slice:
		return "list of " + ansibleType(t.Elem())
	}
	return "raw"
}

// Infos returns every registered module once, sorted by ID.
func Infos() []*Info {
	seen := map[*Info]bool{}
	var out []*Info
	for _, in := range registry {
		if !seen[in] {
			seen[in] = true
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
