package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/value"
	"github.com/fjord-run/fjord/vault"
)

func TestVaultEncryptedVarsFile(t *testing.T) {
	dir := t.TempDir()
	ct, err := vault.Encrypt([]byte("db_password: s3cret\n"), []byte("pw"), "prod")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "secrets.yml")
	if err := os.WriteFile(f, ct, 0o600); err != nil {
		t.Fatal(err)
	}

	l := &loader{playbookDir: dir, vault: vault.NewSecrets("prod", []byte("pw"))}
	m, err := l.loadVarsFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Get("db_password"); v != "s3cret" {
		t.Errorf("db_password = %v", v)
	}

	for _, tc := range []struct {
		secrets *vault.Secrets
		want    string
	}{
		{nil, "Attempting to decrypt but no vault secrets found"},
		{vault.NewSecrets("", []byte("wrong")), "Decryption failed (no vault secrets were found that could decrypt) on " + f},
	} {
		l := &loader{playbookDir: dir, vault: tc.secrets}
		if _, err := l.loadVarsFile(f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

func TestOpenInlineVaults(t *testing.T) {
	ct, err := vault.Encrypt([]byte("s3cret"), []byte("pw"), "")
	if err != nil {
		t.Fatal(err)
	}
	inner := value.NewMap(1)
	inner.Set("password", &value.Vault{Ciphertext: string(ct)})
	inner.Set("user", "bob")
	v := []any{inner, "plain"}

	r := &run{o: &Options{Vault: vault.NewSecrets("", []byte("pw"))}}
	got, err := r.openVaults(v)
	if err != nil {
		t.Fatal(err)
	}
	m := got.([]any)[0].(*value.Map)
	if p, _ := m.Get("password"); p != "s3cret" {
		t.Errorf("password = %#v", p)
	}
	if p, _ := inner.Get("password"); p == "s3cret" {
		t.Error("the loaded value was changed in place")
	}
	// Values without vault data come back as they are.
	if got, _ := r.openVaults(inner.Clone()); got == nil {
		t.Error("nil")
	}

	r = &run{o: &Options{}}
	if _, err := r.openVaults(v); err == nil || err.Error() != "Attempting to decrypt but no vault secrets found" {
		t.Errorf("no secrets: %v", err)
	}
}
