package modules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// ValidateArgSpec checks parameters against an argument spec written as
// Ansible writes one in a role's meta/argument_specs.yml (the `options:`
// of an entry point): type, required, choices, elements, nested options.
// It returns Ansible's error messages, in Ansible's order (unsupported
// parameters, missing ones, types, then choices); none when valid. The
// parameters themselves are not changed: as in Ansible, validation does
// not convert or default role variables.
func ValidateArgSpec(spec, params *value.Map) []string {
	var unsupported []string
	errs := validateSpec(spec, params, nil, &unsupported)
	// As in Ansible, unsupported parameters are reported last.
	return append(errs, unsupported...)
}

// ctx is the path of parent options: messages name it as ansible's
// options_context, "a -> b"; unsupported parameters as "a.b.name".
func validateSpec(spec, params *value.Map, ctx []string, unsupportedOut *[]string) []string {
	if spec == nil {
		spec = value.NewMap(0)
	}
	if params == nil {
		params = value.NewMap(0)
	}
	suffix, quoted := "", ""
	if len(ctx) > 0 {
		suffix = " found in " + strings.Join(ctx, " -> ")
		quoted = " found in '" + strings.Join(ctx, " -> ") + "'"
	}
	var errs []string
	legal := map[string]string{} // name or alias -> option name
	for _, name := range spec.Keys() {
		legal[name] = name
		for _, a := range asAnyList(optField(spec, name, "aliases")) {
			legal[value.String(a)] = name
		}
	}
	var unsupported []string
	for _, k := range params.Keys() {
		if _, ok := legal[k]; !ok {
			if len(ctx) > 0 {
				k = strings.Join(ctx, ".") + "." + k
			}
			unsupported = append(unsupported, k)
		}
	}
	if len(unsupported) > 0 {
		sort.Strings(unsupported)
		var supported []string
		for _, k := range spec.Keys() {
			if al := asAnyList(optField(spec, k, "aliases")); len(al) > 0 {
				as := make([]string, len(al))
				for i, a := range al {
					as[i] = value.String(a)
				}
				sort.Strings(as)
				k += " (" + strings.Join(as, ", ") + ")"
			}
			supported = append(supported, k)
		}
		sort.Strings(supported)
		*unsupportedOut = append(*unsupportedOut, fmt.Sprintf("%s. Supported parameters include: %s.",
			strings.Join(unsupported, ", "), strings.Join(supported, ", ")))
	}
	get := func(name string) (any, bool) {
		if v, ok := params.Get(name); ok {
			return v, true
		}
		for _, a := range asAnyList(optField(spec, name, "aliases")) {
			if v, ok := params.Get(value.String(a)); ok {
				return v, true
			}
		}
		return nil, false
	}
	var missing []string
	for _, name := range spec.Keys() {
		if _, ok := get(name); !ok && value.Truthy(optField(spec, name, "required")) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		errs = append(errs, "missing required arguments: "+strings.Join(missing, ", ")+suffix)
	}
	converted := map[string]any{}
	for _, name := range spec.Keys() {
		v, ok := get(name)
		if !ok || v == nil {
			continue
		}
		typ := optString(spec, name, "type")
		if typ == "" {
			typ = "str"
		}
		cv, err := convertType(name, typ, v)
		if err != nil {
			msg := strings.ReplaceAll(err.Error(), pyType(v), specPyType(v))
			if quoted != "" {
				if i := strings.Index(msg, " and we were unable to convert to "); i >= 0 {
					msg = msg[:i] + quoted + "." + msg[i:]
				} else {
					msg += suffix
				}
			}
			errs = append(errs, msg)
			continue
		}
		converted[name] = cv
		if typ == "list" {
			if et := optString(spec, name, "elements"); et != "" {
				items := cv.([]any)
				for i, e := range items {
					ce, err := convertType(name, et, e)
					if err != nil {
						why := err.Error()
						if _, after, ok := strings.Cut(why, " and we were unable to convert to "+et+": "); ok {
							why = strings.ReplaceAll(after, pyType(e), specPyType(e))
						}
						errs = append(errs, fmt.Sprintf("Elements value for option '%s'%s is of type %s and we were unable to convert to %s: %s",
							name, quoted, specPyType(e), et, why))
						continue
					}
					items[i] = ce
				}
			}
		}
	}
	for _, name := range spec.Keys() {
		cv, ok := converted[name]
		if !ok {
			continue
		}
		choices := asAnyList(optField(spec, name, "choices"))
		if len(choices) == 0 {
			continue
		}
		if items, isList := cv.([]any); isList && optString(spec, name, "type") == "list" {
			var bad []string
			for _, e := range items {
				if !inChoices(e, choices) {
					bad = append(bad, value.String(e))
				}
			}
			if len(bad) > 0 {
				errs = append(errs, fmt.Sprintf("value of %s must be one or more of: %s. Got no match for: %s%s",
					name, joinChoices(choices), strings.Join(bad, ", "), suffix))
			}
			continue
		}
		if !inChoices(cv, choices) {
			errs = append(errs, fmt.Sprintf("value of %s must be one of: %s, got: %s%s", name, joinChoices(choices), value.String(cv), suffix))
		}
	}
	// Nested options of dicts and lists of dicts.
	for _, name := range spec.Keys() {
		sub, ok := optField(spec, name, "options").(*value.Map)
		if !ok {
			continue
		}
		where := append(append([]string(nil), ctx...), name)
		switch cv := converted[name].(type) {
		case *value.Map:
			errs = append(errs, validateSpec(sub, cv, where, unsupportedOut)...)
		case []any:
			for _, e := range cv {
				if m, ok := e.(*value.Map); ok {
					errs = append(errs, validateSpec(sub, m, where, unsupportedOut)...)
				}
			}
		}
	}
	return errs
}

