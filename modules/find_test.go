package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func findPaths(t *testing.T, r *Result, root string) []string {
	t.Helper()
	if r.Failed {
		t.Fatalf("find failed: %s", r.Msg)
	}
	var out []string
	for _, f := range get(r, "files").([]any) {
		p, _ := f.(*value.Map).Get("path")
		rel, _ := filepath.Rel(root, p.(string))
		out = append(out, rel)
	}
	sort.Strings(out)
	return out
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	mk := func(p, s string) {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		putFile(t, full, s, 0o644)
	}
	mk("a.txt", "hello\nworld\n")
	mk("b.log", "12345678901234567890")
	mk(".hidden.txt", "x")
	mk("sub/c.txt", "needle here\n")
	mk("sub/deep/d.txt", "deep\n")
	mk(".hd/e.txt", "e")
	os.Symlink("a.txt", filepath.Join(dir, "ln"))
	old := time.Now().Add(-3 * time.Hour)
	os.Chtimes(filepath.Join(dir, "b.log"), old, old)

	cases := []struct {
		name string
		args []any
		want []string
	}{
		{"top files", nil, []string{"a.txt", "b.log"}},
		{"hidden", []any{"hidden", true}, []string{".hidden.txt", "a.txt", "b.log"}},
		{"recurse", []any{"recurse", true}, []string{".hd/e.txt", "a.txt", "b.log", "sub/c.txt", "sub/deep/d.txt"}},
		{"depth 2", []any{"recurse", true, "depth", 2}, []string{".hd/e.txt", "a.txt", "b.log", "sub/c.txt"}},
		{"glob", []any{"recurse", true, "patterns", "*.txt"}, []string{".hd/e.txt", "a.txt", "sub/c.txt", "sub/deep/d.txt"}},
		{"glob list, excludes", []any{"recurse", true, "patterns", []any{"*.txt", "*.log"}, "excludes", "[cd].*"}, []string{".hd/e.txt", "a.txt", "b.log"}},
		{"regex", []any{"patterns", `[ab]\.(txt|log)`, "use_regex", true}, []string{"a.txt", "b.log"}},
		{"regex anchored at start", []any{"patterns", `txt`, "use_regex", true}, nil},
		{"directories", []any{"file_type", "directory", "recurse", true, "hidden", true}, []string{".hd", "sub", "sub/deep"}},
		{"links", []any{"file_type", "link"}, []string{"ln"}},
		{"any", []any{"file_type", "any"}, []string{"a.txt", "b.log", "ln", "sub"}},
		{"age older", []any{"age", "2h"}, []string{"b.log"}},
		{"age newer", []any{"age", "-1h"}, []string{"a.txt"}},
		{"size", []any{"size", "15"}, []string{"b.log"}},
		{"size negative k", []any{"size", "-1k", "recurse", true}, []string{".hd/e.txt", "a.txt", "b.log", "sub/c.txt", "sub/deep/d.txt"}},
		{"contains", []any{"recurse", true, "contains", "needle"}, []string{"sub/c.txt"}},
		{"contains line start", []any{"recurse", true, "contains", "here"}, nil},
		{"contains whole file", []any{"recurse", true, "contains", "here", "read_whole_file", true}, []string{"sub/c.txt"}},
		{"mode", []any{"mode", "0600"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, cnt := testEnv(t, dir)
			r := run(t, env, "find", append([]any{"paths", dir}, c.args...)...)
			got := findPaths(t, r, dir)
			if len(got) != len(c.want) || (len(got) > 0 && !equalStrings(got, c.want)) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if r.Changed || get(r, "matched") != len(c.want) {
				t.Errorf("changed=%v matched=%v", r.Changed, get(r, "matched"))
			}
			trips := 1
			for _, a := range c.args {
				if a == "contains" {
					trips = 2
				}
			}
			if cnt.Count() != trips {
				t.Errorf("%d round trips, want %d", cnt.Count(), trips)
			}
		})
	}

	env, _ := testEnv(t, dir)
	r := run(t, env, "find", "paths", []any{dir, filepath.Join(dir, "nope")}, "patterns", "a.txt", "get_checksum", true)
	files := get(r, "files").([]any)
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	f := files[0].(*value.Map)
	for k, want := range map[string]any{
		"checksum": connection.Checksum([]byte("hello\nworld\n")), "size": 12, "isreg": true, "islnk": false,
		"mode": "0644", "path": filepath.Join(dir, "a.txt"),
	} {
		if got, _ := f.Get(k); got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if r.Msg != "Not all paths examined, check warnings for details" || get(r, "skipped_paths").(*value.Map).Len() != 1 {
		t.Errorf("msg %q skipped %v", r.Msg, get(r, "skipped_paths"))
	}
	if get(r, "examined") != 6 {
		t.Errorf("examined %v, want 6", get(r, "examined"))
	}
	if _, err := tryRun(env, "find", "paths", dir, "age", "3x"); err == nil {
		t.Error("bad age accepted")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFindErrors(t *testing.T) {
	got := findErrors("find: '/a/b c': Permission denied\nstat: cannot stat 'x': No such file\nfind: 'it''s': Too many levels of symbolic links\n")
	want := [][2]string{{"/a/b c", "Permission denied"}, {"it''s", "Too many levels of symbolic links"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %q", got)
	}
}

// Recorded from ansible-core 2.14 (ansible -m find) on the same tree:
// hidden directories are walked, links are lstat'ed even when followed.
func TestFindFollowMatchesAnsible(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".hd"), 0o755)
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	putFile(t, filepath.Join(dir, ".hd", "e.txt"), "e\n", 0o644)
	putFile(t, filepath.Join(dir, "a.txt"), "a\n", 0o644)
	putFile(t, filepath.Join(dir, "sub", "s.txt"), "s\n", 0o644)
	os.Symlink("a.txt", filepath.Join(dir, "ln"))
	os.Symlink("sub", filepath.Join(dir, "sublink"))
	env, _ := testEnv(t, dir)
	r := run(t, env, "find", "paths", dir, "recurse", true)
	if got := findPaths(t, r, dir); !equalStrings(got, []string{".hd/e.txt", "a.txt", "sub/s.txt"}) || get(r, "examined") != 7 {
		t.Errorf("plain: %v examined %v", got, get(r, "examined"))
	}
	r = run(t, env, "find", "paths", dir, "recurse", true, "follow", true, "file_type", "any")
	got := findPaths(t, r, dir)
	if !equalStrings(got, []string{".hd/e.txt", "a.txt", "ln", "sub", "sub/s.txt", "sublink", "sublink/s.txt"}) || get(r, "examined") != 8 {
		t.Errorf("follow: %v examined %v", got, get(r, "examined"))
	}
	for _, f := range get(r, "files").([]any) {
		m := f.(*value.Map)
		p, _ := m.Get("path")
		l, _ := m.Get("islnk")
		base := filepath.Base(p.(string))
		if want := base == "ln" || base == "sublink"; l != want {
			t.Errorf("%s: islnk %v", p, l)
		}
	}
}

// A grep without -P (busybox, --disable-perl-regexp) gets an ERE.
func TestFindContainsWithoutPCRE(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	realGrep, err := exec.LookPath("grep")
	if err != nil {
		t.Skip("no grep")
	}
	putFile(t, filepath.Join(bin, "grep"), "#!/bin/sh\nfor a in \"$@\"; do case $a in -*P*) echo 'grep: -P not supported' >&2; exit 2;; esac; done\nexec "+realGrep+" \"$@\"\n", 0o755)
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o755)
	putFile(t, filepath.Join(data, "a"), "alpha 42\n", 0o644)
	putFile(t, filepath.Join(data, "b"), "beta\n", 0o644)
	env, _ := testEnv(t, dir)
	env.Environment = map[string]string{"PATH": bin + ":" + os.Getenv("PATH")}
	r := run(t, env, "find", "paths", data, "contains", "al(pha|x) [0-9]+")
	if got := findPaths(t, r, data); !equalStrings(got, []string{"a"}) {
		t.Errorf("got %v", got)
	}
}

func TestFindRegexPatternsPython(t *testing.T) {
	m := &Find{UseRegex: true}
	ms, err := m.matchers([]string{`(\w)\1.*\.log`, `(?!tmp)\w+\.txt`})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		i    int
		want bool
	}{{"aa1.log", 0, true}, {"ab1.log", 0, false}, {"notes.txt", 1, true}, {"tmpx.txt", 1, false}} {
		if got := ms[c.i](c.name); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}
