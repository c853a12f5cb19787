package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/modules"
)

func (te *testEnv) doc(args ...string) int {
	return te.main(context.Background(), append([]string{"fjord", "doc"}, args...))
}

// fjord doc shows a native module in ansible-doc's layout, under every
// name the module answers to, and as ansible-doc (argv[0]).
func TestDocModule(t *testing.T) {
	for _, argv := range [][]string{{"fjord", "doc", "copy"}, {"/usr/bin/ansible-doc", "ansible.builtin.copy"}, {"fjord", "doc", "ansible.legacy.copy"}} {
		te := newTestEnv(t)
		if code := te.main(context.Background(), argv); code != 0 {
			t.Fatalf("%v: exit %d: %s", argv, code, te.errOut.String())
		}
		out := te.out.String()
		for _, want := range []string{"> ANSIBLE.BUILTIN.COPY    (", "OPTIONS (= is mandatory):\n", "\n= dest\n", "\n- src\n", "        type: str\n", "ATTRIBUTES:\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: no %q in\n%s", argv, want, out)
			}
		}
		if strings.Contains(out, "_original_basename") {
			t.Errorf("%v: an internal argument is shown", argv)
		}
	}
}

// -l lists every native module once; -j gives JSON.
func TestDocListAndJSON(t *testing.T) {
	te := newTestEnv(t)
	if code := te.doc("-l"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	lines := strings.Split(strings.TrimSuffix(te.out.String(), "\n"), "\n")
	native := 0
	for _, in := range modules.Infos() {
		if in.External == "" {
			native++
		}
	}
	if len(lines) != native || !strings.HasPrefix(lines[0], "ansible.builtin.") {
		t.Errorf("%d lines for %d modules; first %q", len(lines), native, lines[0])
	}
	te = newTestEnv(t)
	if code := te.doc("-j", "ping"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	var got map[string]struct {
		Doc struct {
			Options map[string]struct {
				Type    string
				Default string
			}
		}
	}
	if err := json.Unmarshal(te.out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if o := got["ansible.builtin.ping"].Doc.Options["data"]; o.Type != "str" || o.Default != "pong" {
		t.Errorf("ping's data: %+v", o)
	}
}

// A module that is not native is named as such when no ansible-doc is
// there to show it.
func TestDocNotNative(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	te := newTestEnv(t)
	if code := te.doc("community.general.nosuch"); code != 1 || !strings.Contains(te.errOut.String(), "community.general.nosuch: not a native fjord module") {
		t.Errorf("exit %d, stderr %q", code, te.errOut.String())
	}
}
