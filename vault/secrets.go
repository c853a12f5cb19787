package vault

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Secret is one vault password and the vault id it is known under.
type Secret struct {
	ID       string
	Password []byte
	// Source says where the password came from ("prompt", a file name),
	// for messages; never the password itself.
	Source string
}

// String hides the password, so that a Secret printed by mistake leaks
// nothing.
func (s Secret) String() string { return fmt.Sprintf("vault secret %s from %s", s.ID, s.Source) }

// Secrets holds the passwords a run knows, in the order they were given;
// Ansible's order matters when more than one can encrypt.
type Secrets struct {
	list []Secret
	// MatchID restricts decryption to the secrets whose id matches the
	// envelope's (Ansible's vault_id_match setting).
	MatchID bool
}

// NewSecrets returns Secrets holding one password under id ("" is
// "default").
func NewSecrets(id string, password []byte) *Secrets {
	s := &Secrets{}
	s.Add(id, password, "")
	return s
}

// Add appends a password under vault id id ("" is "default").
func (s *Secrets) Add(id string, password []byte, source string) {
	if id == "" {
		id = DefaultID
	}
	s.list = append(s.list, Secret{ID: id, Password: password, Source: source})
}

// Len is the number of secrets held.
func (s *Secrets) Len() int {
	if s == nil {
		return 0
	}
	return len(s.list)
}

// IDs lists the vault ids of the secrets, in order.
func (s *Secrets) IDs() []string {
	var out []string
	for _, x := range s.list {
		out = append(out, x.ID)
	}
	return out
}

// All returns the secrets in order.
func (s *Secrets) All() []Secret { return append([]Secret(nil), s.list...) }

// candidates are the secrets to try on data labelled id: those with that
// id first, then (unless MatchID) all others in order. Ansible tries them
// in given order; trying the labelled ones first gives the same plaintext
// and saves key derivations.
func (s Secrets) candidates(id string) []Secret {
	var first, rest []Secret
	for _, x := range s.list {
		if x.ID == id {
			first = append(first, x)
		} else if !s.MatchID {
			rest = append(rest, x)
		}
	}
	return append(first, rest...)
}

// Decrypt opens data read from file (file may be "") with these secrets.
// A nil *Secrets has none.
func (s *Secrets) Decrypt(data []byte, file string) ([]byte, error) {
	var v Secrets
	if s != nil {
		v = *s
	}
	plain, _, err := DecryptFile(data, v, file)
	return plain, err
}

// ForEncrypt picks the secret to encrypt with, as ansible-vault does: the
// one with id encryptID when given (an error if none has it), else the
// first.
func (s *Secrets) ForEncrypt(encryptID string) (Secret, error) {
	if encryptID != "" {
		for _, x := range s.list {
			if x.ID == encryptID {
				return x, nil
			}
		}
		return Secret{}, &Error{Msg: fmt.Sprintf("Did not find a match for --encrypt-vault-id=%s in the known vault-ids %s", encryptID, pyList(s.IDs()))}
	}
	if len(s.list) == 0 {
		return Secret{}, &Error{Msg: "A vault password must be specified to encrypt data"}
	}
	return s.list[0], nil
}

func pyList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// LoadOptions says where to find vault secrets, as the Ansible command
// lines take them.
type LoadOptions struct {
	// IDs are --vault-id values, "id@source" or "source", where source is
	// a file, a script, or "prompt"; vault_identity_list from ansible.cfg
	// goes first.
	IDs []string
	// PasswordFiles are --vault-password-file values, then
	// vault_password_file from ansible.cfg; each is id "default".
	PasswordFiles []string
	// AskPass is --ask-vault-pass.
	AskPass bool
	// AutoPrompt prompts when nothing else was given (ansible-vault does,
	// ansible-playbook does not).
	AutoPrompt bool
	// New asks for a new password, twice, for encrypting.
	New bool
	// Prompt reads a password without echo; required for prompts.
	Prompt func(prompt string) (string, error)
	// Warn reports a source that failed while others may still work.
	Warn func(msg string)
	// Dir resolves relative file names; "" is the working directory.
	Dir string
}

// Load reads the secrets named by o, in Ansible's order: --vault-id
// values, then password files, then the --ask-vault-pass prompt. A file
// that cannot be read is a warning unless no secret at all was found.
func Load(ctx context.Context, o LoadOptions) (*Secrets, error) {
	slugs := append([]string(nil), o.IDs...)
	for _, f := range o.PasswordFiles {
		slugs = append(slugs, DefaultID+"@"+f)
	}
	if o.AskPass || (len(slugs) == 0 && o.AutoPrompt) {
		slugs = append(slugs, DefaultID+"@prompt_ask_vault_pass")
	}
	warn := o.Warn
	if warn == nil {
		warn = func(string) {}
	}
	s := &Secrets{}
	var lastErr error
	for _, slug := range slugs {
		id, src := splitID(slug)
		if strings.Contains(id, ";") {
			return nil, &Error{Msg: fmt.Sprintf("'%s' is not a valid vault id. The character ';' is not allowed in vault ids", slug)}
		}
		if src == "prompt" || src == "prompt_ask_vault_pass" {
			if id == "" {
				id = DefaultID
			}
			pw, err := askPassword(o, id, src == "prompt_ask_vault_pass")
			if err != nil {
				warn(fmt.Sprintf("Error in vault password prompt (%s): %v", noneIfEmpty(slugID(slug)), err))
				return nil, err
			}
			s.Add(id, pw, "prompt")
			continue
		}
		pw, err := readSecretFile(ctx, src, id, o.Dir, s)
		if err != nil {
			warn(fmt.Sprintf("Error in vault password file loading (%s): %v", noneIfEmpty(id), err))
			lastErr = err
			continue
		}
		s.Add(id, pw, src)
	}
	if lastErr != nil && s.Len() == 0 {
		return nil, lastErr
	}
	return s, nil
}

