package playbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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

	l := NewLoader(Options{PlaybookDir: dir, Vault: vault.NewSecrets("prod", []byte("pw"))}, nil)
	m, err := l.LoadVarsFile(f)
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
		l := NewLoader(Options{PlaybookDir: dir, Vault: tc.secrets}, nil)
		if _, err := l.LoadVarsFile(f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}
