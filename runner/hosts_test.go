package runner

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

const twoWeb = "[web]\nweb1 ansible_connection=local\nweb2 ansible_connection=local\n"

const debugAll = "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n"

const noHostsOut = "\nPLAY [all] *********************************************************************\n" +
	"skipping: no hosts matched\n\n" +
	"PLAY RECAP *********************************************************************\n\n"

// TestTargetHosts checks --limit and inventory warnings against what
// ansible-playbook 2.14.18 printed for the same files (stdout and stderr
// byte for byte, DIR standing for the directory of the files).
func TestTargetHosts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		inventory string
		limit     string
		opts      func(*Options)
		code      int
		stdout    string
		stderr    string
	}{
		{
			name: "limit matches nothing", inventory: twoWeb, limit: "nomatch", code: ExitError,
			stderr: "[WARNING]: Could not match supplied host pattern, ignoring: nomatch\n" +
				"ERROR! Specified inventory, host pattern and/or --limit leaves us with no hosts to target.\n",
		},
		{
			name: "limit range of letters", inventory: twoWeb, limit: "web[a:b]", code: ExitError,
			stderr: "[WARNING]: Could not match supplied host pattern, ignoring: web[a:b]\n" +
				"ERROR! Specified inventory, host pattern and/or --limit leaves us with no hosts to target.\n",
		},
		{
			name: "limit bad regex", inventory: twoWeb, limit: "~(", code: ExitError,
			stderr: "ERROR! Invalid host list pattern: ~(\n",
		},
		{
			name: "limit missing file", inventory: twoWeb, limit: "@DIR/nope", code: ExitError,
			stderr: "ERROR! Unable to find limit file DIR/nope\n",
		},
		{
			name: "limit matches part", inventory: twoWeb, limit: "web1,zz",
			stderr: "[WARNING]: Could not match supplied host pattern, ignoring: zz\n",
			stdout: "\nPLAY [all] *********************************************************************\n\n" +
				"TASK [debug] *******************************************************************\n" +
				"ok: [web1] => {\n    \"msg\": \"hi\"\n}\n\n" +
				"PLAY RECAP *********************************************************************\n" +
				"web1                       : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n\n",
		},
		{
			name: "empty inventory", inventory: "", limit: "nomatch",
			stderr: "[WARNING]: provided hosts list is empty, only localhost is available. Note that\n" +
				"the implicit localhost does not match 'all'\n" +
				"[WARNING]: Could not match supplied host pattern, ignoring: nomatch\n",
			stdout: noHostsOut,
		},
		{
			name: "empty inventory, localhost_warning off", inventory: "", limit: "nomatch",
			opts:   func(o *Options) { o.NoLocalhostWarning = true },
			stderr: "[WARNING]: Could not match supplied host pattern, ignoring: nomatch\n",
			stdout: noHostsOut,
		},
		{
			// Ansible's reason differs (Python's words); fjord's is
			// positioned. The layout, order and exit code are ansible's.
			name: "children loop", inventory: "[a:children]\nb\n[b:children]\na\n[a]\nh1\n",
			stderr: "[WARNING]:  * Failed to parse DIR/inv.ini with ini plugin: DIR/inv.ini:4:1: Adding group 'a' as child to 'b' creates a recursive dependency loop.\n" +
				"[WARNING]: Unable to parse DIR/inv.ini as an inventory source\n" +
				"[WARNING]: No inventory was parsed, only implicit localhost is available\n" +
				"[WARNING]: provided hosts list is empty, only localhost is available. Note that the implicit localhost does not match 'all'\n",
			stdout: noHostsOut,
		},
		{
			name: "garbage line", inventory: "[web]\nweb1\n\n[web:vars]\nfoo\n", limit: "web1",
			stderr: "[WARNING]:  * Failed to parse DIR/inv.ini with ini plugin: DIR/inv.ini:5:1: Expected key=value, got: foo\n" +
				"[WARNING]: Unable to parse DIR/inv.ini as an inventory source\n" +
				"[WARNING]: No inventory was parsed, only implicit localhost is available\n" +
				"[WARNING]: provided hosts list is empty, only localhost is available. Note that the implicit localhost does not match 'all'\n",
			stdout: noHostsOut,
		},
		{
			name: "unparsed is failed", inventory: "[web]\nweb1\n\n[web:vars]\nfoo\n", code: ExitError,
			opts: func(o *Options) { o.InventoryUnparsedIsFailed = true },
			stderr: "[WARNING]:  * Failed to parse DIR/inv.ini with ini plugin: DIR/inv.ini:5:1: Expected key=value, got: foo\n" +
				"[WARNING]: Unable to parse DIR/inv.ini as an inventory source\n" +
				"ERROR! No inventory was parsed, please check your configuration and options.\n",
		},
		{
			// Ansible decodes with surrogateescape and prints the byte as '?'.
			name: "byte that is not UTF-8", inventory: "[web]\nh\xff2 ansible_connection=local\n",
			stdout: "\nPLAY [all] *********************************************************************\n\n" +
				"TASK [debug] *******************************************************************\n" +
				"ok: [h?2] => {\n    \"msg\": \"hi\"\n}\n\n" +
				"PLAY RECAP *********************************************************************\n" +
				"h?2                        : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// .ini: the yaml plugin does not try it, so only the ini
			// plugin's failure is printed.
			dir := writeFiles(t, map[string]string{"site.yml": debugAll, "inv.ini": tc.inventory})
			var stdout, stderr bytes.Buffer
			o := &Options{
				Playbooks: []string{filepath.Join(dir, "site.yml")},
				Inventory: []string{filepath.Join(dir, "inv.ini")},
				Limit:     strings.ReplaceAll(tc.limit, "DIR", dir),
				Stdout:    &stdout,
				Stderr:    &stderr,
			}
			if tc.opts != nil {
				tc.opts(o)
			}
			code := Run(context.Background(), o)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, tc.code, stderr.String())
			}
			if got := stdout.String(); got != tc.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, tc.stdout)
			}
			// Warnings are wrapped at 79 columns (where depends on DIR); errors
			// are not.
			got := stderr.String()
			for _, l := range strings.Split(got, "\n") {
				if !strings.HasPrefix(l, "ERROR!") && len([]rune(l)) > 79 {
					t.Errorf("stderr line longer than 79 columns: %q", l)
				}
			}
			if want := strings.ReplaceAll(tc.stderr, "DIR", dir); unwrap(got) != unwrap(want) {
				t.Errorf("stderr:\n%s\nwant (as unwrapped):\n%s", got, want)
			}
		})
	}
}

// unwrap joins each warning's wrapped lines back into one.
func unwrap(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), " [WARNING]:", "\n[WARNING]:")
}

// TestLoadExitCodes: a playbook that names a role or tasks file that is
// not there fails to load with 1, as ansible-playbook 2.14 (an
// AnsibleError); a parse error gives 4.
func TestLoadExitCodes(t *testing.T) {
	for name, tc := range map[string]struct {
		play string
		code int
	}{
		"missing role":            {"- hosts: all\n  gather_facts: false\n  roles: [nosuchrole]\n", ExitError},
		"missing import":          {"- hosts: all\n  gather_facts: false\n  tasks:\n    - import_tasks: nosuch.yml\n", ExitError},
		"missing import_playbook": {"- import_playbook: nosuch.yml\n", ExitError},
		"two actions":             {"- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=a\n      ping:\n", ExitParseError},
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"site.yml": tc.play, "inv": twoWeb})
			var out bytes.Buffer
			code := Run(context.Background(), &Options{
				Playbooks: []string{filepath.Join(dir, "site.yml")},
				Inventory: []string{filepath.Join(dir, "inv")},
				Stdout:    &out,
				Stderr:    &out,
			})
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out.String())
			}
		})
	}
}
