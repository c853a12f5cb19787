// Package testfiles writes the small file trees tests load playbooks from.
package testfiles

import (
	"os"
	"path/filepath"
	"testing"
)

// Write writes files (name → content) under a new temporary directory
// and returns it.
func Write(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
