package templates

import (
	"fmt"

	"github.com/fjord-run/fjord/value"
)

// UndefinedError reports the use of an undefined variable or attribute, in
// Ansible's words.
type UndefinedError struct {
	// Name is the variable, attribute or key that is missing.
	Name string
	// Owner is set for a missing attribute: "dict object", "list object"...
	Owner string
	// Hint, when set, replaces the generated message.
	Hint string

	// obj is what an attribute or item was missing from (hasObj), and
	// index the missing item when it is not a name (a list's element):
	// Jinja2's _undefined_obj and _undefined_name, for the message and
	// for AnsibleUndefined's repr.
	obj    any
	hasObj bool
	index  any
}

func (e *UndefinedError) Error() string {
	switch {
	case e.Hint != "":
		return e.Hint
	case e.index != nil:
		r, _ := repr(e.index)
		return fmt.Sprintf("%s has no element %s", e.Owner, r)
	case e.Owner == "None":
		return fmt.Sprintf("'None' has no attribute '%s'", e.Name)
	case e.Owner != "":
		return fmt.Sprintf("'%s' has no attribute '%s'", e.Owner, e.Name)
	}
	return fmt.Sprintf("'%s' is undefined", e.Name)
}

// undefined is Ansible's AnsibleUndefined: using it is an error, but
// attribute and item access on it give it back, so that
// a.missing.deeper | default(x) works. Jinja2 hands it to filters and
// tests as any other value; most of them fail on it at once (see
// undefinedOK, undefinedArgOK), the few that only pass it on or look at
// it do not, so that the error comes when, and only if, it is used.
type undefined struct{ err *UndefinedError }

func undefName(name string) *undefined { return &undefined{&UndefinedError{Name: name}} }

func undefAttr(owner any, name string) *undefined {
	e := &UndefinedError{Name: name, obj: owner, hasObj: true}
	if owner == nil {
		e.Owner = "None"
	} else {
		e.Owner = typeName(owner) + " object"
	}
	return &undefined{e}
}

// undefElem is obj[key] for a key that is not a name: "list object has
// no element 3".
func undefElem(owner any, key any) *undefined {
	return &undefined{&UndefinedError{Owner: typeName(owner) + " object", obj: owner, hasObj: true, index: key}}
}

func isUndef(v any) bool { _, ok := v.(*undefined); return ok }

// pyRepr is AnsibleUndefined's repr (what '%r' | format(x) prints):
// AnsibleUndefined(hint=..., obj=..., name=...).
func (u *undefined) pyRepr() string {
	e := u.err
	hint, obj, name := "None", "missing", "None"
	if e.Hint != "" {
		hint = value.Repr(e.Hint)
	}
	if e.hasObj {
		if r, err := repr(e.obj); err == nil {
			obj = r
		}
	}
	switch {
	case e.Name != "":
		name = value.Repr(e.Name)
	case e.index != nil:
		name, _ = repr(e.index)
	}
	return fmt.Sprintf("AnsibleUndefined(hint=%s, obj=%s, name=%s)", hint, obj, name)
}

// undefinedArgOK are the filters that take an undefined argument as a
// value (default's fallback, the branch of ternary not taken, format's
// %r) instead of failing on it; undefinedTestArgOK the tests.
var (
	undefinedArgOK     = map[string]bool{"default": true, "d": true, "mandatory": true, "ternary": true, "format": true, "extract": true}
	undefinedTestArgOK = map[string]bool{"sameas": true}
)

// firstUndefined is the error of the first undefined among vs, if any.
func firstUndefined(vs []any) error {
	for _, v := range vs {
		if u, ok := v.(*undefined); ok {
			return u.err
		}
	}
	return nil
}
