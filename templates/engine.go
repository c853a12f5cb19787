package templates

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/nodes"

	"github.com/fjord-run/fjord/value"
)

// TextOptions are the template module's settings. The zero value is
// Jinja2's defaults; DefaultTextOptions returns Ansible's.
type TextOptions struct {
	TrimBlocks          bool
	LstripBlocks        bool
	NewlineSequence     string // "\n" when empty
	KeepTrailingNewline bool
	// Extra variables that win over vars (ansible_managed, template_path...).
	Extra map[string]any
	// Name is the template's file, for errors: "name.j2:3:7: ...".
	Name string
	// The delimiters; "" is Jinja2's ({{ }}, {% %}, {# #}).
	VariableStart, VariableEnd string
	BlockStart, BlockEnd       string
	CommentStart, CommentEnd   string
	// LineStatementPrefix and LineCommentPrefix, when set, make a line
	// that starts with them a statement or a comment.
	LineStatementPrefix, LineCommentPrefix string
}

// delims are o's delimiters, Jinja2's where o leaves them empty.
func (o TextOptions) delims() [6]string {
	d := [6]string{o.VariableStart, o.VariableEnd, o.BlockStart, o.BlockEnd, o.CommentStart, o.CommentEnd}
	for i, def := range [6]string{"{{", "}}", "{%", "%}", "{#", "#}"} {
		if d[i] == "" {
			d[i] = def
		}
	}
	return d
}

// DefaultTextOptions are the template module's defaults: trim_blocks on,
// trailing newline kept.
func DefaultTextOptions() TextOptions {
	return TextOptions{TrimBlocks: true, KeepTrailingNewline: true, NewlineSequence: "\n"}
}

// Engine parses and caches templates; one Engine serves many goroutines.
type Engine struct {
	cache sync.Map // cacheKey → *compiled
}

type cacheKey struct {
	src                       string
	trim, lstrip, keepNewline bool
	newline                   string
	delims                    [6]string
	linePrefixes              [2]string
}

type compiled struct {
	root *nodes.Template
	err  error
}

// New returns an Engine.
func New() *Engine { return &Engine{} }

// IsTemplate tells whether s contains Jinja2 markup.
func IsTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

var ansibleOptions = TextOptions{TrimBlocks: true, KeepTrailingNewline: true, NewlineSequence: "\n"}

func (e *Engine) compile(src string, o TextOptions) (root *nodes.Template, err error) {
	if o.NewlineSequence == "" {
		o.NewlineSequence = "\n"
	}
	d := o.delims()
	k := cacheKey{src, o.TrimBlocks, o.LstripBlocks, o.KeepTrailingNewline, o.NewlineSequence, d,
		[2]string{o.LineStatementPrefix, o.LineCommentPrefix}}
	if c, ok := e.cache.Load(k); ok {
		c := c.(*compiled)
		return c.root, c.err
	}
	cfg := config.New()
	cfg.TrimBlocks = o.TrimBlocks
	cfg.LeftStripBlocks = o.LstripBlocks
	cfg.KeepTrailingNewline = o.KeepTrailingNewline
	cfg.NewlineSequence = o.NewlineSequence
	cfg.VariableStartString, cfg.VariableEndString = d[0], d[1]
	cfg.BlockStartString, cfg.BlockEndString = d[2], d[3]
	cfg.CommentStartString, cfg.CommentEndString = d[4], d[5]
	cfg.LineStatementPrefix, cfg.LineCommentPrefix = o.LineStatementPrefix, o.LineCommentPrefix
	func() {
		defer func() {
			if r := recover(); r != nil {
				root, err = nil, fmt.Errorf("template error: %v", r)
			}
		}()
		root, err = parseTemplate(src, cfg)
	}()
	if err != nil {
		err = syntaxError(err, src, cfg)
	}
	e.cache.Store(k, &compiled{root, err})
	return root, err
}

func (e *Engine) run(root *nodes.Template, vars Vars, o TextOptions, fn func(s *state, sc *scope) error) (err error) {
	s := &state{e: e, vars: vars, extra: o.Extra, opts: o}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("templates: internal error: %v\n%s", r, debug.Stack())
		}
		if err != nil && s.varErr != nil {
			err = s.varErr
		}
	}()
	return fn(s, &scope{vars: map[string]any{}})
}

func (e *Engine) renderString(src string, vars Vars, o TextOptions) (string, error) {
	src, o, err := jinjaOverrides(src, o)
	if err != nil {
		return "", named(err, o.Name)
	}
	root, err := e.compile(src, o)
	if err != nil {
		return "", named(err, o.Name)
	}
	var out strings.Builder
	err = e.run(root, vars, o, func(s *state, sc *scope) error {
		err := s.execNodes(sc, root.Nodes, &out)
		if err == errBreak || err == errContinue {
			return fmt.Errorf("'break' or 'continue' outside of a loop")
		}
		return err
	})
	return out.String(), named(err, o.Name)
}

