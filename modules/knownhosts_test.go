package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Throwaway public keys, only ever parsed.
const (
	hostKeyEd  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM8UVQ0olpa8uNt6AtqLPO4tVstA7yIEUBLjmlTKyyFx"
	hostKeyEd2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	hostKeyRSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC4JIYrtXS/WAMT7OqMwF09IVbWPwb9/N94ijsFqXhbfdFGDBxuG1JM6s8QRrinQKUWfNROLgo04plxMHUuUEIlzo1GUbbY/rDCbiriWopVxkGbwoKNbnZswOLXuyJhoJNqIUbrdtzY8+z1HH33NzvD5mL11Qy+/r8i99Ld9oEvqw=="
)

func TestKnownHosts(t *testing.T) {
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen not installed")
	}
	dir := t.TempDir()
	env, cnt := testEnv(t, dir)
	kh := filepath.Join(dir, "ssh", "known_hosts")
	step := func(name string, changed bool, want string, args ...any) *Result {
		t.Helper()
		var r *Result
		for _, check := range []bool{true, false} {
			before, _ := os.ReadFile(kh)
			env.Check, env.Diff = check, true
			cnt.Reset()
			r = run(t, env, "known_hosts", append([]any{"path", kh}, args...)...)
			if r.Failed || r.Changed != changed {
				t.Fatalf("%s check=%v: %+v", name, check, r)
			}
			trips := 1
			if changed && !check {
				trips = 2
			}
			if cnt.Count() != trips {
				t.Errorf("%s: %d trips, want %d", name, cnt.Count(), trips)
			}
			if check {
				if now, _ := os.ReadFile(kh); string(now) != string(before) {
					t.Fatalf("%s: check mode wrote", name)
				}
				if changed && (len(r.Diff) != 1 || r.Diff[0].After != want) {
					t.Errorf("%s: diff %+v", name, r.Diff)
				}
			}
		}
		if got, _ := os.ReadFile(kh); string(got) != want {
			t.Fatalf("%s:\ngot  %q\nwant %q", name, got, want)
		}
		return r
	}
	a := "web1.example.com " + hostKeyEd + "\n"
	step("add", true, a, "name", "web1.example.com", "key", "web1.example.com "+hostKeyEd)
	if modeOf(t, filepath.Dir(kh)) != 0o700 {
		t.Errorf("dir mode %o", modeOf(t, filepath.Dir(kh)))
	}
	step("again", false, a, "name", "WEB1.example.com", "key", "web1.example.com "+hostKeyEd)
	b := "web1.example.com " + hostKeyRSA + "\n"
	step("second type appends", true, a+b, "name", "web1.example.com", "key", "web1.example.com "+hostKeyRSA)
	c := "[web2]:2222 " + hostKeyEd + "\n"
	step("port", true, a+b+c, "name", "[web2]:2222", "key", "[web2]:2222 "+hostKeyEd)
	a2 := "web1.example.com " + hostKeyEd2 + "\n"
	step("replace same type", true, b+c+a2, "name", "web1.example.com", "key", "web1.example.com "+hostKeyEd2)
	step("absent key", true, c+a2, "name", "web1.example.com", "key", "web1.example.com "+hostKeyRSA, "state", "absent")
	step("absent key gone", false, c+a2, "name", "web1.example.com", "key", "web1.example.com "+hostKeyRSA, "state", "absent")
	step("absent host", true, c, "name", "web1.example.com", "state", "absent")
	step("absent host again", false, c, "name", "web1.example.com", "state", "absent")

	// A hashed entry is found by name and kept as it is.
	env.Check = false
	r := run(t, env, "known_hosts", "path", kh, "name", "db1", "key", "db1 "+hostKeyEd, "hash_host", true)
	got := readFile(t, kh)
	if !r.Changed || !strings.HasPrefix(strings.TrimPrefix(got, c), "|1|") || strings.Contains(got, "db1") {
		t.Fatalf("hash: %+v\n%s", r, got)
	}
	if r = run(t, env, "known_hosts", "path", kh, "name", "db1", "key", "db1 "+hostKeyEd, "hash_host", true); r.Changed {
		t.Errorf("hashed again changed: %s", readFile(t, kh))
	}
	// As Ansible: a plain key for a hashed entry replaces it.
	if r = run(t, env, "known_hosts", "path", kh, "name", "db1", "key", "db1 "+hostKeyEd); !r.Changed || readFile(t, kh) != c+"db1 "+hostKeyEd+"\n" {
		t.Errorf("hashed vs plain: %s", readFile(t, kh))
	}

	r = run(t, env, "known_hosts", "path", kh, "name", "other", "key", "web1 "+hostKeyEd)
	if !r.Failed || r.Msg != "Host parameter does not match hashed host field in supplied key" {
		t.Errorf("mismatch: %+v", r)
	}
	if _, err := tryRun(env, "known_hosts", "path", kh, "name", "a"); err == nil {
		t.Error("present without key accepted")
	}
	if _, err := tryRun(env, "known_hosts", "path", kh, "name", "a,b", "key", "a,b "+hostKeyEd); err == nil {
		t.Error("comma names accepted")
	}
}
