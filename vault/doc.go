// Package vault reads and writes Ansible Vault data: the AES256 cipher in
// envelope formats 1.1 and 1.2 (with a vault id), byte-compatible with
// ansible-vault, and the secrets (passwords by vault id) that open it,
// loaded from password files, password scripts and prompts as the Ansible
// command lines do.
package vault
