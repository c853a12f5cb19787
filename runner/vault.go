package runner

import (
	"github.com/fjord-run/fjord/value"
	"github.com/fjord-run/fjord/vault"
)

// inventoryDecrypter is the inventory's hook for encrypted group_vars and
// host_vars files.
func inventoryDecrypter(s *vault.Secrets) func(data []byte, file string) ([]byte, error) {
	return func(data []byte, file string) ([]byte, error) {
		return s.Decrypt(data, file)
	}
}

// openVaults returns v with every inline !vault value decrypted to its
// text, copying only the containers that hold one. Ansible decrypts an
// inline value when it is used, so a value nobody reads needs no secret;
// calling this where variables are read keeps that.
func (r *run) openVaults(v any) (any, error) {
	if r == nil || !hasVault(v) {
		return v, nil
	}
	switch v := v.(type) {
	case *value.Vault:
		if p, ok := r.vaultCache.Load(v.Ciphertext); ok {
			return p, nil
		}
		var secrets *vault.Secrets
		if r.o != nil {
			secrets = r.o.Vault
		}
		plain, err := secrets.Decrypt([]byte(v.Ciphertext), "")
		if err != nil {
			return nil, err
		}
		r.vaultCache.Store(v.Ciphertext, string(plain))
		return string(plain), nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			o, err := r.openVaults(e)
			if err != nil {
				return nil, err
			}
			out[i] = o
		}
		return out, nil
	case *value.Map:
		out := value.NewMap(v.Len())
		var err error
		v.Range(func(k string, e any) bool {
			var o any
			if o, err = r.openVaults(e); err != nil {
				return false
			}
			out.Set(k, o)
			return true
		})
		return out, err
	}
	return v, nil
}

func hasVault(v any) bool {
	switch v := v.(type) {
	case *value.Vault:
		return true
	case []any:
		for _, e := range v {
			if hasVault(e) {
				return true
			}
		}
	case *value.Map:
		found := false
		v.Range(func(_ string, e any) bool {
			found = hasVault(e)
			return !found
		})
		return found
	}
	return false
}
