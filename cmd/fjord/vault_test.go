package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/vault"
)

// vaultCmd runs "fjord vault ARGS..." and returns the exit code.
func (te *testEnv) vaultCmd(args ...string) int {
	return te.main(context.Background(), append([]string{"fjord", "vault"}, args...))
}

func TestVaultCommands(t *testing.T) {
	te := newTestEnv(t)
	dir := te.dir
	te.vars["HOME"] = dir
	write := func(name, data string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pw := write("pw", "hunter2\n", 0o600)
	pw2 := write("pw2", "other\n", 0o600)
	f := write("vars.yml", "secret: 1\n", 0o644)

	run := func(args ...string) {
		t.Helper()
		te.out.Reset()
		te.errOut.Reset()
		if code := te.vaultCmd(args...); code != 0 {
			t.Fatalf("fjord vault %s: exit %d: %s", strings.Join(args, " "), code, te.errOut.String())
		}
	}
	run("encrypt", f, "--vault-id", "prod@"+pw)
	data, _ := os.ReadFile(f)
	if !strings.HasPrefix(string(data), "$ANSIBLE_VAULT;1.2;AES256;prod\n") {
		t.Fatalf("encrypted: %q", data)
	}
	run("view", "--vault-password-file", pw, f)
	if te.out.String() != "secret: 1\n" {
		t.Errorf("view: %q", te.out.String())
	}
	// Symlinked and argv[0] ansible-vault.
	te.out.Reset()
	if code := te.main(context.Background(), []string{"/usr/bin/ansible-vault", "decrypt", "--output", "-", "--vault-pass-file", pw, f}); code != 0 {
		t.Fatalf("ansible-vault decrypt: %d %s", code, te.errOut.String())
	}
	if te.out.String() != "secret: 1\n" {
		t.Errorf("decrypt --output -: %q", te.out.String())
	}

	run("rekey", "--vault-password-file", pw, "--new-vault-password-file", pw2, f)
	data, _ = os.ReadFile(f)
	if !strings.HasPrefix(string(data), "$ANSIBLE_VAULT;1.1;AES256\n") || !strings.Contains(te.errOut.String(), "Rekey successful") {
		t.Fatalf("rekeyed: %q %q", data, te.errOut.String())
	}
	if plain, err := vault.Decrypt(data, *vault.NewSecrets("", []byte("other"))); err != nil || string(plain) != "secret: 1\n" {
		t.Fatalf("after rekey: %q %v", plain, err)
	}

	te.vars["EDITOR"] = "sed -i s/1/2/"
	run("edit", "--vault-password-file", pw2, f)
	run("view", "--vault-password-file", pw2, f)
	if te.out.String() != "secret: 2\n" {
		t.Errorf("after edit: %q", te.out.String())
	}
	if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after edit %v", fi.Mode())
	}

	te.vars["EDITOR"] = "sh -c 'echo created > \"$0\"'"
	nf := filepath.Join(dir, "sub", "new.yml")
	run("create", "--vault-password-file", pw, nf)
	run("view", "--vault-password-file", pw, nf)
	if te.out.String() != "created\n" {
		t.Errorf("created: %q", te.out.String())
	}
	if code := te.vaultCmd("create", "--vault-password-file", pw, nf); code != 1 || !strings.Contains(te.errOut.String(), "exists, please use 'edit' instead") {
		t.Errorf("create existing: %d %q", code, te.errOut.String())
	}

	run("decrypt", "--vault-password-file", pw2, f)
	if data, _ := os.ReadFile(f); string(data) != "secret: 2\n" {
		t.Errorf("decrypted file: %q", data)
	}

	te.stdin = strings.NewReader("from stdin")
	run("encrypt_string", "--vault-password-file", pw, "--stdin-name", "token")
	if !strings.HasPrefix(te.out.String(), "token: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          ") {
		t.Errorf("encrypt_string: %q", te.out.String())
	}

	te.out.Reset()
	te.errOut.Reset()
	if code := te.vaultCmd("view", "--vault-password-file", pw2, nf); code != 1 {
		t.Errorf("wrong password: exit %d", code)
	}
	if want := "ERROR! Decryption failed (no vault secrets were found that could decrypt) on " + nf + " for " + nf + "\n"; te.errOut.String() != want {
		t.Errorf("stderr %q, want %q", te.errOut.String(), want)
	}

	te.errOut.Reset()
	if code := te.vaultCmd("encrypt", "--vault-id", "a@"+pw, "--vault-id", "b@"+pw2, f); code != 5 ||
		!strings.Contains(te.errOut.String(), "The vault-ids a,b are available to encrypt. Specify the vault-id to encrypt with --encrypt-vault-id") {
		t.Errorf("two ids: %d %q", code, te.errOut.String())
	}
	run("encrypt", "--vault-id", "a@"+pw, "--vault-id", "b@"+pw2, "--encrypt-vault-id", "b", f)
	data, _ = os.ReadFile(f)
	if !strings.HasPrefix(string(data), "$ANSIBLE_VAULT;1.2;AES256;b\n") {
		t.Errorf("encrypt-vault-id: %q", data)
	}
}

