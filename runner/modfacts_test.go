package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A module's ansible_facts join the host's facts, and fetch's relative
// dest is taken from the play's directory.
func TestModuleFactsAndBasedir(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "remote.txt")
	os.WriteFile(src, []byte("x\n"), 0o644)
	pb := `- hosts: all
  gather_facts: false
  tasks:
    - package_facts:
    - service_facts:
    - assert:
        that:
          - ansible_facts.packages is mapping
          - ansible_facts.services is mapping
    - fetch: {src: ` + src + `, dest: got/, flat: true}
`
	os.WriteFile(filepath.Join(dir, "site.yml"), []byte(pb), 0o644)
	os.WriteFile(filepath.Join(dir, "inv"), []byte("h1 ansible_connection=local\n"), 0o644)
	var out bytes.Buffer
	code := Run(context.Background(), &Options{Playbooks: []string{filepath.Join(dir, "site.yml")},
		Inventory: []string{filepath.Join(dir, "inv")}, Stdout: &out, Stderr: &out})
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "got", "remote.txt")); err != nil || string(b) != "x\n" {
		t.Errorf("fetch into the play's directory: %q %v", b, err)
	}
}
