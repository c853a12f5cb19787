package modules

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/value"
)

// Argument tags. A field of a module's args struct is an argument when it
// carries `arg:"name,opt,..."`; options:
//
//	required         the argument must be given
//	aliases=a|b      other accepted names
//	choices=a|b      allowed values (compared after conversion to string)
//	default=v        the value when not given (converted like a given one)
//	path             a path on the host: a leading ~ or ~user is expanded
//	                 there before the module runs (Ansible's type='path')
//	path=user        the same, by an action plugin's rule (see expandPaths)
//
// The field's Go type is the argument's type, converted as Ansible does:
// string (str; numbers and bools are stringified), bool (yes/no/true/1...),
// int, float64, []string (list: a comma-separated string or a scalar
// becomes a list), *value.Map (dict), any (raw, as given). A pointer to a
// scalar type is nil when the argument was not given.

type argSpec struct {
	name     string
	aliases  []string
	required bool
	choices  []string
	def      *string
	path     bool
	userPath bool // path=user
	index    []int
	owner    reflect.Type        // the struct declaring the field
	field    reflect.StructField // the field
}

var specCache sync.Map // reflect.Type → []*argSpec

func specsOf(t reflect.Type) ([]*argSpec, error) {
	if s, ok := specCache.Load(t); ok {
		return s.([]*argSpec), nil
	}
	out, err := collectSpecs(t, nil)
	if err != nil {
		return nil, err
	}
	specCache.Store(t, out)
	return out, nil
}

// collectSpecs walks t's fields; an embedded struct's arguments (shared
// ones such as mode/owner/group) count as t's own.
func collectSpecs(t reflect.Type, prefix []int) ([]*argSpec, error) {
	var out []*argSpec
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		idx := append(append([]int(nil), prefix...), i)
		tag, ok := f.Tag.Lookup("arg")
		if !ok {
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				sub, err := collectSpecs(f.Type, idx)
				if err != nil {
					return nil, err
				}
				out = append(out, sub...)
			}
			continue
		}
		parts := strings.Split(tag, ",")
		sp := &argSpec{name: parts[0], index: idx, owner: t, field: f}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, "=")
			switch k {
			case "required":
				sp.required = true
			case "aliases":
				sp.aliases = strings.Split(v, "|")
			case "choices":
				sp.choices = strings.Split(v, "|")
			case "default":
				d := v
				sp.def = &d
			case "path":
				sp.path = true
				sp.userPath = v == "user"
			default:
				return nil, fmt.Errorf("%s.%s: unknown arg tag option %q", t.Name(), f.Name, k)
			}
		}
		out = append(out, sp)
	}
	return out, nil
}

func infoSpecs(info *Info) ([]*argSpec, reflect.Type, error) {
	var m any
	if info.New != nil {
		m = info.New()
	} else if info.Args != nil {
		m = info.Args()
	}
	t := reflect.TypeOf(m)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("module %s: New or Args must return a pointer to a struct", info.ID)
	}
	s, err := specsOf(t.Elem())
	return s, t.Elem(), err
}

// displayName is how Ansible names a module in argument errors: as the
// task wrote it, except the modules ansible runs through an action plugin
// of its own that calls them as ansible.legacy.X (legacyCalled); with
// nothing written (a check at load), ansible.legacy.X.
func displayName(info *Info, used string) string {
	short := info.ID[strings.LastIndex(info.ID, ".")+1:]
	if info.Engine {
		// an action plugin names itself
		return short
	}
	if used == "" || legacyCalled[short] {
		return "ansible.legacy." + short
	}
	return used
}

// legacyCalled are the modules whose ansible-core 2.14 action plugin
// executes them by the name ansible.legacy.X (plugins/action/command.py,
// copy.py, unarchive.py, uri.py, async_status.py).
var legacyCalled = map[string]bool{"command": true, "copy": true, "unarchive": true, "uri": true, "async_status": true}

// CheckArgs checks a task's argument names at load time, before values
// are templated: unknown names and missing required arguments are errors,
// in Ansible's words.
func CheckArgs(info *Info, keys []string) error { return CheckArgsAs(info, "", keys) }

