package modules

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// ansibleCase was recorded by running ansible-core 2.14 (ansible localhost
// -c local -m MOD -a ARGS) on a file holding In.
type ansibleCase struct {
	Mod     string         `json:"mod"`
	In      string         `json:"in"`
	Args    map[string]any `json:"args"`
	Out     string         `json:"out"`
	Changed bool           `json:"changed"`
	Msg     string         `json:"msg"`
}

func TestTextEditMatchesAnsible(t *testing.T) {
	data, err := os.ReadFile("testdata/ansible_textedit.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []ansibleCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%s", i, c.Mod), func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "f")
			putFile(t, p, c.In, 0644)
			kv := []any{"path", p}
			for k, v := range c.Args {
				kv = append(kv, k, v)
			}
			for _, check := range []bool{true, false} {
				env, cnt := testEnv(t, dir)
				env.Check, env.Diff = check, true
				r := run(t, env, c.Mod, kv...)
				if r.Failed {
					t.Fatalf("failed: %s", r.Msg)
				}
				if r.Changed != c.Changed || r.Msg != c.Msg {
					t.Errorf("check=%v args %v: changed=%v msg=%q, want %v %q", check, c.Args, r.Changed, r.Msg, c.Changed, c.Msg)
				}
				want := c.In
				if !check {
					want = c.Out
				}
				if got := readFile(t, p); got != want {
					t.Errorf("check=%v args %v on %q:\ngot  %q\nwant %q", check, c.Args, c.In, got, want)
				}
				if len(r.Diff) == 0 || r.Diff[0].Before != c.In || r.Diff[0].After != c.Out {
					t.Errorf("diff %+v", r.Diff)
				}
				wantTrips := 1
				if c.Changed && !check {
					wantTrips = 2
				}
				if cnt.Count() != wantTrips {
					t.Errorf("check=%v: %d round trips, want %d", check, cnt.Count(), wantTrips)
				}
			}
			// Idempotence: a second run changes nothing.
			env, _ := testEnv(t, dir)
			if r := run(t, env, c.Mod, kv...); r.Changed && c.Mod == "blockinfile" {
				t.Errorf("second run changed: %s", r.Msg)
			}
		})
	}
}