// RenderText renders a whole template file, as the template module does.
func (e *Engine) RenderText(src string, vars Vars, o TextOptions) (string, error) {
	if !o.KeepTrailingNewline {
		return e.renderString(src, vars, o)
	}
	// Ansible keeps a template's trailing newlines by counting them, not
	// with Jinja2's keep_trailing_newline, so that included templates
	// still lose theirs: render without, then top up to the source's count.
	o.KeepTrailingNewline = false
	out, err := e.renderString(src, vars, o)
	if err != nil {
		return out, err
	}
	nl := o.NewlineSequence
	if nl == "" {
		nl = "\n"
	}
	if want, have := trailingNewlines(src), trailingNewlines(out); want > have {
		out += strings.Repeat(nl, want-have)
	}
	return out, nil
}

// trailingNewlines counts the newlines that end s, as Ansible does
// (\r\n and \n both count once).
func trailingNewlines(s string) int {
	n := 0
	for {
		switch {
		case strings.HasSuffix(s, "\r\n"):
			s = s[:len(s)-2]
		case strings.HasSuffix(s, "\n"):
			s = s[:len(s)-1]
		default:
			return n
		}
		n++
	}
}

var singleVar = regexp.MustCompile(`^\{\{\s*(\w*)\s*\}\}$`)

// Render templates one string the way Ansible templates a variable or a
// task argument: a string without markup comes back unchanged; "{{ name }}"
// naming a number, bool or None gives that value; "{{ expr }}" whose value
// is a list or dict gives it; any other result is text, which becomes a
// list, dict or bool when it reads as one (Ansible 2.14's literal_eval of
// rendered text).
func (e *Engine) Render(src string, vars Vars) (any, error) {
	if !IsTemplate(src) {
		return src, nil
	}
	if m := singleVar.FindStringSubmatch(src); m != nil && vars != nil {
		if v, ok, err := vars.Lookup(m[1]); ok && err == nil {
			switch v.(type) {
			case nil, bool, int, float64:
				return v, nil
			}
		}
	}
	src = escapeBackslashes(src)
	// As Ansible: Jinja drops the source's last newline, the output is read
	// back as a list, dict or bool, and only text gets the source's
	// trailing newlines back ("{{ r.changed }}\n" is the bool).
	o := ansibleOptions
	o.KeepTrailingNewline = false
	topUp := func(v any) any {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case value.Unsafe:
			s = string(x)
		default:
			return v
		}
		want, have := trailingNewlines(src), trailingNewlines(s)
		if want <= have {
			return v
		}
		s += strings.Repeat("\n", want-have)
		if _, ok := v.(value.Unsafe); ok {
			return value.Unsafe(s)
		}
		return s
	}
	root, err := e.compile(src, o)
	if err != nil {
		return nil, err
	}
	// A template that is one {{ expr }} keeps a list or dict as is: rendering
	// it to text and reading it back, as Ansible does, gives the same thing.
	if len(root.Nodes) == 1 {
		if out, ok := root.Nodes[0].(*nodes.Output); ok {
			var v any
			unsafe := false
			var varErr error
			err := e.run(root, vars, o, func(s *state, sc *scope) error {
				var err error
				v, err = s.output(sc, out)
				unsafe, varErr = s.unsafe, s.varErr
				return err
			})
			mark := func(v any) any {
				if unsafe {
					return value.MarkUnsafe(v)
				}
				return v
			}
			// The value is checked after the run: a failure here is the
			// render's too (see Vars), placed at the output as execNodes
			// places it.
			fail := func(err error) (any, error) {
				if varErr != nil {
					return nil, varErr
				}
				return nil, at(out, err)
			}
			if err != nil {
				return nil, err
			}
			switch x := v.(type) {
			case []any, *value.Map:
				r, err := repr(x)
				if err != nil {
					return fail(err)
				}
				if holdsPyObject(x) {
					return r, nil
				}
				return mark(x), nil
			case *namespace, *macro, callable, *loopInfo, *recursiveLoop:
				s, err := toStr(x)
				if err != nil {
					return fail(err)
				}
				return s, nil
			case *undefined:
				return fail(x.err)
			case value.Unsafe:
				return topUp(x), nil
			case nil:
				return topUp(""), nil
			}
			text, err := toStr(v)
			if err != nil {
				return fail(err)
			}
			if f, ok := out.Expression.(*nodes.FilteredExpression); ok && out.Condition == nil && len(f.Filters) > 0 {
				name := f.Filters[len(f.Filters)-1].Name
				if stringFilters[name] {
					return mark(topUp(text)), nil
				}
			}
			return mark(topUp(literalEval(text))), nil
		}
	}
	var text strings.Builder
	unsafe := false
	err = e.run(root, vars, o, func(s *state, sc *scope) error {
		err := s.execNodes(sc, root.Nodes, &text)
		if err == errBreak || err == errContinue {
			return fmt.Errorf("'break' or 'continue' outside of a loop")
		}
		unsafe = s.unsafe
		return err
	})
	if err != nil {
		return nil, err
	}
	v := topUp(literalEval(text.String()))
	if unsafe {
		return value.MarkUnsafe(v), nil
	}
	return v, nil
}

