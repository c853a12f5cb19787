package modules

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/fjord-run/fjord/value"
)

// TestHostnameFile proves the debian strategy on files: a hostname(1)
// stand-in on PATH keeps the "current" name in a file, and the permanent
// name's file is a temp file instead of /etc/hostname.
func TestHostnameFile(t *testing.T) {
	dir := t.TempDir()
	env, cnt := testEnv(t, dir)
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	cur := filepath.Join(dir, "current")
	putFile(t, cur, "old\n", 0o644)
	putFile(t, filepath.Join(bin, "hostname"), "#!/bin/sh\nif [ $# -eq 0 ]; then cat "+cur+"; else echo \"$1\" > "+cur+"; fi\n", 0o755)
	env.Environment = map[string]string{"PATH": bin + ":" + os.Getenv("PATH")}
	perm := filepath.Join(dir, "hostname")
	putFile(t, perm, "old\n", 0o644)
	hn := func(args ...any) *Result {
		t.Helper()
		info, _ := Lookup("hostname")
		m, err := Decode(info, value.MapOf(args...))
		if err != nil {
			t.Fatal(err)
		}
		m.(*Hostname).file = perm
		cnt.Reset()
		r, err := m.Run(context.Background(), env)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	env.Check, env.Diff = true, true
	r := hn("name", "web1.example.com", "use", "debian")
	if !r.Changed || readFile(t, cur) != "old\n" || readFile(t, perm) != "old\n" || cnt.Count() != 1 {
		t.Fatalf("check: %+v", r)
	}
	if len(r.Diff) != 1 || r.Diff[0].Before != "hostname = old\n" || r.Diff[0].After != "hostname = web1.example.com\n" {
		t.Errorf("diff %+v", r.Diff)
	}
	env.Check = false
	r = hn("name", "web1.example.com", "use", "debian")
	if !r.Changed || readFile(t, cur) != "web1.example.com\n" || readFile(t, perm) != "web1.example.com\n" || cnt.Count() != 2 {
		t.Fatalf("set: %+v", r)
	}
	facts := get(r, "ansible_facts").(*value.Map)
	if h, _ := facts.Get("ansible_hostname"); h != "web1" {
		t.Errorf("facts %v", facts)
	}
	if r = hn("name", "web1.example.com", "use", "debian"); r.Changed || cnt.Count() != 1 {
		t.Errorf("again: %+v", r)
	}
	// Only the permanent name differs; never without use: auto-detection
	// could pick hostnamectl and rename the machine running the test.
	putFile(t, perm, "other\n", 0o644)
	if r = hn("name", "web1.example.com", "use", "redhat"); !r.Changed || readFile(t, perm) != "web1.example.com\n" {
		t.Errorf("permanent: %+v", r)
	}
	// generic: hostname(1) alone.
	os.Remove(perm)
	if r = hn("name", "web2", "use", "generic"); !r.Changed || readFile(t, cur) != "web2\n" {
		t.Errorf("generic: %+v", r)
	}
	if _, err := os.Stat(perm); err == nil {
		t.Error("generic wrote the file")
	}
	if _, err := tryRun(env, "hostname", "name", "x", "use", "solaris"); err == nil {
		t.Error("use=solaris accepted")
	}
}
