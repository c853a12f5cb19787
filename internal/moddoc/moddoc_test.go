package moddoc

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestModulesDocCurrent fails when docs/modules.md is not what the
// registry and the modules' doc comments give: run go generate ./modules.
func TestModulesDocCurrent(t *testing.T) {
	root := filepath.Join("..", "..")
	want, err := Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "docs", "modules.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("docs/modules.md is stale: run go generate ./modules")
	}
}

// TestCommentsCurrent fails when comments_gen.go, the doc comments
// `fjord doc` shows, is not what the source says: run go generate ./modules.
func TestCommentsCurrent(t *testing.T) {
	want, err := GenerateComments(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("comments_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/moddoc/comments_gen.go is stale: run go generate ./modules")
	}
}
