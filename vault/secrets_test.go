package vault

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "plain"), "  filepw \n\n")
	writeFile(t, filepath.Join(dir, "empty"), "\n")
	writeScript(t, filepath.Join(dir, "script.sh"), "#!/bin/sh\necho ' scriptpw'\n")
	writeScript(t, filepath.Join(dir, "vault-client.sh"), "#!/bin/sh\n[ \"$1\" = --vault-id ] || exit 3\necho \"pw-for-$2\"\n")
	writeScript(t, filepath.Join(dir, "fail.sh"), "#!/bin/sh\nexit 1\n")
	enc, err := Encrypt([]byte("innerpw\n"), []byte("filepw"), "")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "encrypted"), string(enc))

	prompt := func(answers ...string) (func(string) (string, error), *[]string) {
		var asked []string
		return func(p string) (string, error) {
			asked = append(asked, p)
			a := answers[0]
			answers = answers[1:]
			return a, nil
		}, &asked
	}

	type want struct{ id, pw string }
	for _, tc := range []struct {
		name    string
		o       LoadOptions
		answers []string
		want    []want
		prompts []string
		err     string
	}{
		{name: "password file", o: LoadOptions{PasswordFiles: []string{"plain"}},
			want: []want{{"default", "filepw"}}},
		{name: "script", o: LoadOptions{PasswordFiles: []string{"script.sh"}},
			want: []want{{"default", " scriptpw"}}},
		{name: "client script gets id", o: LoadOptions{IDs: []string{"prod@vault-client.sh"}},
			want: []want{{"prod", "pw-for-prod"}}},
		{name: "ids before files", o: LoadOptions{IDs: []string{"a@plain", "script.sh"}, PasswordFiles: []string{"plain"}},
			want: []want{{"a", "filepw"}, {"default", " scriptpw"}, {"default", "filepw"}}},
		{name: "encrypted password file", o: LoadOptions{IDs: []string{"plain", "x@encrypted"}},
			want: []want{{"default", "filepw"}, {"x", "innerpw"}}},
		{name: "ask pass", o: LoadOptions{AskPass: true}, answers: []string{"typed"},
			want: []want{{"default", "typed"}}, prompts: []string{"Vault password: "}},
		{name: "id prompt", o: LoadOptions{IDs: []string{"dev@prompt"}}, answers: []string{"typed"},
			want: []want{{"dev", "typed"}}, prompts: []string{"Vault password (dev): "}},
		{name: "new id prompt", o: LoadOptions{IDs: []string{"dev@prompt"}, New: true}, answers: []string{"n", "n"},
			want: []want{{"dev", "n"}}, prompts: []string{"New vault password (dev): ", "Confirm new vault password (dev): "}},
		{name: "auto prompt new", o: LoadOptions{AutoPrompt: true, New: true}, answers: []string{"n", "n"},
			want: []want{{"default", "n"}}, prompts: []string{"New Vault password: ", "Confirm New Vault password: "}},
		{name: "no auto prompt", o: LoadOptions{}},
		{name: "mismatch", o: LoadOptions{AutoPrompt: true, New: true}, answers: []string{"a", "b"},
			err: "Passwords do not match"},
		{name: "missing file", o: LoadOptions{PasswordFiles: []string{"nope"}},
			err: "The vault password file " + filepath.Join(dir, "nope") + " was not found"},
		{name: "missing file with another", o: LoadOptions{PasswordFiles: []string{"nope", "plain"}},
			want: []want{{"default", "filepw"}}},
		{name: "empty file", o: LoadOptions{PasswordFiles: []string{"empty"}},
			err: "Invalid vault password was provided from file (" + filepath.Join(dir, "empty") + ")"},
		{name: "failing script", o: LoadOptions{PasswordFiles: []string{"fail.sh"}},
			err: "Vault password script " + filepath.Join(dir, "fail.sh") + " returned non-zero (1)"},
		{name: "semicolon", o: LoadOptions{IDs: []string{"a;b@plain"}},
			err: "'a;b@plain' is not a valid vault id. The character ';' is not allowed in vault ids"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			o.Dir = dir
			var asked *[]string
			if tc.answers != nil {
				o.Prompt, asked = prompt(tc.answers...)
			}
			s, err := Load(context.Background(), o)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("got %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, x := range s.All() {
				got = append(got, want{x.ID, string(x.Password)})
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			}
			if tc.prompts != nil && strings.Join(*asked, "|") != strings.Join(tc.prompts, "|") {
				t.Errorf("prompts %q, want %q", *asked, tc.prompts)
			}
		})
	}
}

func writeScript(t *testing.T, name, body string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
}
