package connection

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestQuote(t *testing.T) {
	for _, s := range []string{"", "abc", "a b", "it's", `"$HOME"`, "a\nb", "'", "x;rm -rf /"} {
		out, err := exec.Command("/bin/sh", "-c", "printf %s "+Quote(s)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != s {
			t.Errorf("Quote(%q) round-tripped to %q", s, out)
		}
	}
}

func TestLocalExec(t *testing.T) {
	c := NewLocal()
	ctx := context.Background()
	dir := t.TempDir()
	res, err := c.Exec(ctx, &Cmd{
		Command: `echo "$FOO $(pwd)"; cat; echo err >&2; exit 3`,
		Env:     map[string]string{"FOO": "it's"},
		Dir:     dir,
		Stdin:   strings.NewReader("input\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "it's " + dir + "\ninput\n"
	if string(res.Stdout) != want || string(res.Stderr) != "err\n" || res.RC != 3 {
		t.Errorf("got %q %q %d", res.Stdout, res.Stderr, res.RC)
	}
	if _, err := c.Exec(ctx, &Cmd{Command: "true", Env: map[string]string{"A B": "x"}}); err == nil {
		t.Error("bad env name accepted")
	}
}

func TestLocalCancelKillsGroup(t *testing.T) {
	c := NewLocal()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	// The background sleep keeps stdout open: only killing the group ends it.
	_, err := c.Exec(ctx, &Cmd{Command: "sleep 30 & sleep 30"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestBecomeCommand(t *testing.T) {
	tests := []struct {
		b        Become
		user     string
		want, pw string
	}{
		{Become{}, "root", "id", ""},
		{Become{}, "alice", "sudo -H -S -n -u root /bin/sh -c id", ""},
		{Become{User: "alice"}, "alice", "sudo -H -S -n -u alice /bin/sh -c id", ""},
		{Become{Password: "s3cr'et"}, "alice", "sudo -H -S -p '' -u root /bin/sh -c id", "s3cr'et"},
		{Become{Method: "su", User: "bob"}, "root", "su -s /bin/sh bob -c id", ""},
		{Become{Method: "su", User: "root"}, "root", "id", ""},
	}
	for _, tt := range tests {
		got, pw, err := BecomeCommand(&tt.b, tt.user, "id")
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want || pw != tt.pw {
			t.Errorf("BecomeCommand(%+v, %s) = %q, %q; want %q, %q", tt.b, tt.user, got, pw, tt.want, tt.pw)
		}
		if tt.pw != "" && strings.Contains(got, tt.pw) {
			t.Errorf("password on the command line: %s", got)
		}
	}
	script, stdin, err := Script(&Cmd{Command: "cat", Stdin: strings.NewReader("data"), Become: &Become{Password: "pw"}, Env: map[string]string{"X": "1"}}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if want := `sudo -H -S -p '' -u root /bin/sh -c 'X=1; export X; cat'`; script != want {
		t.Errorf("script = %s", script)
	}
	b := new(bytes.Buffer)
	if _, err := b.ReadFrom(stdin); err != nil || b.String() != "pw\ndata" {
		t.Errorf("stdin = %q, %v", b.String(), err)
	}
}

func TestStatPutRoundTrips(t *testing.T) {
	ctx := context.Background()
	c := NewCounting(NewLocal())
	dir := t.TempDir()
	dst := filepath.Join(dir, "f")

	fi, err := Stat(ctx, c, dst, StatOptions{Checksum: true})
	if err != nil || fi.Exists {
		t.Fatalf("stat missing: %+v %v", fi, err)
	}
	if c.Count() != 1 {
		t.Errorf("Stat cost %d round trips", c.Count())
	}
	c.Reset()
	pr, err := Put(ctx, c, strings.NewReader("hello\n"), dst, PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Count() != 1 {
		t.Errorf("Put cost %d round trips", c.Count())
	}
	want := 0666 &^ fi.Umask
	if pr.Mode != want || pr.Size != 6 || pr.Checksum != Checksum([]byte("hello\n")) {
		t.Errorf("put result %+v", pr)
	}
	c.Reset()
	fi, err = Stat(ctx, c, dst, StatOptions{Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Exists || fi.Type != "file" || fi.Checksum != pr.Checksum || fi.Size != 6 || fi.Mode != want || fi.Owner == "" {
		t.Errorf("stat %+v", fi)
	}
	// An existing file keeps its mode; backup is named as Ansible names it.
	if err := os.Chmod(dst, 0600); err != nil {
		t.Fatal(err)
	}
	pr, err = Put(ctx, c, strings.NewReader("two\n"), dst, PutOptions{Backup: true})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Mode != 0600 || pr.BackupFile == "" || !strings.HasPrefix(pr.BackupFile, dst+".") || !strings.HasSuffix(pr.BackupFile, "~") {
		t.Errorf("put %+v", pr)
	}
	if b, _ := os.ReadFile(pr.BackupFile); string(b) != "hello\n" {
		t.Errorf("backup holds %q", b)
	}
	pr, err = Put(ctx, c, strings.NewReader("three\n"), dst, PutOptions{Mode: "u=rw,g=r"})
	if err != nil || pr.Mode != 0640 {
		t.Errorf("symbolic mode: %+v %v", pr, err)
	}
	// A failing validation leaves dst alone and no temp file behind.
	_, err = Put(ctx, c, strings.NewReader("bad\n"), dst, PutOptions{Validate: "grep -q good %s; echo out; echo oops >&2; exit 5"})
	var ve *ValidateError
	if !errors.As(err, &ve) || ve.RC != 5 || ve.Stdout != "out\n" || ve.Stderr != "oops\n" {
		t.Fatalf("validate: %v %+v", err, ve)
	}
	if b, _ := os.ReadFile(dst); string(b) != "three\n" {
		t.Errorf("dst changed: %q", b)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".fjord_tmp") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
	data, err := ReadFile(ctx, c, dst, nil)
	if err != nil || string(data) != "three\n" {
		t.Errorf("ReadFile %q %v", data, err)
	}
	// Links: no-follow sees the link, follow the target.
	ln := filepath.Join(dir, "ln")
	if err := os.Symlink("f", ln); err != nil {
		t.Fatal(err)
	}
	fi, _ = Stat(ctx, c, ln, StatOptions{Checksum: true})
	if fi.Type != "link" || fi.LinkTarget != "f" || fi.Checksum != "" || fi.LinkSource != dst {
		t.Errorf("nofollow %+v", fi)
	}
	fi, _ = Stat(ctx, c, ln, StatOptions{Follow: true, Checksum: true})
	if fi.Type != "file" || fi.Checksum == "" {
		t.Errorf("follow %+v", fi)
	}
	pr, err = Put(ctx, c, strings.NewReader("via link\n"), ln, PutOptions{Follow: true})
	if err != nil || pr.Dest != dst {
		t.Errorf("put follow %+v %v", pr, err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "via link\n" {
		t.Errorf("follow wrote %q", b)
	}
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in   any
		cur  uint32
		dir  bool
		want uint32
		err  bool
	}{
		{"0644", 0, false, 0644, false},
		{"644", 0, false, 0644, false},
		{420, 0, false, 0644, false},
		{644, 0, false, 01204, false},
		{"u=rw,g=r,o=r", 0777, false, 0644, false},
		{"u+x", 0644, false, 0744, false},
		{"a-w", 0644, false, 0444, false},
		{"+x", 0644, false, 0755, false},
		{"go=", 0755, false, 0700, false},
		{"u=rwX,g=rX,o=rX", 0600, true, 0755, false},
		{"u=rwX,g=rX,o=rX", 0600, false, 0644, false},
		{"g=u", 0640, false, 0660, false},
		{"u+s,o+t", 0755, false, 05755, false},
		{"u+r-w", 0200, false, 0400, false},
		{"bogus", 0, false, 0, true},
		{"u=rwq", 0, false, 0, true},
	}
	for _, tt := range tests {
		m, err := ParseMode(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("ParseMode(%v): no error", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseMode(%v): %v", tt.in, err)
			continue
		}
		if got := m.Apply(tt.cur, tt.dir, 022); got != tt.want {
			t.Errorf("ParseMode(%v).Apply(%04o) = %04o, want %04o", tt.in, tt.cur, got, tt.want)
		}
	}
}
