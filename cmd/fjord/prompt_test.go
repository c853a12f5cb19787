package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	r := strings.NewReader("pw 1\r\nrest\n")
	if got, err := readLine(r); err != nil || got != "pw 1" {
		t.Errorf("readLine = %q, %v", got, err)
	}
	if got, err := readLine(r); err != nil || got != "rest" {
		t.Errorf("second readLine = %q, %v; the first must not read past its line", got, err)
	}
	if got, err := readLine(strings.NewReader("no newline")); err != nil || got != "no newline" {
		t.Errorf("readLine at EOF = %q, %v", got, err)
	}
}

func TestSecrets(t *testing.T) {
	te := newTestEnv(t)
	if code := te.playbook("-k", "-K", "--ask-vault-pass", "x.yml"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	want := []string{"SSH password: ", "BECOME password[defaults to SSH password]: ", "Vault password: "}
	if !reflect.DeepEqual(te.prompts, want) {
		t.Errorf("prompts %q, want %q", te.prompts, want)
	}

	te = newTestEnv(t)
	pf := filepath.Join(te.dir, "pw")
	if err := os.WriteFile(pf, []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := te.playbook("--become-pass-file", pf, "x.yml"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	if te.got.BecomePass != "hunter2" || len(te.prompts) != 0 {
		t.Errorf("BecomePass %q, prompts %q", te.got.BecomePass, te.prompts)
	}

	// -k's password reaches the engine, which gives it to ssh.
	te = newTestEnv(t)
	if code := te.playbook("--connection-password-file", pf, "x.yml"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	if te.got.ConnPassword != "hunter2" {
		t.Errorf("ConnPassword %q, want hunter2", te.got.ConnPassword)
	}
}