func optField(spec *value.Map, name, field string) any {
	o, _ := spec.Get(name)
	m, ok := o.(*value.Map)
	if !ok {
		return nil
	}
	v, _ := m.Get(field)
	return v
}

// optString is an option's field as a string: "" where the field is
// missing or null (value.String would give Python's "None"), as ansible's
// spec.get(field) is falsy then: no type means str, no elements none.
func optString(spec *value.Map, name, field string) string {
	v := optField(spec, name, field)
	if v == nil {
		return ""
	}
	return value.String(v)
}

func inChoices(v any, choices []any) bool {
	s := value.String(v)
	for _, c := range choices {
		if value.String(c) == s {
			return true
		}
	}
	return false
}

func joinChoices(choices []any) string {
	parts := make([]string, len(choices))
	for i, c := range choices {
		parts[i] = value.String(c)
	}
	return strings.Join(parts, ", ")
}

// convertType converts a value to an argument spec type as Ansible's
// argument spec validation does, or says why it cannot.
func convertType(name, typ string, v any) (any, error) {
	switch typ {
	case "str", "path":
		return toStr(name, v)
	case "raw", "jsonarg", "json":
		return v, nil
	case "bool":
		return toBool(name, v)
	case "int":
		if _, isFloat := v.(float64); isFloat {
			return nil, convErr(name, "int", v, fmt.Sprintf("%s cannot be converted to an int", pyType(v)))
		}
		return toInt(name, v)
	case "float":
		return toFloat(name, v)
	case "list":
		switch x := v.(type) {
		case []any:
			return x, nil
		case string, value.Unsafe:
			return toList(value.String(x)), nil
		case int, float64:
			return []any{value.String(x)}, nil
		}
		return nil, convErr(name, "list", v, fmt.Sprintf("%s cannot be converted to a list", pyType(v)))
	case "dict":
		return toDict(name, v)
	case "bytes", "bits":
		return toStr(name, v)
	}
	return nil, fmt.Errorf("argument '%s' has an unknown type %q", name, typ)
}

func asAnyList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	}
	return []any{v}
}

// specPyType is the Python type Ansible names for a value read from YAML:
// its strings are AnsibleUnicode.
func specPyType(v any) string {
	switch v.(type) {
	case string:
		return "<class 'ansible.parsing.yaml.objects.AnsibleUnicode'>"
	case value.Unsafe:
		return "<class 'ansible.utils.unsafe_proxy.AnsibleUnsafeText'>"
	}
	return pyType(v)
}
