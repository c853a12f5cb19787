package runner

import (
	"context"
	"fmt"

	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// prompt answers a play's vars_prompt as ansible-playbook does, before
// the play's banner: the entries are templated with the play's vars; an
// extra var of the same name skips the question; with stdin not a
// terminal nothing is asked (warned once) and the default, or the text
// "None", is the answer; private (the default) reads without echo on
// /dev/tty; confirm asks twice until both match; an empty answer takes
// the default; encrypt hashes it as the password_hash filter does
// (passlib's form). The value is text, unsafe when unsafe is set.
func (r *run) prompt(ctx context.Context, pr *playRun) error {
	p := pr.play
	if len(p.VarsPrompt) == 0 {
		return nil
	}
	vars := p.Kw.Vars.Clone()
	sc := &scope{r: r, layers: []*value.Map{p.Kw.Vars, r.extraVars}}
	for _, raw := range p.VarsPrompt {
		name := value.String(get(raw, "name"))
		if _, ok := r.extraVars.Get(name); ok {
			continue
		}
		rendered, err := sc.render(raw)
		if err != nil {
			return fmt.Errorf("vars_prompt %q: %w", name, err)
		}
		m, _ := rendered.(*value.Map)
		if m == nil {
			m = raw
		}
		text, hasPrompt := m.Get("prompt")
		if !hasPrompt {
			text = name
		}
		def, _ := m.Get("default")
		private := true
		if v, ok := m.Get("private"); ok {
			private = value.Bool(v)
		}
		confirm := false
		if v, ok := m.Get("confirm"); ok {
			confirm = value.Bool(v)
		}
		var answer any // nil: no answer, as ansible's None
		if r.o.Stdin != nil && isTerminal(r.o.Stdin) {
			var msg string
			switch {
			case value.Truthy(text) && def != nil:
				msg = fmt.Sprintf("%s [%s]: ", value.String(text), value.String(def))
			case value.Truthy(text):
				msg = value.String(text) + ": "
			default:
				msg = "input for " + name + ": "
			}
			ask := r.input
			if private {
				ask = r.getpass
			}
			for {
				a, err := ask(ctx, msg)
				if err != nil {
					return fmt.Errorf("vars_prompt %q: %w", name, err)
				}
				if !confirm {
					answer = a
					break
				}
				b, err := ask(ctx, "confirm "+msg)
				if err != nil {
					return fmt.Errorf("vars_prompt %q: %w", name, err)
				}
				if a == b {
					answer = a
					break
				}
				r.write("***** VALUES ENTERED DO NOT MATCH ****\n")
			}
		} else {
			r.warn("Not prompting as we are not in interactive mode")
		}
		if !value.Truthy(answer) && def != nil {
			answer = def
		}
		s := value.String(answer)
		if enc, ok := m.Get("encrypt"); ok && value.Truthy(enc) {
			salt, _ := m.Get("salt")
			size, _ := m.Get("salt_size")
			h, err := templates.PasswordHash(s, value.String(enc), salt, size)
			if err != nil {
				return fmt.Errorf("vars_prompt %q: encrypt: %w", name, err)
			}
			s = h
		}
		if v, ok := m.Get("unsafe"); ok && value.Truthy(v) {
			vars.Set(name, value.Unsafe(s))
		} else {
			vars.Set(name, s)
		}
	}
	p.Kw.Vars = vars
	return nil
}