// hasUnsafe says whether v holds an Unsafe string, looking depth levels
// into lists and maps at most: a value from a host taints what reads it.
func hasUnsafe(v any, depth int) bool {
	switch x := v.(type) {
	case value.Unsafe:
		return true
	case []any:
		if depth < 8 {
			for _, e := range x {
				if hasUnsafe(e, depth+1) {
					return true
				}
			}
		}
	case *value.Map:
		found := false
		if depth < 8 {
			x.Range(func(_ string, e any) bool { found = hasUnsafe(e, depth+1); return !found })
		}
		return found
	}
	return false
}

// stringFilters are Ansible's STRING_TYPE_FILTERS: their text is never
// read back as a list or dict.
var stringFilters = map[string]bool{"string": true, "to_json": true, "to_nice_json": true,
	"to_yaml": true, "to_nice_yaml": true, "json": true}

// literalEval is what Ansible does with rendered text that looks like a
// list, a dict or a bool.
func literalEval(s string) any {
	if s == "True" {
		return true
	}
	if s == "False" {
		return false
	}
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{") {
		if v, err := pyLiteral(s); err == nil {
			return v
		}
	}
	return s
}

// Cond evaluates a when:/failed_when:/changed_when:/assert expression. As in
// Ansible, the expression is first templated (so "{{ x }}" works, though
// Ansible warns about it), then evaluated inside {% if %}.
func (e *Engine) Cond(expr string, vars Vars) (bool, error) {
	expr = strings.TrimSpace(expr)
	var v any = expr
	if IsTemplate(expr) {
		var err error
		if v, err = e.Render(expr, vars); err != nil {
			return false, err
		}
	}
	return e.CondValue(v, vars)
}

// CondValue is Cond for a value that may already be a bool (when: true).
func (e *Engine) CondValue(v any, vars Vars) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		x = strings.TrimSpace(x)
		if x == "" {
			return false, nil
		}
		if IsTemplate(x) {
			return e.Cond(x, vars)
		}
		out, err := e.renderString("{% if "+x+" %}True{% else %}False{% endif %}", vars, ansibleOptions)
		if err != nil {
			return false, err
		}
		switch out {
		case "True":
			return true, nil
		case "False":
			return false, nil
		}
		return false, fmt.Errorf("unable to evaluate conditional: %s", x)
	case value.Unsafe:
		return false, fmt.Errorf("conditional is marked unsafe: %s", string(x))
	}
	return value.Truthy(v), nil
}

// Templatize renders every string in v, keys of maps included; Unsafe
// strings are returned as plain strings, untouched.
func (e *Engine) Templatize(v any, vars Vars) (any, error) {
	switch x := v.(type) {
	case string:
		return e.Render(x, vars)
	case value.Unsafe:
		return string(x), nil
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			r, err := e.Templatize(el, vars)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case *value.Map:
		out := value.NewMap(x.Len())
		for _, k := range x.Keys() {
			el, _ := x.Get(k)
			nk := k
			if IsTemplate(k) {
				rk, err := e.Render(k, vars)
				if err != nil {
					return nil, err
				}
				nk = value.String(rk)
			}
			r, err := e.Templatize(el, vars)
			if err != nil {
				return nil, err
			}
			out.Set(nk, r)
		}
		return out, nil
	}
	return v, nil
}

// escapeBackslashes doubles backslashes inside string literals of {{ }}
// expressions, as Ansible does for templated variables and task arguments
// (not for template files): '\.' written in YAML reaches the regex as \.
func escapeBackslashes(src string) string {
	if !strings.Contains(src, "\\") || !strings.Contains(src, "{{") {
		return src
	}
	var b strings.Builder
	inVar := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case !inVar && strings.HasPrefix(src[i:], "{{"):
			inVar = true
			b.WriteString("{{")
			i++
		case inVar && strings.HasPrefix(src[i:], "}}"):
			inVar = false
			b.WriteString("}}")
			i++
		case inVar && (c == '\'' || c == '"'):
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				b.WriteString(src[i:])
				return b.String()
			}
			b.WriteString(strings.ReplaceAll(src[i:j+1], "\\", "\\\\"))
			i = j
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
