package modules

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestSysctlFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "sysctl.conf")
	putFile(t, f, "# tuning\nvm.swappiness = 60\nnet.core.somaxconn=128\nvm.swappiness=70\n", 0o640)
	env, cnt := testEnv(t, dir)
	args := []any{"name", "vm.swappiness", "value", "10", "sysctl_file", f, "reload", false}

	env.Check, env.Diff = true, true
	r := run(t, env, "sysctl", args...)
	if !r.Changed || len(r.Diff) != 1 || !strings.Contains(r.Diff[0].After, "vm.swappiness=10\n") {
		t.Fatalf("check: %+v", r)
	}
	if readFile(t, f) != "# tuning\nvm.swappiness = 60\nnet.core.somaxconn=128\nvm.swappiness=70\n" {
		t.Fatal("check mode wrote the file")
	}
	env.Check = false
	cnt.Reset()
	r = run(t, env, "ansible.posix.sysctl", args...)
	if !r.Changed || r.Failed || cnt.Count() != 2 {
		t.Fatalf("first: %+v trips=%d", r, cnt.Count())
	}
	if got := readFile(t, f); got != "# tuning\nvm.swappiness=10\nnet.core.somaxconn=128\n" || modeOf(t, f) != 0o640 {
		t.Fatalf("file %q mode %o", got, modeOf(t, f))
	}
	cnt.Reset()
	r = run(t, env, "sysctl", args...)
	if r.Changed || cnt.Count() != 1 {
		t.Fatalf("second: changed=%v trips=%d", r.Changed, cnt.Count())
	}
	// Same value spelled differently is no change; yes means 1.
	r = run(t, env, "sysctl", "name", "net/core/somaxconn", "value", " 128 ", "sysctl_file", f, "reload", false)
	if r.Changed {
		t.Fatal("equivalent spelling changed")
	}
	r = run(t, env, "sysctl", "key", "net.ipv4.ip_forward", "val", "yes", "sysctl_file", f, "reload", false)
	if !r.Changed || !strings.HasSuffix(readFile(t, f), "net.ipv4.ip_forward=1\n") {
		t.Fatalf("append: %q", readFile(t, f))
	}
	r = run(t, env, "sysctl", "name", "vm.swappiness", "state", "absent", "sysctl_file", f, "reload", false)
	if !r.Changed || strings.Contains(readFile(t, f), "swappiness") {
		t.Fatalf("absent: %q", readFile(t, f))
	}
	r = run(t, env, "sysctl", "name", "vm.swappiness", "state", "absent", "sysctl_file", f, "reload", false)
	if r.Changed {
		t.Fatal("absent twice changed")
	}
	// A new file is created.
	nf := filepath.Join(dir, "new.conf")
	r = run(t, env, "sysctl", "name", "a.b", "value", "1 2  3", "sysctl_file", nf, "reload", false)
	if !r.Changed || readFile(t, nf) != "a.b=1 2 3\n" {
		t.Fatalf("new file %q", readFile(t, nf))
	}
	if _, err := tryRun(env, "sysctl", "name", "a.b", "sysctl_file", nf); err == nil || !strings.Contains(err.Error(), "value") {
		t.Fatalf("present without value: %v", err)
	}
}

func TestSystemArgErrors(t *testing.T) {
	for _, c := range []struct {
		mod  string
		keys []string
		want string
	}{
		{"service", []string{"state"}, "missing required arguments: name"},
		{"service", []string{"name", "bogus"}, "Unsupported parameters for (ansible.legacy.service) module: bogus"},
		{"systemd", []string{"name", "state", "nope"}, "Unsupported parameters for (ansible.legacy.systemd) module: nope"},
		{"apt", []string{"name", "update-cache", "foo"}, "Unsupported parameters for (ansible.legacy.apt) module: foo"},
		{"package", []string{"name"}, "missing required arguments: state"},
		{"sysctl", []string{"value"}, "missing required arguments: name"},
		{"user", []string{"shell"}, "missing required arguments: name"},
		{"group", []string{"name", "members"}, "Unsupported parameters for (ansible.legacy.group) module: members"},
	} {
		info, ok := Lookup(c.mod)
		if !ok {
			t.Errorf("%s not registered", c.mod)
			continue
		}
		err := CheckArgs(info, c.keys)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: got %v, want %q", c.mod, c.keys, err, c.want)
		}
	}
	env, _ := testEnv(t, t.TempDir())
	for _, c := range []struct {
		mod  string
		args []any
		want string
	}{
		{"service", []any{"name", "x"}, "one of the following is required: state, enabled"},
		{"systemd", []any{"state", "started"}, "missing parameter(s) required by 'state': name"},
		{"systemd", []any{"name", "x", "state", "running"}, "value of state must be one of: reloaded, restarted, started, stopped, got: running"},
		{"apt", []any{"state", "present"}, "one of the following is required: autoremove, deb, package, update_cache, upgrade"},
		{"apt", []any{"name", "a", "deb", "/x.deb"}, "mutually exclusive"},
	} {
		if _, err := tryRun(env, c.mod, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: got %v, want %q", c.mod, c.args, err, c.want)
		}
	}
}
