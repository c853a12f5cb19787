package main

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var checkAnsible = flag.Bool("ansible", false, "TestExitCodeTable: also run ansible-playbook on each case and check it still exits with the recorded code")

// exitProject is the project every exitCases line runs in.
var exitProject = map[string]string{
	"inv": "h1 ansible_connection=local\n" +
		"down ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1 ansible_user=nobody\n",
	"bad.ini":         "[web]\nweb1\n[web:vars]\nnovalue\n",
	"ok.yml":          "- hosts: h1\n  gather_facts: false\n  tasks:\n    - debug: msg=ok\n",
	"role.yml":        "- hosts: h1\n  gather_facts: false\n  roles: [nosuchrole]\n",
	"undef.yml":       "- hosts: h1\n  gather_facts: false\n  tasks:\n    - debug: msg=\"{{ nope }}\"\n",
	"syntax.yml":      "- hosts: h1\n  gather_facts: false\n  tasks: [\n",
	"fail.yml":        "- hosts: h1\n  gather_facts: false\n  tasks:\n    - fail:\n",
	"unreach.yml":     "- hosts: down\n  gather_facts: false\n  tasks:\n    - ping:\n",
	"varsvault.yml":   "- hosts: h1\n  gather_facts: false\n  vars_files: [secret.yml]\n  tasks:\n    - debug: var=secret\n",
	"secret.yml":      "secret: 1\n", // encrypted before the cases run
	"inlinevault.yml": "- hosts: h1\n  gather_facts: false\n  vars_files: [inline.yml]\n  tasks:\n    - debug: var=secret\n",
	"playvault.yml":   "- hosts: h1\n  gather_facts: false\n  tasks:\n    - debug: msg=ok\n", // encrypted too
	"badvars.yml":     "x: [\n",
	"list.yml":        "- 1\n",
	"pw":              "pw\n",
	"bad.cfg":         "[defaults\nx=1\n",
	"callback.cfg":    "[defaults]\nstdout_callback = nope\n",
	"cfgforks.cfg":    "[defaults]\nforks = many\n",
	"loop.ini":        "[a:children]\nb\n[b:children]\na\n",
	"localhost.yml":   "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug: msg=ok\n",
}