// CheckArgsAs is CheckArgs naming the module as the task wrote it.
func CheckArgsAs(info *Info, used string, keys []string) error {
	if info.Raw {
		return nil
	}
	specs, _, err := infoSpecs(info)
	if err != nil {
		return err
	}
	known := map[string]*argSpec{}
	for _, s := range specs {
		known[s.name] = s
		for _, a := range s.aliases {
			known[a] = s
		}
	}
	var unknown []string
	given := map[*argSpec]bool{}
	for _, k := range keys {
		if strings.HasPrefix(k, "_ansible_") {
			continue
		}
		s, ok := known[k]
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		given[s] = true
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		if info.InvalidOptions {
			return fmt.Errorf("Invalid options for %s: %s", info.ID[strings.LastIndex(info.ID, ".")+1:], strings.Join(unknown, ", "))
		}
		var names, aliases []string
		for _, s := range specs {
			names = append(names, s.name)
			aliases = append(aliases, s.aliases...)
		}
		sort.Strings(names)
		sort.Strings(aliases)
		msg := fmt.Sprintf("Unsupported parameters for (%s) module: %s. Supported parameters include: %s",
			displayName(info, used), strings.Join(unknown, ", "), strings.Join(names, ", "))
		if len(aliases) > 0 {
			msg += " (" + strings.Join(aliases, ", ") + ")"
		}
		return fmt.Errorf("%s.", msg)
	}
	var missing []string
	for _, s := range specs {
		// The engine may hold the free-form string apart at load time.
		if s.required && !given[s] && s.name != info.FreeForm {
			missing = append(missing, s.name)
		}
	}
	if len(missing) > 0 {
		return &MissingArgsError{Names: missing}
	}
	return nil
}

// decode fills a new module instance from its arguments: names and
// aliases resolved, values converted, choices and required checked,
// defaults filled. Validate and Provision are Decode's next steps.
func decode(info *Info, used string, args *value.Map) (Module, error) {
	m := info.New()
	if info.Raw {
		if r, ok := m.(RawArgs); ok {
			return m, r.SetArgs(args)
		}
		return m, nil
	}
	keys := args.Keys()
	if err := CheckArgsAs(info, used, keys); err != nil {
		return nil, err
	}
	specs, _, err := infoSpecs(info)
	if err != nil {
		return nil, err
	}
	rv := reflect.ValueOf(m).Elem()
	for _, s := range specs {
		var v any
		found := ""
		for _, n := range append([]string{s.name}, s.aliases...) {
			if x, ok := args.Get(n); ok {
				if found != "" {
					return nil, fmt.Errorf("parameters are mutually exclusive: %s|%s", found, n)
				}
				v, found = x, n
			}
		}
		if found == "" || v == nil {
			if s.required && found == "" {
				return nil, fmt.Errorf("missing required arguments: %s", s.name)
			}
			if s.def == nil {
				continue
			}
			v = *s.def
		}
		f := rv.FieldByIndex(s.index)
		if err := setField(f, s.name, v); err != nil {
			return nil, err
		}
		if len(s.choices) > 0 {
			if err := checkChoice(s, f); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func checkChoice(s *argSpec, f reflect.Value) error {
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return nil
		}
		f = f.Elem()
	}
	var vals []string
	if f.Kind() == reflect.Slice {
		for i := 0; i < f.Len(); i++ {
			vals = append(vals, fmt.Sprint(f.Index(i).Interface()))
		}
	} else {
		vals = []string{choiceString(f.Interface())}
	}
	for _, v := range vals {
		ok := false
		for _, c := range s.choices {
			if c == v {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("value of %s must be one of: %s, got: %s", s.name, strings.Join(s.choices, ", "), v)
		}
	}
	return nil
}

func choiceString(v any) string {
	if b, ok := v.(bool); ok {
		return strconv.FormatBool(b)
	}
	return value.String(v)
}

var mapType = reflect.TypeOf((*value.Map)(nil))

func setField(f reflect.Value, name string, v any) error {
	if f.Kind() == reflect.Pointer && f.Type() != mapType {
		p := reflect.New(f.Type().Elem())
		if err := setField(p.Elem(), name, v); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	if f.Type() == mapType {
		m, err := toDict(name, v)
		if err != nil {
			return err
		}
		f.Set(reflect.ValueOf(m))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		s, err := toStr(name, v)
		if err != nil {
			return err
		}
		f.SetString(s)
	case reflect.Bool:
		b, err := toBool(name, v)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case reflect.Int:
		i, err := toInt(name, v)
		if err != nil {
			return err
		}
		f.SetInt(int64(i))
	case reflect.Float64:
		x, err := toFloat(name, v)
		if err != nil {
			return err
		}
		f.SetFloat(x)
	case reflect.Slice:
		l := toList(v)
		out := reflect.MakeSlice(f.Type(), len(l), len(l))
		for i, e := range l {
			if err := setField(out.Index(i), name, e); err != nil {
				return fmt.Errorf("Elements value for option '%s' is of type %s and we were unable to convert to %s", name, pyType(e), f.Type().Elem().Kind())
			}
		}
		f.Set(out)
	case reflect.Interface:
		if v != nil {
			f.Set(reflect.ValueOf(v))
		}
	default:
		return fmt.Errorf("argument %s: unsupported field type %s", name, f.Type())
	}
	return nil
}

func pyType(v any) string { return "<class '" + value.TypeName(v) + "'>" }

func convErr(name, to string, v any, why string) error {
	return fmt.Errorf("argument '%s' is of type %s and we were unable to convert to %s: %s", name, pyType(v), to, why)
}

func toStr(name string, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case value.Unsafe:
		return string(v), nil
	case int, float64, bool:
		return value.String(v), nil
	case []any, *value.Map:
		return value.String(v), nil
	}
	return "", convErr(name, "str", v, "unsupported type")
}

func toBool(name string, v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int, float64, string, value.Unsafe:
		// check_type_bool: boolean(v), strict.
		if b, ok := value.Boolean(x); ok {
			return b, nil
		}
	}
	return false, convErr(name, "bool", v, fmt.Sprintf("The value %s is not a valid boolean.  Valid booleans include: '0', 1, 0, 'y', 'on', 't', 'n', '1', 'f', 'false', 'true', 'off', 'no', 'yes'", value.Repr(v)))
}

func toInt(name string, v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	case string, value.Unsafe:
		s := strings.TrimSpace(value.String(x))
		if i, err := strconv.Atoi(s); err == nil {
			return i, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) {
			return int(f), nil
		}
	}
	return 0, convErr(name, "int", v, fmt.Sprintf("%s cannot be converted to an int", pyType(v)))
}

