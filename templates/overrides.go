package templates

import (
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// jinjaOverridePrefix starts a template's first line that sets Jinja2's
// environment for that template alone, as ansible reads it:
//
//	#jinja2:variable_start_string:'<<', variable_end_string:'>>'
const jinjaOverridePrefix = "#jinja2:"

// jinjaOverrides reads src's #jinja2: line, if it has one, into o and
// returns the template without it. Each setting is key:value, split on
// commas, the value a Python literal; settings fjord has no use for are
// accepted and ignored, as ansible's setattr on the environment takes
// anything.
func jinjaOverrides(src string, o TextOptions) (string, TextOptions, error) {
	if !strings.HasPrefix(src, jinjaOverridePrefix) {
		return src, o, nil
	}
	var line string
	if eol := strings.IndexByte(src, '\n'); eol >= 0 {
		line, src = src[len(jinjaOverridePrefix):eol], src[eol+1:]
	} else {
		// ansible's data[len(prefix):-1]: the line without its last
		// character, and the template left whole.
		line = src[len(jinjaOverridePrefix) : len(src)-1]
	}
	for _, pair := range strings.Split(line, ",") {
		key, raw, ok := strings.Cut(pair, ":")
		if !ok {
			return src, o, fmt.Errorf("failed to parse jinja2 override '%s'. Did you use something different from colon as key-value separator?", strings.TrimSpace(pair))
		}
		key = strings.TrimSpace(key)
		v, err := pyLiteral(strings.TrimSpace(raw))
		if err != nil {
			return src, o, fmt.Errorf("failed to parse jinja2 override '%s': malformed node or string: %s", key, strings.TrimSpace(raw))
		}
		if err := setOverride(&o, key, v); err != nil {
			return src, o, err
		}
	}
	return src, o, nil
}

func setOverride(o *TextOptions, key string, v any) error {
	strs := map[string]*string{
		"variable_start_string": &o.VariableStart, "variable_end_string": &o.VariableEnd,
		"block_start_string": &o.BlockStart, "block_end_string": &o.BlockEnd,
		"comment_start_string": &o.CommentStart, "comment_end_string": &o.CommentEnd,
		"newline_sequence":      &o.NewlineSequence,
		"line_statement_prefix": &o.LineStatementPrefix, "line_comment_prefix": &o.LineCommentPrefix,
	}
	bools := map[string]*bool{
		"trim_blocks": &o.TrimBlocks, "lstrip_blocks": &o.LstripBlocks,
		"keep_trailing_newline": &o.KeepTrailingNewline,
	}
	if p, ok := strs[key]; ok {
		s, isStr := v.(string)
		if !isStr || s == "" {
			return fmt.Errorf("jinja2 override %s must be a non-empty string, not %s", key, value.Repr(v))
		}
		*p = s
	}
	if p, ok := bools[key]; ok {
		*p = value.Truthy(v)
	}
	return nil
}
