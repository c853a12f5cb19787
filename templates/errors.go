package templates

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/fjord-run/fjord/value"
)

// Error is a template error and where in the template it arose: the
// template's name (its file, for the template module, includes and the
// template lookup), and the line and column of the innermost expression or
// statement that failed, or of a syntax error.
//
// An inline string (a task argument, a condition) has no name: its Error
// reads as the cause alone, because the caller knows better where the
// string came from (the task's place in the playbook) than a line inside
// the string would tell.
type Error struct {
	Name      string
	Line, Col int
	Err       error
}

func (e *Error) Error() string {
	switch {
	case e.Name == "":
		return e.Err.Error()
	case e.Line == 0:
		return e.Name + ": " + e.Err.Error()
	}
	return fmt.Sprintf("%s:%d:%d: %v", e.Name, e.Line, e.Col, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// SyntaxError is a template that does not parse. It comes wrapped in an
// *Error that says where.
type SyntaxError struct{ Err error }

func (e *SyntaxError) Error() string {
	return "template error while templating string: " + e.Err.Error()
}
func (e *SyntaxError) Unwrap() error { return e.Err }

// at is the one place run-time errors get their position: eval and
// execNodes pass every error through it with the node it came through. The
// innermost node is the one that failed, so a position once set is kept.
// break and continue travel as errors and must stay themselves.
func at(n nodes.Node, err error) error {
	switch err {
	case nil, errBreak, errContinue:
		return err
	}
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	if tok := position(n); tok != nil && tok.Line > 0 {
		return &Error{Line: tok.Line, Col: tok.Col, Err: err}
	}
	return err
}

// position is n's token. A binary expression's own token is its left
// operand's; an error that reaches it is the operator's (1 / 0), so the
// operator is what to point at. A call's is its "(", the callee's name is
// more telling.
func position(n nodes.Node) (tok *tokens.Token) {
	defer func() {
		if recover() != nil { // a node gonja left half-built
			tok = nil
		}
	}()
	switch n := n.(type) {
	case nil:
		return nil
	case *nodes.BinaryExpression:
		if n.Operator.Token != nil {
			return n.Operator.Token
		}
	case *nodes.Call:
		if n.Func != nil {
			return n.Func.Position()
		}
	}
	return n.Position()
}

// named gives a positioned error the template's name. Compiled templates
// and their errors are cached by source, shared by every name the source
// is rendered under, so the error is copied, never changed.
func named(err error, name string) error {
	var pe *Error
	if name == "" || !errors.As(err, &pe) || pe != err || pe.Name != "" {
		return err
	}
	c := *pe
	c.Name = name
	return &c
}

// syntaxError turns a parse failure into an *Error with the position gonja
// put at the end of its message ("(Line: 2 Col: 4, near "}}")") moved to
// the front, where fjord's errors carry it.
func syntaxError(err error, src string, cfg *config.Config) error {
	msg := err.Error()
	line, col := 0, 0
	var se *parser.SyntaxError
	if errors.As(err, &se) {
		line, col = se.Line, se.Column
		near := ""
		if se.Raw != "" {
			near = fmt.Sprintf(" (near %q)", se.Raw)
		}
		if line == 0 && se.Raw != "" {
			// gonja's tokens for lexer errors have an offset but no line;
			// their text is the lexer's message.
			var lexMsg string
			line, col, lexMsg = lexErrorAt(src, cfg)
			if lexMsg == se.Raw {
				near = ": " + se.Raw
			}
		}
		msg = strings.Replace(msg, se.Error(), se.Message+near, 1)
	}
	return &Error{Line: line, Col: col, Err: &SyntaxError{Err: errors.New(msg)}}
}

// lexErrorAt lexes src again to find where the lexer gave up, and why.
func lexErrorAt(src string, cfg *config.Config) (line, col int, msg string) {
	l := tokens.NewLexer(src, cfg)
	go l.Run()
	for tok := range l.Tokens { // drained to the end, so that Run returns
		if tok.Type == tokens.Error && line == 0 {
			line, col = offsetPos(l.Input, tok.Pos)
			msg = tok.Val
		}
	}
	return line, col, msg
}

func offsetPos(input string, off int) (line, col int) {
	if off < 0 || off > len(input) {
		off = len(input)
	}
	return tokens.ReadablePosition(off, input)
}

// placedStatements hands gonja fjord's statement parsers, made to give an
// error that has no position the position of its statement's "{%". gonja
// knows that token but does not pass it to the statement's parser, and
// many errors ({% if %}, {% for %} without a variable) have nothing else
// to point at.
type placedStatements struct {
	src string
	cfg *config.Config
}

func (g placedStatements) Get(name string) (parser.ControlStructureParser, bool) {
	f, ok := statements[name]
	if !ok {
		return nil, false
	}
	return func(p, args *parser.Parser) (nodes.ControlStructure, error) {
		after := p.Current() // the first token after the statement's "%}"
		cs, err := f(p, args)
		if err != nil {
			err = g.place(err, after)
		}
		return cs, err
	}, true
}

func (g placedStatements) place(err error, after *tokens.Token) error {
	var se *parser.SyntaxError
	if errors.As(err, &se) && (se.Line > 0 || se.Raw != "") {
		return err // placed already, or a lexer error syntaxError places
	}
	input := tokens.NewLexer(g.src, g.cfg).Input // what token offsets count in
	end := len(input)
	if after != nil && after.Type != tokens.EOF && after.Pos > 0 && after.Pos < end {
		end = after.Pos
	}
	i := strings.LastIndex(input[:end], g.cfg.BlockStartString)
	if i < 0 {
		return err
	}
	line, col := offsetPos(input, i)
	if se != nil {
		se.Line, se.Column = line, col // gonja made it for this parse only
		return err
	}
	return &parser.SyntaxError{Message: err.Error(), Line: line, Column: col}
}

// FilterError is what ansible's filters raise as AnsibleFilterError (and
// merge_hash as AnsibleError): a task that fails on it reports its text
// alone, with no place, as ansible-playbook does.
type FilterError struct{ Msg string }

func (e *FilterError) Error() string { return e.Msg }

func filterError(format string, args ...any) error {
	return &FilterError{Msg: fmt.Sprintf(format, args...)}
}

// pluginNotFound is Jinja2's error, through ansible's plugin loader, for a
// filter or test name nothing provides: a name that cannot be a plugin's
// ("asdf ", "a-b") is an invalid plugin name, as ansible qualifies a short
// one (ansible.builtin.NAME) before it looks.
func pluginNotFound(name string) string {
	key := name
	if !strings.Contains(name, ".") {
		key = "ansible.builtin." + name
	}
	if !validFQCR.MatchString(key) {
		return fmt.Sprintf("Could not load \"%s\": %s", name, value.Repr("invalid plugin name: "+key))
	}
	return fmt.Sprintf("Could not load \"%s\": %s", name, value.Repr(name))
}

// validFQCR is ansible's AnsibleCollectionRef.VALID_FQCR_RE.
var validFQCR = regexp.MustCompile(`^\w+(\.\w+){2,}$`)

// unknownPlugins is the error of a template that names a filter or test
// nothing provides: Jinja2 refuses it when it compiles the template,
// before anything is evaluated.
func unknownPlugins(fcs []*nodes.FilterCall, test *nodes.TestCall) error {
	for _, f := range fcs {
		if _, ok := filters[pluginName(f.Name, ansibleFilters)]; !ok {
			return &SyntaxError{Err: errors.New(pluginNotFound(f.Name))}
		}
	}
	if test != nil {
		if _, ok := jtests[pluginName(test.Name, ansibleTests)]; !ok {
			return &SyntaxError{Err: errors.New(pluginNotFound(test.Name))}
		}
	}
	return nil
}
