package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/runner"
)

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want []string
	}{
		{[]string{"/usr/bin/ansible-playbook", "-i", "x", "site.yml"}, []string{"fjord", "playbook", "-i", "x", "site.yml"}},
		{[]string{"ansible-inventory", "--list"}, []string{"fjord", "inventory", "--list"}},
		{[]string{`C:\bin\ansible-playbook.exe`}, []string{"fjord", "playbook"}},
		{[]string{"./fjord", "playbook", "x.yml"}, []string{"fjord", "playbook", "x.yml"}},
		{[]string{"/opt/fjord-1.0", "inventory"}, []string{"fjord", "inventory"}},
		{nil, []string{"fjord"}},
	} {
		argv := tc.argv
		if len(argv) > 0 && strings.Contains(argv[0], `\`) && filepath.Separator != '\\' {
			argv = append([]string{"ansible-playbook.exe"}, argv[1:]...)
		}
		if got := commandLine(argv); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("commandLine(%q) = %q, want %q", argv, got, tc.want)
		}
	}
}

func TestPersonalityRunsPlaybook(t *testing.T) {
	te := newTestEnv(t)
	code := te.main(t.Context(), []string{"/usr/local/bin/ansible-playbook", "site.yml", "-i", "inv", "-C"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	if te.got == nil || !te.got.Check || !reflect.DeepEqual(te.got.Playbooks, []string{"site.yml"}) ||
		!reflect.DeepEqual(te.got.Inventory, []string{"inv"}) {
		t.Errorf("options %+v", te.got)
	}
}

func TestPlaybookOptions(t *testing.T) {
	te := newTestEnv(t)
	code := te.playbook("a.yml", "-i", "h1,h2,", "--inventory-file", "inv/", "-l", "web", "-CD",
		"-t", "a, b", "--tags", "c,a", "--skip-tags", " x ,y", "-f", "20", "-c", "local", "-u", "deploy",
		"--key-file", "id", "-T", "30", "-b", "--become-user", "pg", "--become-method", "su", "-K",
		"--syntax-check", "--list-hosts", "--list-tasks", "--list-tags", "--start-at-task", "t 1",
		"--flush-cache", "--callback", "ansible.posix.json", "b.yml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	o := te.got
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	check("Playbooks", o.Playbooks, []string{"a.yml", "b.yml"})
	check("Inventory", o.Inventory, []string{"h1,h2,", "inv/"})
	check("Limit", o.Limit, "web")
	check("Check", o.Check, true)
	check("Diff", o.Diff, true)
	check("Tags", o.Tags, []string{"a", "b", "c"})
	check("SkipTags", o.SkipTags, []string{"x", "y"})
	check("Forks", o.Forks, 20)
	check("Connection", o.Connection, "local")
	check("RemoteUser", o.RemoteUser, "deploy")
	check("PrivateKey", o.PrivateKey, "id")
	check("Timeout", o.Timeout, 30)
	check("Become", o.Become, true)
	check("BecomeUser", o.BecomeUser, "pg")
	check("BecomeMethod", o.BecomeMethod, "su")
	check("BecomePass", o.BecomePass, "secret")
	check("prompts", te.prompts, []string{"BECOME password: "})
	check("SyntaxCheck", o.SyntaxCheck, true)
	check("ListHosts", o.ListHosts, true)
	check("ListTasks", o.ListTasks, true)
	check("ListTags", o.ListTags, true)
	check("StartAtTask", o.StartAtTask, "t 1")
	check("FlushCache", o.FlushCache, true)
	check("Callback", o.Callback, "json")
	check("Color", o.Color, false)
	if o.Stdout != &te.out || o.Stderr != &te.errOut || o.Log == nil {
		t.Error("Stdout, Stderr or Log not set")
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	te := newTestEnv(t)
	te.vars = map[string]string{
		"ANSIBLE_FORKS": "7", "ANSIBLE_REMOTE_USER": "ops", "ANSIBLE_BECOME": "yes",
		"ANSIBLE_INVENTORY": "a.ini, b.yml,", "ANSIBLE_STDOUT_CALLBACK": "minimal",
		"ANSIBLE_FORCE_COLOR": "1",
	}
	if code := te.playbook("site.yml"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	o := te.got
	if o.Forks != 7 || o.RemoteUser != "ops" || !o.Become || o.Callback != "minimal" || !o.Color ||
		!reflect.DeepEqual(o.Inventory, []string{"a.ini", "b.yml"}) {
		t.Errorf("options %+v", o)
	}

	// Flags win over the environment.
	te2 := newTestEnv(t)
	te2.vars = te.vars
	if code := te2.playbook("site.yml", "-f", "3", "-u", "me", "-i", "x", "--callback", "default"); code != 0 {
		t.Fatalf("exit %d: %s", code, te2.errOut.String())
	}
	o = te2.got
	if o.Forks != 3 || o.RemoteUser != "me" || o.Callback != "default" || !reflect.DeepEqual(o.Inventory, []string{"x"}) {
		t.Errorf("options %+v", o)
	}
}

func TestColor(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		tty  bool
		want bool
	}{
		{nil, true, true},
		{nil, false, false},
		{map[string]string{"NO_COLOR": "1"}, true, false},
		{map[string]string{"ANSIBLE_NOCOLOR": "true"}, true, false},
		{map[string]string{"ANSIBLE_NOCOLOR": "false"}, true, true},
		{map[string]string{"ANSIBLE_FORCE_COLOR": "yes"}, false, true},
		{map[string]string{"ANSIBLE_FORCE_COLOR": "1", "NO_COLOR": "1"}, false, true},
	} {
		get := func(k string) string { return tc.env[k] }
		if got := useColor(get, tc.tty); got != tc.want {
			t.Errorf("useColor(%v, tty=%v) = %v, want %v", tc.env, tc.tty, got, tc.want)
		}
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		argv   []string
		vars   map[string]string
		run    int // what the engine returns
		code   int
		stderr string
	}{
		{name: "runner code passes through", argv: []string{"playbook", "x.yml"}, run: 2, code: 2},
		// argparse's exit code for a command line it rejects is 2.
		{name: "no playbook", argv: []string{"playbook", "-C"}, code: 2, stderr: "ERROR! the following arguments are required: playbook\n"},
		{name: "unknown flag", argv: []string{"playbook", "--bogus", "x.yml"}, code: 2, stderr: "ERROR! flag provided but not defined: -bogus\n"},
		{name: "bad int", argv: []string{"playbook", "-f", "many", "x.yml"}, code: 2, stderr: "ERROR! invalid value"},
		{name: "forks 0", argv: []string{"playbook", "-f0", "x.yml"}, code: 2, stderr: "ERROR! The number of processes (--forks) must be >= 1\n"},
		{name: "bad ANSIBLE_FORKS", argv: []string{"playbook", "x.yml"}, vars: map[string]string{"ANSIBLE_FORKS": "x"}, code: 5, stderr: "ERROR! Invalid type for configuration option setting: DEFAULT_FORKS (from env: ANSIBLE_FORKS)"},
		{name: "bad callback", argv: []string{"playbook", "--callback", "nope", "x.yml"}, code: 1, stderr: "ERROR! Invalid callback for stdout specified: nope (fjord has: debug, default, json, minimal, null, oneline, skippy, yaml)\n"},
		{name: "exclusive", argv: []string{"playbook", "-K", "--become-password-file", "f", "x.yml"}, code: 2, stderr: "ERROR! argument --become-password-file: not allowed with argument --ask-become-pass\n"},
		{name: "unknown command", argv: []string{"frobnicate"}, code: 5, stderr: "ERROR! unknown command \"frobnicate\""},
		{name: "no command", argv: nil, code: 5},
		{name: "lab down positional", argv: []string{"lab", "down", "trials"}, code: 5, stderr: "ERROR! fjord lab down takes no arguments; name the lab with --name trials\n"},
		{name: "lab status positional", argv: []string{"lab", "status", "trials"}, code: 5, stderr: "ERROR! fjord lab status takes no arguments"},
		{name: "version", argv: []string{"--version"}, code: 0},
		{name: "playbook version", argv: []string{"playbook", "--version"}, code: 0},
		{name: "help", argv: []string{"playbook", "-h"}, code: 0},
		{name: "help with a playbook", argv: []string{"playbook", "-h", "site.yml"}, code: 0},
		{name: "unknown inventory flag", argv: []string{"inventory", "--bogus"}, code: 2},
		{name: "unknown vault flag", argv: []string{"vault", "encrypt", "--bogus"}, code: 2},
		{name: "missing password file", argv: []string{"playbook", "--become-password-file", "nope", "x.yml"}, code: 1, stderr: "ERROR! The password file /"},
		{name: "missing -e file", argv: []string{"playbook", "-e", "@nope.yml", "x.yml"}, code: 1, stderr: "ERROR! Unable to retrieve file contents\nCould not find or access '/"},
		{name: "bad -e YAML", argv: []string{"playbook", "-e", "{bad", "x.yml"}, code: 4, stderr: "ERROR! invalid extra vars '{bad'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			te := newTestEnv(t)
			te.code = tc.run
			if tc.vars != nil {
				te.vars = tc.vars
			}
			code := te.main(t.Context(), append([]string{"fjord"}, tc.argv...))
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, te.errOut.String())
			}
			if !strings.HasPrefix(te.errOut.String(), tc.stderr) {
				t.Errorf("stderr %q, want it to start with %q", te.errOut.String(), tc.stderr)
			}
		})
	}
}

func TestInterrupted(t *testing.T) {
	te := newTestEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	te.run = func(context.Context, *runner.Options) int {
		cancel()
		return runner.ExitError
	}
	if code := te.main(ctx, []string{"fjord", "playbook", "x.yml"}); code != 99 {
		t.Errorf("exit %d, want 99", code)
	}
	if got := te.errOut.String(); got != "ERROR! User interrupted execution\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestVersionOutput(t *testing.T) {
	te := newTestEnv(t)
	cfg := filepath.Join(te.dir, "ansible.cfg")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := te.playbook("--version"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(te.out.String(), "\n")
	if !strings.HasPrefix(lines[0], "fjord ") || lines[1] != "  config file = "+cfg {
		t.Errorf("--version printed %q", te.out.String())
	}
}

// TestVerboseConfigLine: under -v ansible-playbook 2.14 starts stdout with
// the config file in force, or says there is none.
func TestVerboseConfigLine(t *testing.T) {
	te := newTestEnv(t)
	if code := te.playbook("-v", "x.yml"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	if got := te.out.String(); got != "No config file found; using defaults\n" {
		t.Errorf("-v printed %q", got)
	}
	te = newTestEnv(t)
	cfg := filepath.Join(te.dir, "ansible.cfg")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := te.playbook("-vv", "x.yml"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	if got := te.out.String(); got != "Using "+cfg+" as config file\n" {
		t.Errorf("-vv printed %q", got)
	}
	te = newTestEnv(t)
	if te.playbook("x.yml"); te.out.Len() != 0 {
		t.Errorf("without -v: %q", te.out.String())
	}
}
