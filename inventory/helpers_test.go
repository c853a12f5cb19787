package inventory

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/internal/testgate"
)

// writeTree writes files (relative path -> content) under dir; a path
// ending in "*" is written executable without the star.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), 0o755
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// loadString writes an inventory file and loads it, failing on warnings.
func loadString(t testing.TB, name, content string) *Inventory {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{name: content})
	inv, err := Load([]string{filepath.Join(dir, name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range inv.Warnings {
		t.Fatalf("unexpected warning: %v (%v)", w, unwrapAll(w))
	}
	return inv
}

func unwrapAll(err error) string {
	if sw, ok := err.(*SourceWarning); ok {
		var parts []string
		for _, f := range sw.Failures {
			parts = append(parts, f.Error())
		}
		return strings.Join(parts, "")
	}
	return ""
}

func names(hs []*Host) string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Name
	}
	return strings.Join(out, ",")
}

// ansibleTool finds an ansible-core CLI for differential tests; it skips
// unless FJORD_TEST_REQUIRE=1, in which case a missing tool fails.
func ansibleTool(t *testing.T, name string) string {
	t.Helper()
	return testgate.Tool(t, name, "")
}

func runAnsible(t *testing.T, dir string, tool string, args ...string) string {
	t.Helper()
	cfg := filepath.Join(dir, "ansible.cfg")
	if err := os.WriteFile(cfg, []byte("[defaults]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ansibleTool(t, tool), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_CONFIG="+cfg,
		"ANSIBLE_LOCALHOST_WARNING=0", "ANSIBLE_INVENTORY_UNPARSED_WARNING=0", "HOME="+dir)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, stderr.String())
	}
	return out.String()
}
