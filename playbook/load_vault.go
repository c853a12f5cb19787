package playbook

import "github.com/fjord-run/fjord/vault"

// decryptIfVault opens data when the whole file is vault-encrypted
// (playbooks, task files, vars files, group_vars), as Ansible's loader does
// for every file it reads; other data is returned as is. Without secrets
// the error is Ansible's "Attempting to decrypt but no vault secrets found".
func decryptIfVault(s *vault.Secrets, data []byte, file string) ([]byte, error) {
	if !vault.IsEncrypted(data) {
		return data, nil
	}
	return s.Decrypt(data, file)
}
