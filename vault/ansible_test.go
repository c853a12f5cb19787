package vault

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/internal/testgate"
	"github.com/fjord-run/fjord/value"
	"gopkg.in/yaml.v3"
)

// ansibleVault finds the ansible-vault binary, or skips (fails under
// FJORD_TEST_REQUIRE=1).
func ansibleVault(t *testing.T) string {
	t.Helper()
	return testgate.Tool(t, "ansible-vault", "")
}

func runAnsibleVault(t *testing.T, bin, dir string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	cfg := filepath.Join(dir, "empty.cfg")
	if _, err := os.Stat(cfg); err != nil {
		writeFile(t, cfg, "")
	}
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+cfg, "HOME="+dir, "ANSIBLE_LOCAL_TEMP="+dir, "PAGER=cat")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("ansible-vault %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.Bytes()
}

var samplePlaintexts = map[string]string{
	"yaml":   "db_password: s3cret\nusers:\n  - alice\n  - bob\n",
	"block":  "0123456789abcdef",
	"utf8":   "clé: välue ✓\n",
	"long":   strings.Repeat("a long line of text, ", 200) + "\n",
	"crlf":   "a: 1\r\nb: 2\r\n",
	"binary": "\x00\x01\x02\xff\xfe",
}

func TestAnsibleVaultEncryptsFjordDecrypts(t *testing.T) {
	bin := ansibleVault(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pw"), "hunter2\n")
	writeFile(t, filepath.Join(dir, "pw2"), "other pass\n")
	for name, plain := range samplePlaintexts {
		for _, id := range []string{"", "prod"} {
			t.Run(name+"/"+id, func(t *testing.T) {
				t.Parallel()
				f := filepath.Join(dir, name+id+".txt")
				writeFile(t, f, plain)
				args := []string{"encrypt", "--vault-password-file", "pw", f}
				if id != "" {
					args = []string{"encrypt", "--vault-id", id + "@pw", f}
				}
				runAnsibleVault(t, bin, dir, nil, args...)
				ct, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				s := &Secrets{}
				s.Add("dev", []byte("other pass"), "")
				s.Add("", []byte("hunter2"), "")
				got, used, err := DecryptFile(ct, *s, f)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != plain {
					t.Errorf("got %q, want %q", got, plain)
				}
				if want := map[string]string{"": "default", "prod": "default"}[id]; used.ID != want {
					t.Errorf("used %s", used.ID)
				}
				wantHeader := "$ANSIBLE_VAULT;1.1;AES256\n"
				if id != "" {
					wantHeader = "$ANSIBLE_VAULT;1.2;AES256;" + id + "\n"
				}
				if !bytes.HasPrefix(ct, []byte(wantHeader)) {
					t.Errorf("ansible-vault header %q", ct[:bytes.IndexByte(ct, '\n')])
				}
				// Same shape as ours.
				mine, err := Encrypt([]byte(plain), []byte("hunter2"), id)
				if err != nil {
					t.Fatal(err)
				}
				if len(mine) != len(ct) || bytes.Count(mine, []byte("\n")) != bytes.Count(ct, []byte("\n")) {
					t.Errorf("layout differs: ours %d bytes/%d lines, theirs %d/%d",
						len(mine), bytes.Count(mine, []byte("\n")), len(ct), bytes.Count(ct, []byte("\n")))
				}
			})
		}
	}
}

func TestFjordEncryptsAnsibleVaultDecrypts(t *testing.T) {
	bin := ansibleVault(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pw"), "hunter2\n")
	for name, plain := range samplePlaintexts {
		for _, id := range []string{"", "prod"} {
			t.Run(name+"/"+id, func(t *testing.T) {
				t.Parallel()
				ct, err := Encrypt([]byte(plain), []byte("hunter2"), id)
				if err != nil {
					t.Fatal(err)
				}
				f := filepath.Join(dir, name+id+".vault")
				writeFile(t, f, string(ct))
				args := []string{"decrypt", "--output", "-", "--vault-password-file", "pw", f}
				if id != "" {
					args = []string{"decrypt", "--output", "-", "--vault-id", id + "@pw", f}
				}
				got := runAnsibleVault(t, bin, dir, nil, args...)
				if string(got) != plain {
					t.Errorf("ansible-vault decrypt --output -: got %q, want %q", got, plain)
				}
			})
		}
	}
}

// Inline !vault strings from ansible-vault encrypt_string decode through
// value.FromNode and decrypt here; ours decrypt there.
func TestEncryptString(t *testing.T) {
	bin := ansibleVault(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pw"), "hunter2\n")
	for _, id := range []string{"", "prod"} {
		args := []string{"encrypt_string", "--vault-password-file", "pw", "-n", "secret", "-n", "other", "s3cret value", "two"}
		if id != "" {
			args = []string{"encrypt_string", "--vault-id", id + "@pw", "-n", "secret", "-n", "other", "s3cret value", "two"}
		}
		out := runAnsibleVault(t, bin, dir, nil, args...)
		var n yaml.Node
		if err := yaml.Unmarshal(out, &n); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		v, err := value.FromNode(&n)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := v.(*value.Map)
		if !ok {
			t.Fatalf("%T", v)
		}
		for key, want := range map[string]string{"secret": "s3cret value", "other": "two"} {
			raw, _ := m.Get(key)
			vv, ok := raw.(*value.Vault)
			if !ok {
				t.Fatalf("%s: %T, want *value.Vault", key, raw)
			}
			got, err := Decrypt([]byte(vv.Ciphertext), *NewSecrets("", []byte("hunter2")))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("%s: got %q, want %q", key, got, want)
			}
		}
	}

	// The reverse: a playbook-style vars file with our inline value,
	// decrypted by ansible (through ansible-vault view of the extracted
	// envelope, the same code path as the !vault constructor).
	ct, err := Encrypt([]byte("inline"), []byte("hunter2"), "prod")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "inline.vault")
	writeFile(t, f, string(ct))
	if got := runAnsibleVault(t, bin, dir, nil, "decrypt", "--output", "-", "--vault-password-file", "pw", f); string(got) != "inline" {
		t.Errorf("got %q", got)
	}
}

func TestRekeyCompat(t *testing.T) {
	bin := ansibleVault(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "old"), "old\n")
	writeFile(t, filepath.Join(dir, "new"), "new\n")
	ct, err := Encrypt([]byte("payload\n"), []byte("old"), "")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "f.yml")
	writeFile(t, f, string(ct))
	runAnsibleVault(t, bin, dir, nil, "rekey", "--vault-password-file", "old", "--new-vault-id", "ops@new", f)
	data, _ := os.ReadFile(f)
	if !bytes.HasPrefix(data, []byte("$ANSIBLE_VAULT;1.2;AES256;ops\n")) {
		t.Errorf("header after rekey: %q", data)
	}
	got, err := Decrypt(data, *NewSecrets("ops", []byte("new")))
	if err != nil || string(got) != "payload\n" {
		t.Errorf("got %q, %v", got, err)
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
