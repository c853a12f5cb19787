package runner

import (
	"testing"

	"github.com/fjord-run/fjord/value"
	"github.com/fjord-run/fjord/vault"
)

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