// exitCases are command lines and the code ansible-playbook exits with on
// them. ansible is the code ansible-core 2.14.18 gave, run by hand in this
// project (go test -run TestExitCodeTable -ansible runs it again); fjord
// must give the same.
var exitCases = []struct {
	name    string
	args    []string
	env     []string
	ansible int
}{
	{"success", []string{"-i", "inv", "ok.yml"}, nil, 0},
	{"help with a playbook", []string{"-h", "ok.yml"}, nil, 0},
	{"unknown option", []string{"-i", "inv", "ok.yml", "--bogus"}, nil, 2},
	{"bad option value", []string{"-i", "inv", "ok.yml", "-f", "many"}, nil, 2},
	{"forks 0", []string{"-i", "inv", "ok.yml", "-f", "0"}, nil, 2},
	{"no playbook argument", []string{"-i", "inv"}, nil, 2},
	{"exclusive options", []string{"-i", "inv", "ok.yml", "--ask-vault-pass", "--vault-password-file", "pw"}, nil, 2},
	{"missing playbook file", []string{"-i", "inv", "nosuch.yml"}, nil, 1},
	{"missing role", []string{"-i", "inv", "role.yml"}, nil, 1},
	{"missing role, --syntax-check", []string{"-i", "inv", "role.yml", "--syntax-check"}, nil, 1},
	{"undefined variable in a task", []string{"-i", "inv", "undef.yml"}, nil, 2},
	{"YAML syntax error", []string{"-i", "inv", "syntax.yml"}, nil, 4},
	{"YAML syntax error, --syntax-check", []string{"-i", "inv", "syntax.yml", "--syntax-check"}, nil, 4},
	{"failed host", []string{"-i", "inv", "fail.yml"}, nil, 2},
	{"unreachable host", []string{"-i", "inv", "unreach.yml"}, nil, 4},
	{"-e file not YAML", []string{"-i", "inv", "ok.yml", "-e", "@badvars.yml"}, nil, 4},
	{"-e inline not YAML", []string{"-i", "inv", "ok.yml", "-e", "{bad"}, nil, 4},
	{"-e file missing", []string{"-i", "inv", "ok.yml", "-e", "@nosuch.yml"}, nil, 1},
	{"-e not a mapping", []string{"-i", "inv", "ok.yml", "-e", "@list.yml"}, nil, 5},
	{"vault password missing, encrypted vars file", []string{"-i", "inv", "varsvault.yml"}, nil, 1},
	{"vault password missing, !vault value", []string{"-i", "inv", "inlinevault.yml"}, nil, 2},
	{"vault password missing, playbook", []string{"-i", "inv", "playvault.yml"}, nil, 1},
	{"vault password file missing", []string{"-i", "inv", "ok.yml", "--vault-password-file", "nosuch"}, nil, 1},
	{"become password file missing", []string{"-i", "inv", "ok.yml", "--become-password-file", "nosuch"}, nil, 1},
	{"--limit matches nothing", []string{"-i", "inv", "ok.yml", "-l", "nomatch"}, nil, 1},
	{"--limit letter range", []string{"-i", "inv", "ok.yml", "-l", "h[a:b]"}, nil, 1},
	{"--limit bad regex", []string{"-i", "inv", "ok.yml", "-l", "~("}, nil, 1},
	{"--limit file missing", []string{"-i", "inv", "ok.yml", "-l", "@nosuch"}, nil, 1},
	{"inventory does not parse", []string{"-i", "bad.ini", "ok.yml"}, nil, 0},
	{"inventory children loop, localhost play", []string{"-i", "loop.ini", "localhost.yml"}, nil, 0},
	{"inventory does not parse, unparsed_is_failed", []string{"-i", "bad.ini", "ok.yml"}, []string{"ANSIBLE_INVENTORY_UNPARSED_FAILED=1"}, 1},
	{"ansible.cfg does not parse", []string{"-i", "inv", "ok.yml"}, []string{"ANSIBLE_CONFIG=bad.cfg"}, 5},
	{"ansible.cfg bad forks", []string{"-i", "inv", "ok.yml"}, []string{"ANSIBLE_CONFIG=cfgforks.cfg"}, 5},
	{"unknown stdout callback", []string{"-i", "inv", "ok.yml"}, []string{"ANSIBLE_CONFIG=callback.cfg"}, 1},
}

// TestExitCodeTable runs the built binary, as ansible-playbook, on each
// line of exitCases.
func TestExitCodeTable(t *testing.T) {
	bin := buildBinary(t)
	alias := filepath.Join(filepath.Dir(bin), "ansible-playbook")
	if err := os.Symlink(bin, alias); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, content := range exitProject {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"secret.yml", "playvault.yml"} {
		if code, out := runIn(t, dir, bin, nil, "vault", "encrypt", "--vault-password-file", "pw", f); code != 0 {
			t.Fatalf("vault encrypt %s: exit %d: %s", f, code, out)
		}
	}
	code, out := runIn(t, dir, bin, nil, "vault", "encrypt_string", "--vault-password-file", "pw", "--name", "secret", "value")
	if code != 0 {
		t.Fatalf("vault encrypt_string: exit %d: %s", code, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "inline.yml"), []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	var ansible string
	if *checkAnsible {
		var err error
		if ansible, err = exec.LookPath("ansible-playbook"); err != nil {
			t.Fatalf("-ansible: %v", err)
		}
	}
	for _, tc := range exitCases {
		t.Run(tc.name, func(t *testing.T) {
			if code, out := runIn(t, dir, alias, tc.env, tc.args...); code != tc.ansible {
				t.Errorf("fjord exit %d, ansible-playbook %d\n%s", code, tc.ansible, out)
			}
			if ansible != "" {
				if code, out := runIn(t, dir, ansible, tc.env, tc.args...); code != tc.ansible {
					t.Errorf("ansible-playbook now exits %d, the table says %d\n%s", code, tc.ansible, out)
				}
			}
		})
	}
}

// runIn runs a command in dir with a clean Ansible environment: no
// ANSIBLE_* of the caller, HOME in dir, stdin empty.
func runIn(t *testing.T, dir, bin string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANSIBLE_") && !strings.HasPrefix(kv, "HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOME="+dir, "ANSIBLE_NOCOLOR=1", "ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_HOST_KEY_CHECKING=False", "ANSIBLE_PYTHON_INTERPRETER=auto_silent")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	case err != nil:
		t.Fatal(err)
	}
	return 0, string(out)
}
