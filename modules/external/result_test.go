package external

import (
	"testing"

	"github.com/fjord-run/fjord/value"
)

func TestDecodeOutput(t *testing.T) {
	for _, c := range []struct {
		out, want string
		junk      int
		err       bool
	}{
		{`{"changed": true}`, `{"changed": true}`, 0, false},
		{"noise\n{\"a\": 1}\n", `{"a": 1}`, 0, false},
		{"{\"a\": 1}\ntrailing junk\n", `{"a": 1}`, 1, false},
		{"{\"a\":\n 1}\n\n", `{"a": 1}`, 0, false},
		{"no json here\n", "", 0, true},
		{"{ not closed\n", "", 0, true},
	} {
		m, junk, err := decodeOutput(c.out)
		if (err != nil) != c.err || len(junk) != c.junk {
			t.Errorf("decodeOutput(%q): err %v, junk %q", c.out, err, junk)
			continue
		}
		if err == nil {
			b, _ := value.AppendPyJSON(nil, m, value.PyJSONOptions{Indent: -1})
			if string(b) != c.want {
				t.Errorf("decodeOutput(%q) = %s, want %s", c.out, b, c.want)
			}
		}
	}
}

func TestToResult(t *testing.T) {
	for _, c := range []struct {
		js                       string
		changed, failed, skipped bool
	}{
		{`{"changed": true}`, true, false, false},
		{`{"rc": 2}`, false, true, false},
		{`{"rc": 2, "failed": false}`, false, false, false},
		{`{"rc": "0"}`, false, false, false},
		{`{"skipped": true, "msg": "x"}`, false, false, true},
	} {
		v, _ := value.FromJSON([]byte(c.js))
		r := toResult(v.(*value.Map))
		if r.Changed != c.changed || r.Failed != c.failed || r.Skipped != c.skipped {
			t.Errorf("toResult(%s) = changed %v failed %v skipped %v", c.js, r.Changed, r.Failed, r.Skipped)
		}
	}
}

func TestKVArgs(t *testing.T) {
	a := value.MapOf("name", "a b", "n", 3, "ok", true, "l", []any{"x", 1}, "none", nil, "q", "it's")
	want := `name='a b' n=3 ok=True l='['"'"'x'"'"', 1]' none=None q='it'"'"'s' `
	if got := string(kvArgs(a)); got != want {
		t.Errorf("kvArgs = %s\nwant     %s", got, want)
	}
}

func TestRestrictedFact(t *testing.T) {
	for k, want := range map[string]bool{"ansible_facts": true, "ansible_host": true, "ansible_python_interpreter": true,
		"ansible_ssh_host_key_rsa_public": false, "ansible_become_user": true, "ansible_local_bridge": false,
		"ansible_ssh_foo": true, "add_host": true, "mine": false, "ansible_interpreter": false, "ansible_user": true} {
		if got := RestrictedFact(k); got != want {
			t.Errorf("RestrictedFact(%s) = %v", k, got)
		}
	}
	f := value.MapOf("ansible_host", "x", "mine", 2)
	var warned []string
	warnRestrictedFacts(f, func(s string) { warned = append(warned, s) })
	if len(warned) != 1 || f.Len() != 2 {
		t.Errorf("warnings %q, facts %d", warned, f.Len())
	}
}
