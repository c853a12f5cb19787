package modules

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
)

// runAptRepo runs apt_repository with /etc/apt under root.
func runAptRepo(t *testing.T, env *Env, root string, kv ...any) *Result {
	t.Helper()
	info, _ := Lookup("apt_repository")
	m, err := Decode(info, value.MapOf(kv...))
	if err != nil {
		t.Fatal(err)
	}
	m.(*AptRepository).root = root
	r, err := m.Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAptRepositoryFilename(t *testing.T) {
	for line, want := range map[string]string{
		"deb http://dl.google.com/linux/chrome/deb/ stable main":                      "dl_google_com_linux_chrome_deb",
		"deb [arch=amd64 signed-by=/k.gpg] https://u:p@example.org/apt bookworm main": "example_org_apt",
		"deb-src file:/srv/repo ./":                                                   "file_srv_repo",
	} {
		if got := aptRepoFilename(parseAptSource(line)); got != want {
			t.Errorf("%s: %s, want %s", line, got, want)
		}
	}
	if parseAptSource("# just a comment") != nil || parseAptSource("deb http://x") != nil {
		t.Error("non-source parsed")
	}
}

func TestAptRepository(t *testing.T) {
	root := t.TempDir()
	env, _ := testEnv(t, root)
	d := filepath.Join(root, "etc/apt/sources.list.d")
	os.MkdirAll(d, 0o755)
	putFile(t, filepath.Join(root, "etc/apt/sources.list"), "deb http://deb.debian.org/debian bookworm main\n# deb http://old.example.org/debian bookworm main\n", 0o644)
	line := "deb [trusted=yes] file:/srv/fjord-repo ./"
	list := filepath.Join(d, "file_srv_fjord_repo.list")

	env.Check, env.Diff = true, true
	r := runAptRepo(t, env, root, "repo", line, "update_cache", false)
	env.Check, env.Diff = false, false
	if !r.Changed || len(r.Diff) != 1 || r.Diff[0].After != line+"\n" {
		t.Fatalf("check: %+v %+v", r, r.Diff)
	}
	if _, err := os.Stat(list); err == nil {
		t.Fatal("check mode wrote the file")
	}
	r = runAptRepo(t, env, root, "repo", line, "update_cache", false, "mode", "0600")
	if r.Failed || !r.Changed || readFile(t, list) != line+"\n" || modeOf(t, list) != 0o600 {
		t.Fatalf("add: %+v", r)
	}
	r = runAptRepo(t, env, root, "repo", "deb  [trusted=yes]  file:/srv/fjord-repo/ ./", "update_cache", false)
	if r.Failed || r.Changed {
		t.Errorf("again, spelled differently: %+v", r)
	}
	// A commented-out line is enabled where it is.
	r = runAptRepo(t, env, root, "repo", "deb http://old.example.org/debian bookworm main", "update_cache", false)
	if !r.Changed || !strings.Contains(readFile(t, filepath.Join(root, "etc/apt/sources.list")), "\ndeb http://old.example.org/debian bookworm main\n") {
		t.Errorf("enable: %+v\n%s", r, readFile(t, filepath.Join(root, "etc/apt/sources.list")))
	}
	// filename names the file; absent removes it once empty.
	r = runAptRepo(t, env, root, "repo", "deb http://example.org/x stable main", "filename", "extra", "update_cache", false)
	if !r.Changed || readFile(t, filepath.Join(d, "extra.list")) != "deb http://example.org/x stable main\n" {
		t.Errorf("filename: %+v", r)
	}
	r = runAptRepo(t, env, root, "repo", line, "state", "absent", "update_cache", false)
	if !r.Changed {
		t.Errorf("absent: %+v", r)
	}
	if _, err := os.Stat(list); err == nil {
		t.Error("empty list file kept")
	}
	r = runAptRepo(t, env, root, "repo", line, "state", "absent", "update_cache", false)
	if r.Changed {
		t.Errorf("absent again: %+v", r)
	}
	if _, err := tryRun(env, "apt_repository", "repo", "ppa:foo/bar"); err == nil {
		t.Error("ppa accepted")
	}
	if _, err := tryRun(env, "apt_repository", "repo", "nonsense"); err == nil {
		t.Error("bad line accepted")
	}
}
