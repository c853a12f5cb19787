package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name, id, header string
		plain            string
	}{
		{"empty", "", "$ANSIBLE_VAULT;1.1;AES256\n", ""},
		{"block", "", "$ANSIBLE_VAULT;1.1;AES256\n", "0123456789abcdef"},
		{"default id", "default", "$ANSIBLE_VAULT;1.1;AES256\n", "x: 1\n"},
		{"id", "prod", "$ANSIBLE_VAULT;1.2;AES256;prod\n", "password: s3cr\xc3\xa9t\n"},
		{"binary", "dev", "$ANSIBLE_VAULT;1.2;AES256;dev\n", "\x00\xff\x80bin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, err := Encrypt([]byte(tc.plain), []byte("pw"), tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(ct, []byte(tc.header)) {
				t.Errorf("header: got %q", ct[:bytes.IndexByte(ct, '\n')+1])
			}
			if !IsEncrypted(ct) {
				t.Error("IsEncrypted = false")
			}
			for _, line := range strings.Split(strings.TrimSuffix(string(ct), "\n"), "\n")[1:] {
				if len(line) > 80 {
					t.Errorf("line longer than 80: %d", len(line))
				}
			}
			if ct[len(ct)-1] != '\n' {
				t.Error("no final newline")
			}
			got, err := Decrypt(ct, *NewSecrets("other", []byte("pw")))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.plain {
				t.Errorf("got %q, want %q", got, tc.plain)
			}
		})
	}
}

func TestDecryptErrors(t *testing.T) {
	ct, err := Encrypt([]byte("hello"), []byte("right"), "")
	if err != nil {
		t.Fatal(err)
	}
	idct, err := Encrypt([]byte("hello"), []byte("right"), "prod")
	if err != nil {
		t.Fatal(err)
	}
	wrong := *NewSecrets("", []byte("wrong"))
	for _, tc := range []struct {
		name    string
		data    []byte
		secrets Secrets
		file    string
		want    string
	}{
		{"wrong password", ct, wrong, "group_vars/all.yml",
			"Decryption failed (no vault secrets were found that could decrypt) on group_vars/all.yml"},
		{"wrong password no file", ct, wrong, "",
			"Decryption failed (no vault secrets were found that could decrypt)"},
		{"no secrets", ct, Secrets{}, "f", "Attempting to decrypt but no vault secrets found"},
		{"not vault", []byte("a: 1\n"), wrong, "f.yml",
			"input is not vault encrypted data. f.yml is not a vault encrypted file"},
		{"cipher", []byte("$ANSIBLE_VAULT;1.1;AES\n00\n"), wrong, "", "AES cipher could not be found"},
		{"short header", []byte("$ANSIBLE_VAULT;1.1\n00\n"), wrong, "f",
			"Vault envelope format error in f: list index out of range"},
		{"odd hex", []byte("$ANSIBLE_VAULT;1.1;AES256\n123\n"), wrong, "",
			"Vault format unhexlify error: Odd-length string"},
		{"bad hex", []byte("$ANSIBLE_VAULT;1.1;AES256\nzz\n"), wrong, "",
			"Vault format unhexlify error: Non-hexadecimal digit found"},
		{"match id only", idct, Secrets{list: []Secret{{ID: "dev", Password: []byte("right")}}, MatchID: true}, "",
			"Decryption failed (no vault secrets were found that could decrypt)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecryptFile(tc.data, tc.secrets, tc.file)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	_, err = Decrypt(ct, wrong)
	if !errors.Is(err, ErrNoSecret) {
		t.Errorf("errors.Is(%v, ErrNoSecret) = false", err)
	}
}

func TestSecretOrder(t *testing.T) {
	ct, err := Encrypt([]byte("hello"), []byte("p2"), "b")
	if err != nil {
		t.Fatal(err)
	}
	s := &Secrets{}
	s.Add("a", []byte("p1"), "")
	s.Add("", []byte("p0"), "")
	s.Add("b", []byte("p2"), "")
	if got := s.candidates("b"); got[0].ID != "b" || len(got) != 3 {
		t.Errorf("candidates: %v", got)
	}
	_, used, err := DecryptFile(ct, *s, "")
	if err != nil || used.ID != "b" {
		t.Errorf("used %v, err %v", used, err)
	}
	// A mislabelled envelope still opens with any secret: the id is a hint.
	relabelled := bytes.Replace(ct, []byte(";b\n"), []byte(";zz\n"), 1)
	if _, err := Decrypt(relabelled, *s); err != nil {
		t.Error(err)
	}
	if e, err := s.ForEncrypt(""); err != nil || e.ID != "a" {
		t.Errorf("ForEncrypt(\"\") = %v, %v", e, err)
	}
	if _, err := s.ForEncrypt("c"); err == nil || err.Error() != "Did not find a match for --encrypt-vault-id=c in the known vault-ids ['a', 'default', 'b']" {
		t.Errorf("ForEncrypt(c): %v", err)
	}
	if !strings.Contains(s.All()[0].String(), "a") || strings.Contains(s.All()[0].String(), "p1") {
		t.Errorf("String leaks or lacks id: %s", s.All()[0])
	}
}

func TestEncryptErrors(t *testing.T) {
	if _, err := Encrypt([]byte("$ANSIBLE_VAULT;1.1;AES256\n"), []byte("pw"), ""); err == nil || err.Error() != "input is already encrypted" {
		t.Errorf("got %v", err)
	}
	if _, err := Encrypt([]byte("x"), nil, ""); err == nil {
		t.Error("empty password accepted")
	}
	if _, err := Encrypt([]byte("x"), []byte("pw"), "a;b"); err == nil {
		t.Error("';' in vault id accepted")
	}
}

func TestIsEncrypted(t *testing.T) {
	for in, want := range map[string]bool{
		"$ANSIBLE_VAULT;1.1;AES256\n": true,
		"$ANSIBLE_VAULT":              true,
		" $ANSIBLE_VAULT;1.1;AES256":  false,
		"$ANSIBLE_VAULT;\xc3\xa9":     false,
		"":                            false,
		"---\n":                       false,
	} {
		if got := IsEncrypted([]byte(in)); got != want {
			t.Errorf("IsEncrypted(%q) = %v", in, got)
		}
	}
}

// A known vector: fixed salt, so the output is fixed; checked against
// ansible-vault in ansible_test.go's decrypt direction.
func TestDeterministic(t *testing.T) {
	salt := bytes.Repeat([]byte{7}, 32)
	a, err := encryptWithSalt([]byte("hi\n"), []byte("pw"), "", salt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := encryptWithSalt([]byte("hi\n"), []byte("pw"), "", salt)
	if !bytes.Equal(a, b) {
		t.Error("same salt, different output")
	}
	c, _ := Encrypt([]byte("hi\n"), []byte("pw"), "")
	if bytes.Equal(a, c) {
		t.Error("random salt gave the fixed-salt output")
	}
}
