package external

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/internal/testgate"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// runLocal runs the module file at path on this machine through the
// local connection, as a task would.
func runLocal(t *testing.T, path string, args *value.Map, vars map[string]any) *modules.Result {
	t.Helper()
	home := t.TempDir()
	info := Info(&Found{FQCN: "ansible.legacy." + strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), Path: path})
	m, err := modules.Decode(info, args)
	if err != nil {
		t.Fatal(err)
	}
	env := &modules.Env{Host: "local", Conn: connection.NewLocal(), Environment: map[string]string{"HOME": home},
		Var: func(n string) (any, bool) { v, ok := vars[n]; return v, ok }}
	if _, ok := vars["ansible_remote_tmp"]; !ok {
		vars["ansible_remote_tmp"] = filepath.Join(home, "tmp")
	}
	r, err := modules.Execute(context.Background(), env, m)
	if err != nil {
		t.Fatal(err)
	}
	// fjord-py holds the payloads kept for later tasks (wrapper.go)
	var left []string
	entries, _ := os.ReadDir(filepath.Join(home, "tmp"))
	for _, e := range entries {
		if e.Name() != "fjord-py" {
			left = append(left, e.Name())
		}
	}
	if len(left) != 0 {
		t.Errorf("the temporary directory was not removed: %v", left)
	}
	return r
}

func TestRunOldStyleAndWantJSON(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"old":       "#!/bin/sh\n. \"$1\"\necho \"{\\\"changed\\\": true, \\\"got\\\": \\\"$name\\\", \\\"check\\\": \\\"$_ansible_check_mode\\\"}\"\n",
		"bin":       "#!/bin/sh\n# WANT_JSON\necho '{\"msg\": \"fail\", \"rc\": 4}'; cat \"$1\" >&2\n",
		"noshebang": "echo '{}'\n",
	})
	r := runLocal(t, filepath.Join(dir, "old"), value.MapOf("name", "a b'c"), map[string]any{})
	if !r.Changed || r.Failed || value.String(get(r.Data, "got")) != "a b'c" || value.String(get(r.Data, "check")) != "False" {
		t.Errorf("old-style: %+v %v", r, r.Data)
	}
	r = runLocal(t, filepath.Join(dir, "bin"), value.MapOf("x", 1), map[string]any{})
	if !r.Failed || r.Msg != "fail" {
		t.Errorf("WANT_JSON: %+v", r)
	}
	r = runLocal(t, filepath.Join(dir, "noshebang"), value.NewMap(0), map[string]any{})
	if !r.Failed || !strings.Contains(r.Msg, "missing interpreter line") {
		t.Errorf("no shebang: %+v", r)
	}
}

func TestRunNewStylePython(t *testing.T) {
	py := testgate.Tool(t, "python3", "a host interpreter for new-style modules")
	if AnsibleRoot() == "" {
		testgate.Unavailable(t, "no ansible-core installed on the controller to take ansible.module_utils from")
	}
	dir := t.TempDir()
	write(t, dir, map[string]string{"probe.py": `#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec=dict(n=dict(type='int', required=True), secret=dict(no_log=True)), supports_check_mode=True)
if m.params['n'] < 0:
    m.fail_json(msg='negative')
m.exit_json(changed=not m.check_mode, double=m.params['n'] * 2, tmpdir=m._remote_tmp and m.tmpdir)
`})
	vars := map[string]any{"ansible_python_interpreter": py}
	r := runLocal(t, filepath.Join(dir, "probe.py"), value.MapOf("n", "21", "secret", "pw"), vars)
	if !r.Changed || r.Failed || value.String(get(r.Data, "double")) != "42" {
		t.Fatalf("new-style: %+v %v", r, r.Data)
	}
	inv, _ := get(r.Data, "invocation").(*value.Map)
	if args, _ := get(inv, "module_args").(*value.Map); value.String(get(args, "secret")) != "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" {
		t.Errorf("no_log argument not masked: %v", inv)
	}
	// Piped, the module has no _ansible_tmpdir: AnsibleModule makes its
	// own under remote_tmp (and removes it; runLocal checks).
	if tmp := value.String(get(r.Data, "tmpdir")); !strings.HasPrefix(tmp, vars["ansible_remote_tmp"].(string)+"/ansible-moduletmp-") {
		t.Errorf("the module's temporary directory %q is not under remote_tmp %v", tmp, vars["ansible_remote_tmp"])
	}
	r = runLocal(t, filepath.Join(dir, "probe.py"), value.MapOf("n", -1), vars)
	if !r.Failed || r.Msg != "negative" {
		t.Errorf("fail_json: %+v", r)
	}
	r = runLocal(t, filepath.Join(dir, "probe.py"), value.MapOf("n", "x"), map[string]any{"ansible_python_interpreter": "/nonexistent/python"})
	if !r.Failed || !strings.Contains(r.Msg, "you probably need to set the interpreter") {
		t.Errorf("missing interpreter: %+v", r)
	}
}

