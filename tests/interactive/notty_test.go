package interactive

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fjord-run/fjord/internal/testgate"
)

// run runs argv in dir with stdin from /dev/null and returns stdout,
// stderr and the exit code.
func run(t *testing.T, dir string, argv []string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_CONFIG="+filepath.Join(dir, "ansible.cfg"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return normalise(out.String()), errb.String(), code
}

// TestNotATerminal: with stdin not a terminal ansible asks nothing:
// vars_prompt warns and takes the default (or "None"), pause warns and
// goes on, --step finds no answer and ends the run.
func TestNotATerminal(t *testing.T) {
	ansible := testgate.Tool(t, "ansible-playbook", "apt-get install -y ansible-core")
	bin := fjord(t)
	for _, c := range []struct {
		playbook string
		args     []string
	}{
		{"vars_prompt.yml", nil},
		{"pause.yml", nil},
		{"step.yml", []string{"--step"}},
	} {
		t.Run(c.playbook, func(t *testing.T) {
			common := append([]string{"-i", "localhost,", "-c", "local", c.playbook}, c.args...)
			wo, we, wc := run(t, project(t, c.playbook), append([]string{ansible}, common...))
			fo, fe, fc := run(t, project(t, c.playbook), append([]string{bin, "playbook"}, common...))
			if fo != wo {
				t.Errorf("stdout differs\nansible-playbook: %q\nfjord:            %q", wo, fo)
			}
			if fe != we {
				t.Errorf("stderr differs\nansible-playbook: %q\nfjord:            %q", we, fe)
			}
			if fc != wc {
				t.Errorf("exit code: fjord %d, ansible-playbook %d", fc, wc)
			}
		})
	}
}
