package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAssemble(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "frags")
	os.Mkdir(src, 0o755)
	putFile(t, filepath.Join(src, "10-b"), "b1\nb2\n", 0o644)
	putFile(t, filepath.Join(src, "01-a"), "a1", 0o644)
	putFile(t, filepath.Join(src, ".hidden"), "h\n", 0o644)
	putFile(t, filepath.Join(src, "20-c.skip"), "c\n", 0o644)
	os.Mkdir(filepath.Join(src, "30-dir"), 0o755)
	dest := filepath.Join(dir, "out.conf")

	for _, c := range []struct {
		name string
		args []any
		want string
	}{
		{"all", nil, "h\na1\nb1\nb2\nc\n"},
		{"ignore hidden", []any{"ignore_hidden", true}, "a1\nb1\nb2\nc\n"},
		{"regexp", []any{"regexp", `^\d+-[ab]`}, "a1\nb1\nb2\n"},
		{"delimiter", []any{"regexp", `^\d+-[ab]`, "delimiter", `### \x41`}, "a1\n### A\nb1\nb2\n"},
		{"delimiter newline", []any{"ignore_hidden", true, "delimiter", "--\n"}, "a1\n--\nb1\nb2\n--\nc\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(dest)
			env, cnt := testEnv(t, dir)
			args := append([]any{"src", src, "dest", dest, "mode", "0640"}, c.args...)
			r := run(t, env, "assemble", args...)
			if r.Failed || !r.Changed || readFile(t, dest) != c.want || modeOf(t, dest) != 0o640 || cnt.Count() != 2 {
				t.Fatalf("first: %+v %v; content %q; %d trips", r, r.Data, readFile(t, dest), cnt.Count())
			}
			cnt.Reset()
			r = run(t, env, "assemble", args...)
			if r.Failed || r.Changed || cnt.Count() != 1 || get(r, "msg") != "OK" {
				t.Errorf("second: %+v, %d trips", r, cnt.Count())
			}
		})
	}

	env, _ := testEnv(t, dir)
	putFile(t, dest, "old\n", 0o644)
	r := run(t, env, "assemble", "src", src, "dest", dest, "backup", true, "ignore_hidden", true)
	bk, _ := get(r, "backup_file").(string)
	if !r.Changed || bk == "" || readFile(t, bk) != "old\n" {
		t.Errorf("backup: %+v", r.Data)
	}
	r = run(t, env, "assemble", "src", src, "dest", dest, "validate", "grep -q nothing %s")
	if !r.Failed || r.Msg != "failed to validate" || !strings.HasPrefix(readFile(t, dest), "a1") {
		t.Errorf("validate: %+v", r)
	}
	r = run(t, env, "assemble", "src", filepath.Join(dir, "none"), "dest", dest)
	if !r.Failed || r.Msg != "Source ("+filepath.Join(dir, "none")+") does not exist" {
		t.Errorf("missing src: %+v", r)
	}
	r = run(t, env, "assemble", "src", dest, "dest", dest)
	if !r.Failed || !strings.Contains(r.Msg, "is not a directory") {
		t.Errorf("src file: %+v", r)
	}
	// remote_src=false assembles a controller directory.
	r = run(t, env, "assemble", "src", src, "dest", dest, "remote_src", false, "ignore_hidden", true)
	if r.Failed || readFile(t, dest) != "a1\nb1\nb2\nc\n" {
		t.Errorf("local src: %+v %q", r, readFile(t, dest))
	}
}
