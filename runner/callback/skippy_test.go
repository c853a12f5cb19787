package callback

import (
	"bytes"
	"strings"
	"testing"
)

// skippy drops skipped results and says on loading that it is
// deprecated, wrapped as Display.deprecated wraps (spaces kept at the
// breaks); the text is ansible-playbook 2.14's.
func TestSkippy(t *testing.T) {
	var out, errs bytes.Buffer
	s := NewStdout("ansible.posix.skippy", &out, Options{Stderr: &errs})
	want := "[DEPRECATION WARNING]: ansible.posix.skippy has been deprecated. See the plugin\n" +
		" documentation for more details. This feature will be removed from \n" +
		"ansible.posix in a release after 2022-06-01. Deprecation warnings can be \n" +
		"disabled by setting deprecation_warnings=False in ansible.cfg.\n"
	if errs.String() != want {
		t.Errorf("deprecation:\n%q\nwant\n%q", errs.String(), want)
	}
	p5(t, s).finish()
	if strings.Contains(out.String(), "skipping") || !strings.Contains(out.String(), "TASK [fail] ***") {
		t.Errorf("output:\n%s", out.String())
	}
}

// null prints nothing of a run but warnings.
func TestNull(t *testing.T) {
	var out bytes.Buffer
	s := NewStdout("community.general.null", &out, Options{})
	p5(t, s).finish()
	s.Warn("w")
	if out.String() != "[WARNING]: w\n" {
		t.Errorf("output %q", out.String())
	}
}
