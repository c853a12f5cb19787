package modules

import (
	"github.com/fjord-run/fjord/value"
)

// Validator is implemented by modules that check combinations of their
// arguments (mutually exclusive, required together, required if) once
// they are decoded, as Ansible's argument spec does.
type Validator interface {
	Validate() error
}

// Provisioner is implemented by modules that prepare, from their
// arguments alone, what every run needs: compiled regular expressions,
// parsed sizes. It runs after Validate, so an error in an argument's
// combination is reported before one in its content, in Ansible's order
// (argument spec first, then the module's body). Provision reaches no
// host, so it also runs at load time (Check).
type Provisioner interface {
	Provision() error
}

// RawArgs is implemented by Raw modules that take their arguments as
// given and check them themselves.
type RawArgs interface {
	SetArgs(args *value.Map) error
}

// Decode is the one way to build a module instance from its arguments:
// New (Info.New), decode (names, aliases, types, choices, defaults),
// Validate, Provision. The engine calls it with the task's templated
// arguments, then Execute.
func Decode(info *Info, args *value.Map) (Module, error) { return DecodeAs(info, "", args) }

// DecodeAs is Decode naming the module as the task wrote it (in an
// unsupported parameter's message, as ansible does).
func DecodeAs(info *Info, used string, args *value.Map) (Module, error) {
	m, err := decode(info, used, args)
	if err != nil || info.Raw {
		return m, err
	}
	if v, ok := m.(Validator); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	if p, ok := m.(Provisioner); ok {
		if err := p.Provision(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Check is Decode at load time, for a task whose arguments hold no
// template: every error Decode would give on every host (an unknown or
// missing argument, a bad type or choice, a bad combination, a regexp
// that does not compile) is given once, before any host is touched, in
// the same words. The caller passes the arguments as the engine would
// decode them: a free-form string under info.FreeForm, module_defaults
// merged, omitted ones dropped.
func Check(info *Info, args *value.Map) error {
	_, err := Decode(info, args)
	return err
}
