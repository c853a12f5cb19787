package differential

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// A developer cache of ansible-playbook's side of each case, so iterating on
// fjord does not re-run ansible for minutes. Off unless FJORD_DIFF_CACHE names
// a directory; CI never sets it, so CI always runs ansible-playbook live.
// The key covers every file of the case, its args and ansible's version.

type cachedResult struct {
	Output   string
	ExitCode int
	Tree     map[string]cachedEntry
}

type cachedEntry struct {
	Kind, Content string
	Perm          uint32
}

func cacheDir() string { return os.Getenv("FJORD_DIFF_CACHE") }

func cacheKey(t *testing.T, c *testCase) string {
	h := sha256.New()
	if v, err := exec.Command("ansible-playbook", "--version").Output(); err == nil {
		h.Write(v)
	}
	args := c.args
	if c.cacheArgs != nil {
		args = c.cacheArgs
	}
	h.Write([]byte(strings.Join(args, "\x00")))
	var files []string
	filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		rel, _ := filepath.Rel(c.dir, f)
		h.Write([]byte(rel + "\x00"))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// loadCached returns ansible's cached result with its tree already read.
func loadCached(t *testing.T, c *testCase) *result {
	if cacheDir() == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(cacheDir(), cacheKey(t, c)+".json"))
	if err != nil {
		return nil
	}
	var cr cachedResult
	if json.Unmarshal(b, &cr) != nil {
		return nil
	}
	r := &result{side: "ansible", output: cr.Output, exitCode: cr.ExitCode, recap: parseRecap(cr.Output),
		tree: map[string]entry{}}
	for k, e := range cr.Tree {
		r.tree[k] = entry{kind: e.Kind, perm: fs.FileMode(e.Perm), content: e.Content}
	}
	return r
}

func storeCached(t *testing.T, c *testCase, r *result) {
	if cacheDir() == "" {
		return
	}
	tree, err := snapshot(r)
	if err != nil {
		return
	}
	cr := cachedResult{Output: r.output, ExitCode: r.exitCode, Tree: map[string]cachedEntry{}}
	for k, e := range tree {
		cr.Tree[k] = cachedEntry{Kind: e.kind, Content: e.content, Perm: uint32(e.perm)}
	}
	b, _ := json.Marshal(cr)
	os.MkdirAll(cacheDir(), 0o755)
	os.WriteFile(filepath.Join(cacheDir(), cacheKey(t, c)+".json"), b, 0o644)
}
