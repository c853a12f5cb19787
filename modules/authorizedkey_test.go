package modules

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/user"
	"path/filepath"
	"testing"
)

const (
	testKeyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA alice@a"
	testKeyB = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC bob@b"
)

func TestAuthorizedKey(t *testing.T) {
	dir := t.TempDir()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	env, cnt := testEnv(t, dir)
	kf := filepath.Join(dir, "ssh", "authorized_keys")
	base := []any{"user", me.Username, "path", kf}
	step := func(name string, changed bool, want string, args ...any) *Result {
		t.Helper()
		for _, check := range []bool{true, false} {
			before, _ := os.ReadFile(kf)
			env.Check, env.Diff = check, true
			cnt.Reset()
			r := run(t, env, "authorized_key", append(append([]any{}, base...), args...)...)
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
				if now, _ := os.ReadFile(kf); string(now) != string(before) {
					t.Fatalf("%s: check mode wrote", name)
				}
				continue
			}
			if got := readFile(t, kf); got != want {
				t.Fatalf("%s:\ngot  %q\nwant %q", name, got, want)
			}
			if get(r, "keyfile") != kf {
				t.Errorf("keyfile %v", get(r, "keyfile"))
			}
			return r
		}
		return nil
	}
	step("add", true, testKeyA+"\n", "key", testKeyA)
	if modeOf(t, kf) != 0o600 || modeOf(t, filepath.Dir(kf)) != 0o700 {
		t.Errorf("modes %o %o", modeOf(t, kf), modeOf(t, filepath.Dir(kf)))
	}
	step("again", false, testKeyA+"\n", "key", testKeyA)
	step("two keys, comment line kept", true, testKeyA+"\n"+testKeyB+"\n", "key", "# keys\n"+testKeyA+"\n\n"+testKeyB+"\n")
	step("options", true, testKeyB+"\n"+`no-pty,command="/bin/echo a,b" `+testKeyA+"\n", "key", testKeyA, "key_options", `no-pty,command="/bin/echo a,b"`)
	step("options again", false, testKeyB+"\n"+`no-pty,command="/bin/echo a,b" `+testKeyA+"\n", "key", testKeyA, "key_options", `command="/bin/echo a,b",no-pty`)
	step("comment", true, testKeyB+"\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA deploy\n", "key", testKeyA, "comment", "deploy")
	os.WriteFile(kf, []byte("# managed\n"+testKeyB+"\n"+testKeyA+"\n"), 0o600)
	step("absent", true, "# managed\n"+testKeyA+"\n", "key", testKeyB, "state", "absent")
	step("absent again", false, "# managed\n"+testKeyA+"\n", "key", testKeyB, "state", "absent")
	step("exclusive", true, testKeyB+"\n", "key", testKeyB, "exclusive", true)

	r := run(t, env, "authorized_key", "user", me.Username, "path", kf, "key", "not a key")
	if !r.Failed || r.Msg != "invalid key specified: not a key" {
		t.Errorf("bad key: %+v", r)
	}
	r = run(t, env, "authorized_key", "user", "fjord-no-such-user", "key", testKeyA)
	if !r.Failed {
		t.Errorf("no user: %+v", r)
	}
	// Without path the file is ~user/.ssh/authorized_keys.
	env.Check = true
	r = run(t, env, "authorized_key", "user", me.Username, "key", testKeyA)
	if get(r, "keyfile") != filepath.Join(me.HomeDir, ".ssh", "authorized_keys") {
		t.Errorf("default keyfile %v", get(r, "keyfile"))
	}
}

func TestAuthorizedKeyURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/keys" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, testKeyA+"\n"+testKeyB+"\n")
	}))
	defer srv.Close()
	dir := t.TempDir()
	me, _ := user.Current()
	env, cnt := testEnv(t, dir)
	kf := filepath.Join(dir, "authorized_keys")
	r := run(t, env, "authorized_key", "user", me.Username, "path", kf, "key", srv.URL+"/keys")
	if r.Failed || !r.Changed || readFile(t, kf) != testKeyA+"\n"+testKeyB+"\n" || cnt.Count() != 2 {
		t.Fatalf("url: %+v %q", r, readFile(t, kf))
	}
	r = run(t, env, "authorized_key", "user", me.Username, "path", kf, "key", srv.URL+"/nope")
	if !r.Failed || r.Msg != "Error getting key from: "+srv.URL+"/nope" {
		t.Errorf("404: %+v", r)
	}
}

// Recorded from ansible.posix.authorized_key under ansible-core 2.14: a
// key without a comment keeps a trailing space.
func TestAuthorizedKeyNoComment(t *testing.T) {
	dir := t.TempDir()
	me, _ := user.Current()
	env, _ := testEnv(t, dir)
	kf := filepath.Join(dir, "ak")
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM8UVQ0olpa8uNt6AtqLPO4tVstA7yIEUBLjmlTKyyFx"
	run(t, env, "authorized_key", "user", me.Username, "path", kf, "manage_dir", false, "key", key)
	if got := readFile(t, kf); got != key+" \n" {
		t.Errorf("got %q", got)
	}
	if r := run(t, env, "authorized_key", "user", me.Username, "path", kf, "manage_dir", false, "key", key); r.Changed {
		t.Error("second run changed")
	}
}
