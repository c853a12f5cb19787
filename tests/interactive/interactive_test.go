package interactive

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fjord-run/fjord/internal/testgate"
)

var (
	buildOnce sync.Once
	fjordBin  string
	buildErr  error
	buildOut  []byte
)

// fjord builds ./cmd/fjord once for the package's tests.
func fjord(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fjord-interactive-")
		if err != nil {
			buildErr = err
			return
		}
		fjordBin = filepath.Join(dir, "fjord")
		cmd := exec.Command("go", "build", "-o", fjordBin, "./cmd/fjord")
		cmd.Dir = filepath.Join("..", "..")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build ./cmd/fjord: %v\n%s", buildErr, buildOut)
	}
	return fjordBin
}

// project is a fresh directory holding the playbook and an empty
// ansible.cfg, so that no configuration around changes either side.
func project(t *testing.T, playbook string) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("testdata", playbook))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, playbook), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ansible.cfg"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// compare runs the playbook with ansible-playbook and with fjord, each
// under its own terminal with the same keys, and wants the same screen
// output and exit code.
func compare(t *testing.T, playbook string, args []string, keys []key) {
	t.Helper()
	ansible := testgate.Tool(t, "ansible-playbook", "apt-get install -y ansible-core")
	bin := fjord(t)
	common := append([]string{"-i", "localhost,", "-c", "local", playbook}, args...)
	want, wantCode := session(t, project(t, playbook), append([]string{ansible}, common...), keys)
	got, gotCode := session(t, project(t, playbook), append([]string{bin, "playbook"}, common...), keys)
	if got != want {
		t.Errorf("terminal output differs\nansible-playbook: %q\nfjord:            %q", want, got)
	}
	if gotCode != wantCode {
		t.Errorf("exit code: fjord %d, ansible-playbook %d", gotCode, wantCode)
	}
}

func TestStep(t *testing.T) {
	compare(t, "step.yml", []string{"--step"}, []key{
		{want: "TASK: one (N)o/(y)es/(c)ontinue: ", send: "y\r"},
		{want: "TASK: two {{ 1 + 1 }} (N)o", send: "n\r"},
		{want: "TASK: debug (N)o", send: "yes\r"},
		{want: "HANDLER: restart (N)o", send: "Y\r"},
		{want: "TASK: Gathering Facts (N)o", send: "\r"},
		{want: "TASK: last (N)o", send: "c\r"},
	})
}

// TestStepEndOfInput: Ctrl+D at the question ends the run as ansible's
// EOFError does.
func TestStepEndOfInput(t *testing.T) {
	compare(t, "step.yml", []string{"--step"}, []key{
		{want: "TASK: one (N)o/(y)es/(c)ontinue: ", send: "y\r"},
		{want: "TASK: two {{ 1 + 1 }} (N)o", send: "\x04"},
	})
}

// TestPause: Enter after typing with a backspace, a hidden answer,
// Ctrl+C then C, Ctrl+C then A (which fails the play).
func TestPause(t *testing.T) {
	compare(t, "pause.yml", nil, []key{
		{want: "interrupt:", send: "ab\x7fc\r"},
		{want: "(output is hidden):", send: "xyz\r"},
		{want: "interrupt:", n: 2, send: "\x03"},
		{want: "abort", send: "c"},
		{want: "Say:", send: "\x03"},
		{want: "abort", n: 2, send: "a"},
	})
}

// TestPauseTimed: a minute's pause ended early by Ctrl+C then C, after
// a prompted pause answered with Enter.
func TestPauseTimed(t *testing.T) {
	compare(t, "pause_timed.yml", nil, []key{
		{want: "Go on:", send: "x\r"},
		{want: "= abort)", send: "\x03"},
		{want: "or 'A' to abort", send: "c"},
	})
}

// TestVarsPrompt: private (default) and visible answers, an empty answer
// taking the default, confirm with a mismatch then a match, a prompt of
// "" (ansible asks "input for NAME").
func TestVarsPrompt(t *testing.T) {
	compare(t, "vars_prompt.yml", nil, []key{
		{want: "secret: ", send: "s3\r"},
		{want: "Your colour: ", send: "red\r"},
		{want: "Pick [blue]: ", send: "\r"},
		{want: "Password: ", send: "aa\r"},
		{want: "confirm Password: ", send: "bb\r"},
		{want: "Password: ", n: 3, send: "cc\r"},
		{want: "confirm Password: ", n: 2, send: "cc\r"},
		{want: "input for noprompt: ", send: "np\r"},
	})
}

// TestVarsPromptExtraVars: extra vars answer every prompt.
func TestVarsPromptExtraVars(t *testing.T) {
	compare(t, "vars_prompt.yml", []string{"-e", "secret=1", "-e", "visible=2", "-e", "withdef=3", "-e", "conf=4", "-e", "noprompt=5"}, nil)
}

// TestVarsPromptEncrypt: encrypt with a given salt (so the hash is known)
// and unsafe, whose answer is not templated as the other's is.
func TestVarsPromptEncrypt(t *testing.T) {
	compare(t, "vars_prompt_encrypt.yml", nil, []key{
		{want: "pw: ", send: "secret\r"},
		{want: "md5: ", send: "m\r"},
		{want: "confirm md5: ", send: "m\r"},
		{want: "Kept as typed: ", send: "{{ 1 + 1 }}\r"},
		{want: "Templated later: ", send: "{{ 2 + 2 }}\r"},
	})
}

// TestInterruptAtQuestion: Ctrl+C at a --step or vars_prompt question
// ends the run with ansible's exit code 99 rather than waiting for Enter.
// (The words printed differ: fjord prints its interruption message.)
func TestInterruptAtQuestion(t *testing.T) {
	ansible := testgate.Tool(t, "ansible-playbook", "apt-get install -y ansible-core")
	bin := fjord(t)
	for _, c := range []struct {
		playbook string
		args     []string
		want     string
	}{
		{"step.yml", []string{"--step"}, "TASK: one (N)o"},
		{"vars_prompt.yml", nil, "secret: "},
	} {
		t.Run(c.playbook, func(t *testing.T) {
			common := append([]string{"-i", "localhost,", "-c", "local", c.playbook}, c.args...)
			keys := []key{{want: c.want, send: "\x03"}}
			_, wantCode := session(t, project(t, c.playbook), append([]string{ansible}, common...), keys)
			_, gotCode := session(t, project(t, c.playbook), append([]string{bin, "playbook"}, common...), keys)
			if gotCode != wantCode {
				t.Errorf("exit code: fjord %d, ansible-playbook %d", gotCode, wantCode)
			}
		})
	}
}
