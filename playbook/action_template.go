package playbook

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/fjord-run/fjord/value"
	"gopkg.in/yaml.v3"
)

// Templated action names: `action: "{{ m }} msg=hi"` or
// `action: {module: "{{ m }}"}` name their module with a template, which
// each host renders at run time.

// splitActionString splits an action string into its module name and
// the rest, as ansible's split_args: whitespace inside {{ }}, {% %} or
// {# #} does not end the name.
func splitActionString(s string) (name, rest string) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case i+1 < len(s) && s[i] == '{' && strings.ContainsRune("{%#", rune(s[i+1])):
			depth++
			i++
		case i+1 < len(s) && strings.ContainsRune("}%#", rune(s[i])) && s[i+1] == '}' && depth > 0:
			depth--
			i++
		case depth == 0 && unicode.IsSpace(rune(s[i])):
			return s[:i], strings.TrimSpace(s[i:])
		}
	}
	return s, ""
}

// setTemplatedAction keeps a templated module name and its arguments: a
// mapping, or a string of k=v pairs (anything else is _raw_params).
func (l *Loader) setTemplatedAction(file string, t *Task, name string, argv any, vn *yaml.Node) error {
	t.Action, t.ActionTemplate = name, true
	args := value.NewMap(4)
	switch a := argv.(type) {
	case nil:
	case *value.Map:
		args = a.Clone()
	case string:
		kv, rest, err := value.ParseKVRest(a)
		if err != nil {
			return errAt(posOf(file, vn), "%v", err)
		}
		for _, p := range kv {
			args.Set(p[0], p[1])
		}
		if rest != "" {
			args.Set("_raw_params", rest)
		}
	default:
		return errAt(posOf(file, vn), "module arguments must be a mapping or a string")
	}
	t.Args = args
	return nil
}

// ResolveAction is t with its templated action rendered by render (the
// host's variables): a copy naming the module found, its free-form
// arguments read as that module takes them. A name that names no module
// or action is an error.
func (t *Task) ResolveAction(render func(string) (string, error)) (*Task, error) {
	if !t.ActionTemplate {
		return t, nil
	}
	name, err := render(t.Action)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	canon, ok := canonicalAction(name)
	if !ok || isIncludeAction(canon) || canon == "meta" {
		// ansible's words when a task's action names no plugin at run time
		return nil, fmt.Errorf("The module %s was not found in configured module paths", name)
	}
	rt := *t
	rt.Action, rt.ActionTemplate = canon, false
	if raw, ok := t.Args.Get("_raw_params"); ok {
		args := t.Args.Clone()
		args.Delete("_raw_params")
		if err := parseFreeForm(canon, value.String(raw), args); err != nil {
			return nil, err
		}
		rt.Args = args
	}
	return &rt, nil
}