func TestPlaybookVaultAndConfig(t *testing.T) {
	te := newTestEnv(t)
	te.vars["HOME"] = te.dir
	if err := os.Chmod(te.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := `[defaults]
inventory = inv/hosts
forks = 12
remote_user = deploy
roles_path = roles:/opt/roles
vault_password_file = pw
host_key_checking = False
gathering = explicit
stdout_callback = minimal
force_handlers = yes
private_key_file = keys/id
timeout = 25
[privilege_escalation]
become = true
become_user = admin
`
	for name, data := range map[string]string{"ansible.cfg": cfg, "pw": "hunter2\n"} {
		if err := os.WriteFile(filepath.Join(te.dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	te.vars["ANSIBLE_FORKS"] = "9"
	if code := te.playbook("site.yml", "--vault-id", "prod@prompt", "-u", "me"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	o := te.got
	d := te.dir
	if o.Forks != 9 || o.RemoteUser != "me" || !o.Become || o.BecomeUser != "admin" || o.Callback != "minimal" ||
		!o.ForceHandlers || o.PrivateKey != d+"/keys/id" || o.Timeout != 25 ||
		strings.Join(o.Inventory, ",") != d+"/inv/hosts" ||
		strings.Join(o.RolesPath, ",") != d+"/roles,/opt/roles" ||
		o.HostKeyChecking == nil || *o.HostKeyChecking {
		t.Errorf("options %+v", o)
	}
	// ansible.cfg reaches the engine in Options, not the environment.
	if o.Gathering != "explicit" {
		t.Errorf("Gathering = %q", o.Gathering)
	}
	if ids := o.Vault.IDs(); strings.Join(ids, ",") != "prod,default" {
		t.Errorf("vault ids %v", ids)
	}
	if strings.Join(te.prompts, "|") != "Vault password (prod): " {
		t.Errorf("prompts %q", te.prompts)
	}

	te.out.Reset()
	if code := te.main(context.Background(), []string{"fjord", "config", "dump", "--only-changed"}); code != 0 {
		t.Fatalf("config dump: %d %s", code, te.errOut.String())
	}
	for _, want := range []string{
		"CONFIG_FILE() = " + d + "/ansible.cfg\n",
		"DEFAULT_FORKS(env: ANSIBLE_FORKS) = 9\n",
		"DEFAULT_ROLES_PATH(" + d + "/ansible.cfg) = ['" + d + "/roles', '/opt/roles']\n",
		"HOST_KEY_CHECKING(" + d + "/ansible.cfg) = False\n",
	} {
		if !strings.Contains(te.out.String(), want) {
			t.Errorf("dump lacks %q:\n%s", want, te.out.String())
		}
	}
}
