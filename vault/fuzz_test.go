package vault

import (
	"bytes"
	"testing"
)

// FuzzDecrypt feeds arbitrary envelopes to the parser and decrypter: they
// must fail cleanly, never panic, and whatever we encrypt must open again.
func FuzzDecrypt(f *testing.F) {
	ct, err := encryptWithSalt([]byte("a: 1\n"), []byte("pw"), "", bytes.Repeat([]byte{1}, saltLen))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ct)
	f.Add([]byte("$ANSIBLE_VAULT;1.2;AES256;prod\n3030\n"))
	f.Add([]byte("$ANSIBLE_VAULT;1.1;AES256\r\n0a0a\r\n"))
	f.Add([]byte("$ANSIBLE_VAULT;1.1\n"))
	f.Add([]byte("$ANSIBLE_VAULT"))
	secrets := *NewSecrets("", []byte("pw"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, perr := ParseEnvelope(data)
		plain, err := Decrypt(data, secrets)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if perr != nil {
			t.Fatalf("decrypted what ParseEnvelope rejects: %v", perr)
		}
		again, err := Encrypt(plain, []byte("pw"), env.ID)
		if IsEncrypted(plain) {
			return // Encrypt refuses vault data
		}
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decrypt(again, secrets)
		if err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("round trip: %q, %v", back, err)
		}
	})
}
