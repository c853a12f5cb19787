package playbook

import (
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
	"gopkg.in/yaml.v3"
)

// The keywords, declared once: where each may be written, the type
// ansible-core 2.14 gives its field, and, for the keywords plays, roles,
// blocks and tasks share, where its value is kept in Keywords. The loader
// checks a node's keys and every literal value against this table; a value
// that holds a template is checked when it is rendered, per host.

// Where a keyword may be written.
const (
	onPlay = 1 << iota
	onRole // an entry of roles:
	onBlock
	onTask
	onHandler

	onShared = onPlay | onRole | onBlock | onTask | onHandler
	onAction = onTask | onHandler
)

// kwType is the type of a keyword's field, as ansible-core's FieldAttribute
// isa: what a literal value must convert to.
type kwType uint8

const (
	kwAny      kwType = iota
	kwBool            // isa bool: a container cannot convert
	kwInt             // isa int: a container or a non-numeric string cannot convert
	kwString          // isa string: a list or mapping is refused
	kwList            // isa list of names (tags, notify, listen): a mapping is refused
	kwMap             // isa dict
	kwSerial          // serial: ints and percentages, one or a list
	kwSections        // block, rescue, always, tasks...: read by the loader itself
)

type keyword struct {
	name  string
	where uint8
	typ   kwType
	// set stores a shared keyword's value in Keywords; nil for the
	// keywords a play, block or task reads itself.
	set func(kw *Keywords, v any)
}

var keywordTable = []keyword{
	// shared by plays, roles, blocks and tasks (ansible's Base, Become,
	// Taggable, Conditional, CollectionSearch)
	{"name", onShared, kwString, nil},
	{"any_errors_fatal", onShared, kwBool, func(k *Keywords, v any) { k.AnyErrorsFatal = v }},
	{"become", onShared, kwBool, func(k *Keywords, v any) { k.Become = v }},
	{"become_exe", onShared, kwString, func(k *Keywords, v any) { k.BecomeExe = v }},
	{"become_flags", onShared, kwString, func(k *Keywords, v any) { k.BecomeFlags = v }},
	{"become_method", onShared, kwString, func(k *Keywords, v any) { k.BecomeMethod = v }},
	{"become_user", onShared, kwString, func(k *Keywords, v any) { k.BecomeUser = v }},
	{"check_mode", onShared, kwBool, func(k *Keywords, v any) { k.CheckMode = v }},
	{"collections", onShared, kwList, nil},
	{"connection", onShared, kwString, func(k *Keywords, v any) { k.Connection = v }},
	{"debugger", onShared, kwString, nil},
	{"diff", onShared, kwBool, func(k *Keywords, v any) { k.Diff = v }},
	{"environment", onShared, kwAny, func(k *Keywords, v any) { k.Environment = value.Listify(v) }},
	{"ignore_errors", onShared, kwBool, func(k *Keywords, v any) { k.IgnoreErrors = v }},
	{"ignore_unreachable", onShared, kwBool, func(k *Keywords, v any) { k.IgnoreUnreachable = v }},
	{"module_defaults", onShared, kwAny, func(k *Keywords, v any) { k.ModuleDefaults = value.Listify(v) }},
	{"no_log", onShared, kwBool, func(k *Keywords, v any) { k.NoLog = v }},
	{"port", onShared, kwInt, func(k *Keywords, v any) { k.Port = v }},
	{"remote_user", onShared, kwString, func(k *Keywords, v any) { k.RemoteUser = v }},
	{"run_once", onShared, kwBool, func(k *Keywords, v any) { k.RunOnce = v }},
	{"tags", onShared, kwList, func(k *Keywords, v any) { k.Tags = tagList(v) }},
	{"throttle", onShared, kwInt, func(k *Keywords, v any) { k.Throttle = v }},
	// timeout is converted per host as ansible does, with its message
	// (runner/timeout.go)
	{"timeout", onShared, kwAny, func(k *Keywords, v any) { k.Timeout = v }},
	{"vars", onShared, kwAny, nil}, // a mapping or a list of them: parseKeywords
	// placed conditions: parseKeywords; not a play's (ansible's Play is
	// not Conditional), but import_playbook's (loadPlaysInto)
	{"when", onShared &^ onPlay, kwAny, nil},
	// blocks and tasks (ansible's Block and Task, not Play)
	{"delegate_to", onBlock | onAction, kwString, func(k *Keywords, v any) { k.DelegateTo = v }},
	{"delegate_facts", onBlock | onAction, kwBool, func(k *Keywords, v any) { k.DelegateFacts = v }},
	{"block", onBlock, kwSections, nil},
	{"rescue", onBlock, kwSections, nil},
	{"always", onBlock, kwSections, nil},
	// tasks
	{"action", onAction, kwAny, nil},
	{"local_action", onAction, kwAny, nil},
	{"args", onAction, kwAny, nil}, // a mapping or a template: mergeArgs
	{"async", onAction, kwInt, nil},
	{"poll", onAction, kwInt, nil},
	{"changed_when", onAction, kwAny, nil},
	{"failed_when", onAction, kwAny, nil},
	{"until", onAction, kwAny, nil},
	{"retries", onAction, kwInt, nil},
	{"delay", onAction, kwInt, nil},
	{"loop", onAction, kwAny, nil},
	{"loop_control", onAction, kwMap, nil},
	{"notify", onBlock | onAction, kwList, func(k *Keywords, v any) { k.Notify = nameList(v) }},
	{"register", onAction, kwString, nil},
	{"listen", onHandler, kwList, nil},
	// plays
	{"hosts", onPlay, kwAny, nil},
	{"gather_facts", onPlay, kwBool, nil},
	{"gather_subset", onPlay, kwAny, nil},
	{"gather_timeout", onPlay, kwInt, nil},
	{"fact_path", onPlay, kwString, nil},
	{"vars_files", onPlay, kwAny, nil},
	{"vars_prompt", onPlay, kwAny, nil},
	{"roles", onPlay, kwSections, nil},
	{"pre_tasks", onPlay, kwSections, nil},
	{"tasks", onPlay, kwSections, nil},
	{"post_tasks", onPlay, kwSections, nil},
	{"handlers", onPlay, kwSections, nil},
	{"serial", onPlay, kwSerial, nil},
	{"max_fail_percentage", onPlay, kwAny, nil},
	{"strategy", onPlay, kwString, nil},
	{"force_handlers", onPlay, kwBool, nil},
	{"order", onPlay, kwString, nil},
	{"import_playbook", onPlay, kwAny, nil},
}

