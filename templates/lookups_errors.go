package templates

import (
	"errors"
	"fmt"
)

// LookupError is an exception a lookup plugin raised. Class is its
// Python class as ansible-core names it: AnsibleError, AnsibleLookupError,
// AnsibleOptionsError, AnsibleUndefinedVariable, or a builtin such as
// ValueError. Which class it is decides what lookup() does with it, as
// ansible's Templar._lookup: the options, lookup and undefined errors
// reach the task as they are; any other is "an unhandled exception".
type LookupError struct {
	Plugin string
	Class  string
	Msg    string
}

// Error is the text the task fails with when the lookup ran from a
// template (lookup() or query()).
func (e *LookupError) Error() string {
	if e.Raw() {
		return e.Msg
	}
	return fmt.Sprintf("An unhandled exception occurred while running the lookup plugin '%s'. Error was a %s, original message: %s",
		e.Plugin, e.PyClass(), e.Msg)
}

// Raw says the error is one ansible passes on unwrapped.
func (e *LookupError) Raw() bool {
	switch e.Class {
	case "AnsibleLookupError", "AnsibleOptionsError", "AnsibleUndefinedVariable":
		return true
	}
	return false
}

// Ansible says the exception is one of ansible.errors' classes (a task
// fails with its message alone when it is raised outside a template, as
// with_X does), not a Python builtin.
func (e *LookupError) Ansible() bool {
	return len(e.Class) > 7 && e.Class[:7] == "Ansible"
}

// PyClass is the class as Python prints it.
func (e *LookupError) PyClass() string {
	if e.Ansible() {
		return "<class 'ansible.errors." + e.Class + "'>"
	}
	return "<class '" + e.Class + "'>"
}

// lkErr is a lookup plugin raising class with a message; the plugin's
// name is filled in by lookup().
func lkErr(class, format string, args ...any) error {
	return &LookupError{Class: class, Msg: fmt.Sprintf(format, args...)}
}

// asLookupError classifies what a plugin returned: its own LookupError,
// an undefined variable (raised as AnsibleUndefinedVariable), or any other
// error as a plain AnsibleError.
func asLookupError(name string, err error) *LookupError {
	var le *LookupError
	if errors.As(err, &le) && le.Plugin == "" {
		c := *le
		c.Plugin = name
		return &c
	}
	if le != nil {
		return le
	}
	var ue *UndefinedError
	if errors.As(err, &ue) {
		return &LookupError{Plugin: name, Class: "AnsibleUndefinedVariable", Msg: err.Error()}
	}
	return &LookupError{Plugin: name, Class: "AnsibleError", Msg: err.Error()}
}
