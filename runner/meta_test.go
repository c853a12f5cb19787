package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Meta tasks print what ansible-playbook 2.14 prints for them
// (callback/testdata/meta.golden): a banner per host for the per-host
// actions with the name as written, once for the others by the first
// host's condition, skips that count in no stats, warnings for when on
// noop and for resetting a local connection, and tags applied.
func TestMetaTasksGolden(t *testing.T) {
	dir := filepath.Join("callback", "testdata", "playbooks")
	var out, errs bytes.Buffer
	code := Run(context.Background(), &Options{
		Playbooks: []string{filepath.Join(dir, "meta.yml")},
		Inventory: []string{filepath.Join(dir, "hosts.ini")},
		Forks:     1,
		Stdout:    &out,
		Stderr:    &errs,
	})
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errs.String())
	}
	want, err := os.ReadFile(filepath.Join("callback", "testdata", "meta.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("output differs from ansible-playbook's:\n--- got\n%s--- want\n%s", out.String(), want)
	}
	if w := "[WARNING]: noop task does not support when conditional\n[WARNING]: Reset is not implemented for this connection\n"; errs.String() != w {
		t.Errorf("stderr %q, want %q", errs.String(), w)
	}
}