func toFloat(name string, v any) (float64, error) {
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case float64:
		return x, nil
	case string, value.Unsafe:
		if f, err := strconv.ParseFloat(strings.TrimSpace(value.String(x)), 64); err == nil {
			return f, nil
		}
	}
	return 0, convErr(name, "float", v, fmt.Sprintf("%s cannot be converted to a float", pyType(v)))
}

func toList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case string:
		if x == "" {
			return []any{}
		}
		parts := strings.Split(x, ",")
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out
	case nil:
		return nil
	}
	return []any{v}
}

func toDict(name string, v any) (*value.Map, error) {
	switch x := v.(type) {
	case *value.Map:
		return x, nil
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "{") {
			if d, err := value.FromJSON([]byte(s)); err == nil {
				if m, ok := d.(*value.Map); ok {
					return m, nil
				}
			}
		}
		m := value.NewMap(4)
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
			k, val, ok := strings.Cut(f, "=")
			if !ok {
				return nil, convErr(name, "dict", v, "dictionary requested, could not parse JSON or key=value")
			}
			m.Set(strings.TrimSpace(k), strings.TrimSpace(val))
		}
		return m, nil
	}
	return nil, convErr(name, "dict", v, fmt.Sprintf("%s cannot be converted to a dict", pyType(v)))
}

// ArgName returns the canonical name of a module parameter given by its
// name or one of its aliases; ok is false for a name the module does not
// take (and for modules that validate their own arguments).
func ArgName(info *Info, key string) (name string, ok bool) {
	if info.Raw {
		return key, false
	}
	specs, _, err := infoSpecs(info)
	if err != nil {
		return key, false
	}
	for _, s := range specs {
		if s.name == key || slices.Contains(s.aliases, key) {
			return s.name, true
		}
	}
	return key, false
}
