package runner

import "testing"

// Meta tasks print what ansible-playbook 2.14 prints for them
// (callback/testdata/meta.golden): a banner per host for the per-host
// actions with the name as written, once for the others by the first
// host's condition, skips that count in no stats, warnings for when on
// noop and for resetting a local connection, and tags applied.
func TestMetaTasksGolden(t *testing.T) {
	out, errs, want := runBook(t, "meta.yml", "meta.golden", Options{Forks: 1}, false)
	if out != want {
		t.Errorf("output differs from ansible-playbook's:\n--- got\n%s--- want\n%s", out, want)
	}
	if w := "[WARNING]: noop task does not support when conditional\n[WARNING]: Reset is not implemented for this connection\n"; errs != w {
		t.Errorf("stderr %q, want %q", errs, w)
	}
}