// A piped module's payload is kept under remote_tmp/fjord-py and later
// tasks are sent without it; a copy that is gone is sent again, and a
// directory others may write is not used.
func TestRunKeepsPayload(t *testing.T) {
	py := testgate.Tool(t, "python3", "a host interpreter for new-style modules")
	if AnsibleRoot() == "" {
		testgate.Unavailable(t, "no ansible-core installed on the controller to take ansible.module_utils from")
	}
	dir := t.TempDir()
	write(t, dir, map[string]string{"keep.py": `#!/usr/bin/python
import sys
from ansible.module_utils.basic import AnsibleModule
m = AnsibleModule(argument_spec=dict(n=dict(type='int')))
m.exit_json(n=m.params['n'], lib=sys.modules['__main__']._modlib_path)
`})
	home := t.TempDir()
	remoteTmp := filepath.Join(home, "tmp")
	info := Info(&Found{FQCN: "ansible.legacy.keep", Path: filepath.Join(dir, "keep.py")})
	conn := connection.NewLocal()
	var sent []int
	env := &modules.Env{Host: "local", Conn: &sizeConn{Conn: conn, sent: &sent}, Environment: map[string]string{"HOME": home},
		Var: func(n string) (any, bool) {
			v, ok := map[string]any{"ansible_python_interpreter": py, "ansible_remote_tmp": remoteTmp}[n]
			return v, ok
		}}
	run := func(n int) string {
		t.Helper()
		m, err := modules.Decode(info, value.MapOf("n", n))
		if err != nil {
			t.Fatal(err)
		}
		r, err := modules.Execute(context.Background(), env, m)
		if err != nil {
			t.Fatal(err)
		}
		if r.Failed || value.String(get(r.Data, "n")) != strconv.Itoa(n) {
			t.Fatalf("run %d: %+v %v", n, r, r.Data)
		}
		return value.String(get(r.Data, "lib"))
	}
	lib := run(1)
	if filepath.Dir(lib) != filepath.Join(remoteTmp, "fjord-py") {
		t.Fatalf("the payload ran from %s, not from a copy kept under %s", lib, remoteTmp)
	}
	if run(2) != lib || sent[1] >= sent[0]/10 {
		t.Errorf("the second task sent %d bytes after %d: want it sent without the zip, run from %s", sent[1], sent[0], lib)
	}
	// The copy is gone: the stub says so and the zip is sent again.
	if err := os.RemoveAll(lib); err != nil {
		t.Fatal(err)
	}
	if run(3) != lib || len(sent) != 4 {
		t.Errorf("after the copy was removed: %d sends, want 2", len(sent)-2)
	}
	// Others may write the directory: it is not used.
	if err := os.Chmod(filepath.Join(remoteTmp, "fjord-py"), 0o777); err != nil {
		t.Fatal(err)
	}
	if got := run(4); strings.HasPrefix(got, remoteTmp) {
		t.Errorf("a payload ran from %s, in a directory others may write", got)
	}
}

// sizeConn records how many bytes each command was sent on stdin.
type sizeConn struct {
	connection.Conn
	sent *[]int
}

func (c *sizeConn) Exec(ctx context.Context, cmd *connection.Cmd) (*connection.Result, error) {
	if cmd.Stdin != nil {
		b, err := io.ReadAll(cmd.Stdin)
		if err != nil {
			return nil, err
		}
		*c.sent = append(*c.sent, len(b))
		cmd.Stdin = bytes.NewReader(b)
	}
	return c.Conn.Exec(ctx, cmd)
}