// nameList is a notify or listen value: one name or a list of them.
func nameList(v any) []string {
	names := []string{}
	for _, e := range value.Listify(v) {
		names = append(names, value.String(e))
	}
	return names
}

// keywords indexes keywordTable by name.
var keywords = func() map[string]*keyword {
	m := make(map[string]*keyword, len(keywordTable))
	for i := range keywordTable {
		m[keywordTable[i].name] = &keywordTable[i]
	}
	return m
}()

// keywordAt is the keyword k when it may be written at where.
func keywordAt(k string, where uint8) (*keyword, bool) {
	kw, ok := keywords[k]
	if !ok || kw.where&where == 0 {
		return nil, false
	}
	return kw, true
}

// checkValue refuses a literal value that ansible-core could never convert
// to the keyword's type. ansible fails such a task on every host when it
// runs (a bool or an int), or at load (a string field given a list): fjord
// reports all of them at load, at the value, before any host is touched.
// A value holding a template is checked when it is rendered.
func (kw *keyword) checkValue(v any) error {
	if s, ok := v.(string); ok && templates.IsTemplate(s) {
		return nil
	}
	container := ""
	switch v.(type) {
	case []any:
		container = "AnsibleSequence"
	case *value.Map:
		container = "AnsibleMapping"
	}
	invalid := func(to string) error {
		return fmt.Errorf("the field '%s' has an invalid value (%s), and could not be converted to an %s", kw.name, value.Repr(v), to)
	}
	switch kw.typ {
	case kwString:
		if container != "" {
			return fmt.Errorf("The field '%s' is supposed to be a string type, however the incoming data structure is a <class 'ansible.parsing.yaml.objects.%s'>", kw.name, container)
		}
	case kwBool:
		if container != "" {
			return invalid("bool")
		}
	case kwInt:
		if !intLike(v) {
			return invalid("int")
		}
	case kwList:
		if container == "AnsibleMapping" {
			return fmt.Errorf("the field '%s' must be a list or a string, got a mapping (%s)", kw.name, value.Repr(v))
		}
	case kwMap:
		if _, ok := v.(*value.Map); !ok && v != nil {
			return fmt.Errorf("the field '%s' must be a mapping, got %s", kw.name, value.Repr(v))
		}
	case kwSerial:
		for _, e := range value.Listify(v) {
			if s, ok := e.(string); ok && (strings.HasSuffix(strings.TrimSpace(s), "%") || templates.IsTemplate(s)) {
				continue
			}
			if !intLike(e) {
				return invalid("int")
			}
		}
	}
	return nil
}

// intLike says whether Python's int() takes v (value.PyInt), as
// ansible's int fields convert it; null and templates wait for the run.
func intLike(v any) bool {
	if s, ok := v.(string); ok && templates.IsTemplate(s) {
		return true
	}
	if v == nil {
		return true
	}
	_, err := value.PyInt(v)
	return err == nil
}

// checkKeys refuses a node's keys that are neither keywords at where nor
// in extra, and literal values a keyword's type refuses. what names the
// node in the error: "play", "block".
func (l *Loader) checkKeys(file string, n *yaml.Node, where uint8, extra map[string]bool, what string) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if seen[k] {
			return errAt(posOf(file, n.Content[i]), "duplicate key %q in %s", k, what)
		}
		seen[k] = true
		if _, ok := keywordAt(k, where); !ok && !extra[k] {
			return errAt(posOf(file, n.Content[i]), "%q is not a valid attribute for a %s", k, what)
		}
	}
	return l.checkValues(file, n, where)
}

// checkValues refuses the literal values of n's keywords at where that
// their type refuses (keyword.checkValue), at the value.
func (l *Loader) checkValues(file string, n *yaml.Node, where uint8) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		kw, ok := keywordAt(n.Content[i].Value, where)
		if !ok || kw.typ == kwAny || kw.typ == kwSections {
			continue
		}
		vn := n.Content[i+1]
		v, err := l.nodeValue(file, vn)
		if err != nil {
			return err
		}
		if err := kw.checkValue(v); err != nil {
			return &Error{Pos: posOf(file, vn), Err: err}
		}
	}
	return nil
}
