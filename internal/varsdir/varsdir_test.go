package varsdir

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.yml", "a.json", "c", "d.txt", ".hidden.yml", "e.yml~", "sub/x.yaml", "sub.d/y.yml"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("k: v\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A FIFO is neither a file nor a directory: left out.
	_ = mkfifo(filepath.Join(dir, "f.yml"))
	got := Files(dir)
	var rel []string
	for _, p := range got {
		r, _ := filepath.Rel(dir, p)
		rel = append(rel, r)
	}
	want := []string{"a.json", "b.yml", "c", "sub/x.yaml"}
	if !reflect.DeepEqual(rel, want) {
		t.Fatalf("Files = %q, want %q", rel, want)
	}
	if Files(filepath.Join(dir, "missing")) != nil {
		t.Fatal("a missing dir lists files")
	}
}
