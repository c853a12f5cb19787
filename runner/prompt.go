package runner

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// prompt answers a play's vars_prompt: an extra var of the same name wins
// (as Ansible skips the prompt then); with no terminal the default is
// used; otherwise the user is asked on the terminal.
func (r *run) prompt(pr *playRun) error {
	p := pr.play
	if len(p.VarsPrompt) == 0 {
		return nil
	}
	vars := p.Kw.Vars.Clone()
	for _, m := range p.VarsPrompt {
		name := value.String(get(m, "name"))
		if _, ok := r.extraVars.Get(name); ok {
			continue
		}
		def, hasDef := m.Get("default")
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			if !hasDef {
				return fmt.Errorf("vars_prompt %q: no terminal to ask on and no default", name)
			}
			vars.Set(name, def)
			continue
		}
		text := value.String(get(m, "prompt"))
		if text == "" || text == "None" {
			text = name
		}
		if hasDef && def != nil {
			text += fmt.Sprintf(" [%s]", value.String(def))
		}
		fmt.Fprintf(tty, "%s: ", text)
		line, _ := bufio.NewReader(tty).ReadString('\n')
		tty.Close()
		line = strings.TrimRight(line, "\r\n")
		if line == "" && hasDef {
			vars.Set(name, def)
		} else {
			vars.Set(name, line)
		}
	}
	p.Kw.Vars = vars
	return nil
}
