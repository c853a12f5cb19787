package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseExtraVars(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("vars.yml", "b: 2\na: [1, true, '0644', 0644]\nc: {z: 1, y: ~}\n")
	write("vars.json", `{"n": 1, "f": 1.5, "s": "x", "o": {"b": 1, "a": 2}}`)
	write("list.yml", "- 1\n- 2\n")
	write("empty.yml", "")
	write("bad.yml", "a: [\n")
	write("two.yml", "a: 1\n---\nb: 2\n")

	for _, tc := range []struct {
		in   string
		want string // JSON of the map, keys in order
		err  string // substring of the error, "" if none
	}{
		{in: `k=v k2='v 2'`, want: `{"k":"v","k2":"v 2"}`},
		{in: `n=1 b=true`, want: `{"n":"1","b":"true"}`},
		{in: `{"n": 1, "l": [true, null], "s": "x"}`, want: `{"n":1,"l":[true,null],"s":"x"}`},
		{in: `{b: true, a: 0x10, c: '1'}`, want: `{"b":true,"a":16,"c":"1"}`},
		{in: "a: 1\nb: [x]", want: `{"a":1,"b":["x"]}`},
		{in: `@vars.yml`, want: `{"b":2,"a":[1,true,"0644",420],"c":{"z":1,"y":null}}`},
		{in: `@vars.json`, want: `{"n":1,"f":1.5,"s":"x","o":{"b":1,"a":2}}`},
		{in: `[1, 2]`, err: "Invalid extra vars data supplied. '[1, 2]' could not be made into a dictionary"},
		{in: `@list.yml`, err: "could not be made into a dictionary"},
		{in: `@empty.yml`, err: "could not be made into a dictionary"},
		{in: `@missing.yml`, err: "Could not find or access '" + filepath.Join(dir, "missing.yml") + "' on the Ansible Controller."},
		{in: `@bad.yml`, err: "failed to load extra vars"},
		{in: `@two.yml`, err: "single document"},
		{in: `{bad`, err: "invalid extra vars '{bad'"},
		{in: `./vars.yml`, err: "Please prepend extra_vars filename './vars.yml' with '@'"},
		{in: `k='unclosed`, err: "unbalanced jinja2 block or quotes"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			maps, err := parseExtraVars([]string{tc.in}, dir)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(maps[0])
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

func TestExtraVarsOrderAndExit(t *testing.T) {
	te := newTestEnv(t)
	if code := te.playbook("-e", "a=1", "site.yml", "-e", `{"a": 2}`, "-e", ""); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	if n := len(te.got.ExtraVars); n != 2 {
		t.Fatalf("%d maps, want 2", n)
	}
	for i, want := range []any{"1", 2} {
		if v, _ := te.got.ExtraVars[i].Get("a"); v != want {
			t.Errorf("map %d: a = %#v, want %#v", i, v, want)
		}
	}

	te = newTestEnv(t)
	if code := te.playbook("-e", "[1]", "site.yml"); code != 5 {
		t.Errorf("exit %d, want 5", code)
	}
	if got, want := te.errOut.String(), "ERROR! Invalid extra vars data supplied. '[1]' could not be made into a dictionary\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if te.got != nil {
		t.Error("the runner ran despite a bad -e")
	}
	var oe *optionError
	_, err := parseExtraVars([]string{"./x"}, ".")
	if !errors.As(err, &oe) {
		t.Errorf("%v is not an option error", err)
	}
}
