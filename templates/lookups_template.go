package templates

import (
	"os"
	"path/filepath"

	"github.com/fjord-run/fjord/value"
)

// templateDelimOptions are the template lookup's delimiter options:
// variable, block and comment start and end.
var templateDelimOptions = [6]string{"variable_start_string", "variable_end_string", "block_start_string",
	"block_end_string", "comment_start_string", "comment_end_string"}

// lkTemplate is ansible's template lookup: each file found under
// templates/ rendered with the variables, template_path and
// template_fullpath, and template_vars; with convert_data (the default)
// text that reads as a list, dict or bool becomes one.
func lkTemplate(s *state, terms []any, kw map[string]any) ([]any, error) {
	convert := true
	if v, ok := kw["convert_data"]; ok {
		convert = value.Bool(v)
	}
	o := ansibleOptions
	for i, f := range []*string{&o.VariableStart, &o.VariableEnd, &o.BlockStart, &o.BlockEnd, &o.CommentStart, &o.CommentEnd} {
		if v, ok := kw[templateDelimOptions[i]]; ok {
			*f = pyStr(v)
		}
	}
	var out []any
	for _, t := range terms {
		name := pyStr(t)
		p, ok := s.findFile("templates", name)
		if !ok {
			return nil, lkErr("AnsibleError", "the template file %s could not be found for the lookup", name)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, lkErr("AnsibleError", "%s", err.Error())
		}
		if s.depth > 20 {
			return nil, lkErr("AnsibleError", "template lookup nested too deeply")
		}
		abs, _ := filepath.Abs(p)
		extra := map[string]any{}
		for k, v := range s.extra {
			extra[k] = v
		}
		extra["template_path"], extra["template_fullpath"] = name, abs
		if tv, ok := kw["template_vars"].(value.Getter); ok {
			for _, k := range tv.Keys() {
				extra[k], _ = tv.Get(k)
			}
		}
		o.Extra, o.Name = extra, p
		s.depth++
		r, err := s.e.RenderText(string(b), s.vars, o)
		s.depth--
		if err != nil {
			return nil, err
		}
		if convert {
			out = append(out, literalEval(r))
		} else {
			out = append(out, r)
		}
	}
	return out, nil
}