func slugID(slug string) string { id, _ := splitID(slug); return id }

func noneIfEmpty(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

// splitID splits "id@source"; a slug without @ is all source.
func splitID(slug string) (id, source string) {
	if i := strings.Index(slug, "@"); i >= 0 {
		return slug[:i], slug[i+1:]
	}
	return "", slug
}

func askPassword(o LoadOptions, id string, legacy bool) ([]byte, error) {
	if o.Prompt == nil {
		return nil, &Error{Msg: fmt.Sprintf("EOFError (ctrl-d) on prompt for (%s)", id)}
	}
	var prompts []string
	switch {
	case o.New && legacy:
		prompts = []string{"New Vault password: ", "Confirm New Vault password: "}
	case o.New:
		prompts = []string{fmt.Sprintf("New vault password (%s): ", id), fmt.Sprintf("Confirm new vault password (%s): ", id)}
	case legacy:
		prompts = []string{"Vault password: "}
	default:
		prompts = []string{fmt.Sprintf("Vault password (%s): ", id)}
	}
	var first []byte
	for i, p := range prompts {
		line, err := o.Prompt(p)
		if err != nil {
			return nil, err
		}
		if line == "" {
			return nil, &Error{Msg: "Invalid vault password was provided"}
		}
		pw := []byte(strings.TrimSpace(line))
		if i == 0 {
			first = pw
		} else if !bytes.Equal(first, pw) {
			return nil, &Error{Msg: "Passwords do not match"}
		}
	}
	return first, nil
}

// readSecretFile reads a password file: an executable is run and its
// stdout is the password (a "*-client" script gets --vault-id ID);
// otherwise the file's content, stripped of surrounding white space. A
// password file may itself be vault-encrypted with an earlier secret.
func readSecretFile(ctx context.Context, name, id, dir string, known *Secrets) ([]byte, error) {
	path := expandPath(name, dir)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("The vault password file %s was not found", path)}
	}
	if fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return runSecretScript(ctx, path, id)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("Could not read vault password file %s: %v", path, err)}
	}
	data = bytes.TrimSpace(data)
	if IsEncrypted(data) {
		if data, err = known.Decrypt(data, path); err != nil {
			return nil, err
		}
	}
	data = bytes.Trim(data, "\r\n")
	if len(data) == 0 {
		return nil, &Error{Msg: fmt.Sprintf("Invalid vault password was provided from file (%s)", path)}
	}
	return data, nil
}

func runSecretScript(ctx context.Context, path, id string) ([]byte, error) {
	base := strings.TrimSuffix(path, filepath.Ext(path))
	client := strings.HasSuffix(base, "-client")
	args := []string{}
	if client && id != "" {
		args = append(args, "--vault-id", id)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	if client {
		cmd.Stderr = &stderr
	} else {
		// A plain script may prompt the user on stderr.
		cmd.Stderr = os.Stderr
		cmd.Stdin = os.Stdin
	}
	err := cmd.Run()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			switch {
			case client && ee.ExitCode() == 2:
				return nil, &Error{Msg: fmt.Sprintf("Vault password client script %s did not find a secret for vault-id=%s: %s", path, id, stderr.String())}
			case client:
				return nil, &Error{Msg: fmt.Sprintf("Vault password client script %s returned non-zero (%d) when getting secret for vault-id=%s: %s", path, ee.ExitCode(), id, stderr.String())}
			}
			return nil, &Error{Msg: fmt.Sprintf("Vault password script %s returned non-zero (%d)", path, ee.ExitCode())}
		}
		return nil, &Error{Msg: fmt.Sprintf("Problem running vault password script %s (%v). If this is not a script, remove the executable bit from the file.", path, err)}
	}
	pw := bytes.Trim(stdout.Bytes(), "\r\n")
	if len(pw) == 0 {
		return nil, &Error{Msg: fmt.Sprintf("Invalid vault password was provided from script (%s)", path)}
	}
	return pw, nil
}

// expandPath expands ~ and $VARS and makes name absolute against dir.
func expandPath(name, dir string) string {
	p := os.ExpandEnv(name)
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[1:])
		}
	}
	if !filepath.IsAbs(p) {
		if dir == "" {
			dir, _ = os.Getwd()
		}
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p)
}
