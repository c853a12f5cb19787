package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fjord-run/fjord/config"
	"github.com/fjord-run/fjord/vault"
)

// vaultCmdOptions are ansible-vault's flags, shared by its subcommands;
// each subcommand registers the ones ansible-vault gives it.
type vaultCmdOptions struct {
	vault        vaultOptions
	Output       string
	EncryptID    string
	NewPassFile  string
	NewID        string
	Names        listFlag
	StdinName    string
	Prompt       bool
	ShowInput    bool
	action       string
	outputIsSet  bool
	stdinIsTerm  bool
	stdoutIsTerm bool
}

func (o *vaultCmdOptions) common() []cli.Flag {
	return []cli.Flag{
		&cli.GenericFlag{Name: "vault-id", Value: &o.vault.IDs, Usage: "the vault identity to use (repeatable)"},
		&cli.BoolFlag{Name: "ask-vault-password", Aliases: []string{"ask-vault-pass"}, Destination: &o.vault.AskPass,
			Usage: "ask for vault password"},
		&cli.GenericFlag{Name: "vault-password-file", Aliases: []string{"vault-pass-file"}, Value: &o.vault.PasswordFiles,
			Usage: "vault password file (repeatable)"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "verbose mode (accepted)"},
	}
}

func (o *vaultCmdOptions) output() cli.Flag {
	return &cli.StringFlag{Name: "output", Destination: &o.Output,
		Usage: "output file name for encrypt or decrypt; use - for stdout"}
}

func (o *vaultCmdOptions) encryptID() cli.Flag {
	return &cli.StringFlag{Name: "encrypt-vault-id", Destination: &o.EncryptID,
		Usage: "the vault id used to encrypt (required if more than one vault-id is provided)"}
}

func (e *env) vaultCommand() *cli.Command {
	o := &vaultCmdOptions{}
	sub := func(name, usage string, flags ...cli.Flag) *cli.Command {
		return &cli.Command{
			Name:         name,
			Usage:        usage,
			ArgsUsage:    "FILE...",
			Flags:        append(o.common(), flags...),
			OnUsageError: usageError,
			Action: func(c *cli.Context) error {
				o.action = name
				o.outputIsSet = c.IsSet("output")
				return runVault(c.Context, e, o, c.Args().Slice())
			},
		}
	}
	return &cli.Command{
		Name:            "vault",
		Usage:           "encrypt and decrypt Ansible Vault data (as ansible-vault)",
		HideHelpCommand: true,
		OnUsageError:    usageError,
		Subcommands: []*cli.Command{
			sub("create", "create a new encrypted file in $EDITOR", o.encryptID()),
			sub("decrypt", "decrypt encrypted files", o.output()),
			sub("edit", "edit an encrypted file in $EDITOR", o.encryptID()),
			sub("view", "show the plaintext of encrypted files"),
			sub("encrypt", "encrypt files (or stdin)", o.output(), o.encryptID()),
			sub("encrypt_string", "encrypt a string for an inline !vault value",
				o.output(), o.encryptID(),
				&cli.BoolFlag{Name: "prompt", Aliases: []string{"p"}, Destination: &o.Prompt, Usage: "prompt for the string to encrypt"},
				&cli.BoolFlag{Name: "show-input", Destination: &o.ShowInput, Usage: "do not hide input when prompted for the string"},
				&cli.GenericFlag{Name: "name", Aliases: []string{"n"}, Value: &o.Names, Usage: "the variable name (repeatable)"},
				&cli.StringFlag{Name: "stdin-name", Destination: &o.StdinName, Usage: "the variable name for stdin"}),
			sub("rekey", "re-encrypt files with a new secret", o.encryptID(),
				&cli.StringFlag{Name: "new-vault-password-file", Destination: &o.NewPassFile, Usage: "new vault password file for rekey"},
				&cli.StringFlag{Name: "new-vault-id", Destination: &o.NewID, Usage: "the new vault identity to use for rekey"}),
		},
	}
}

// vaultRun is one ansible-vault invocation in progress.
type vaultRun struct {
	e       *env
	o       *vaultCmdOptions
	secrets *vault.Secrets
	// encrypt is the secret to encrypt with (encrypt, create, rekey's new one).
	encrypt vault.Secret
}

func runVault(ctx context.Context, e *env, o *vaultCmdOptions, args []string) error {
	for _, id := range o.vault.IDs {
		if strings.Contains(id, ";") {
			return optionErrorf("'%s' is not a valid vault id. The character ';' is not allowed in vault ids", id)
		}
	}
	if o.Output != "" && len(args) > 1 {
		return optionErrorf("At most one input file may be used with the --output option")
	}
	if o.NewPassFile != "" && o.NewID != "" {
		return optionErrorf("argument --new-vault-id: not allowed with argument --new-vault-password-file")
	}
	readStdin := o.action == "encrypt_string" && (contains(args, "-") || len(args) == 0 || o.StdinName != "")
	if o.Prompt && readStdin {
		return optionErrorf("The --prompt option is not supported if also reading input from stdin")
	}
	o.stdinIsTerm = isTerminalReader(e.stdin)
	o.stdoutIsTerm = e.isTerminal(e.stdout)

	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	lo := vaultLoadOptions(e, cfg, o.vault)
	lo.AutoPrompt = true
	r := &vaultRun{e: e, o: o}
	switch o.action {
	case "decrypt", "view", "rekey", "edit":
		if r.secrets, err = vault.Load(ctx, lo); err != nil {
			return vaultErr(err)
		}
		if r.secrets.Len() == 0 {
			return optionErrorf("A vault password is required to use Ansible's Vault")
		}
	default:
		lo.New = true
		if r.secrets, err = vault.Load(ctx, lo); err != nil {
			return vaultErr(err)
		}
		encID := firstNonEmpty(o.EncryptID, cfg.Get("DEFAULT_VAULT_ENCRYPT_IDENTITY").String())
		if r.secrets.Len() > 1 && encID == "" {
			return optionErrorf("The vault-ids %s are available to encrypt. Specify the vault-id to encrypt with --encrypt-vault-id",
				strings.Join(r.secrets.IDs(), ","))
		}
		if r.secrets.Len() == 0 {
			return optionErrorf("A vault password is required to use Ansible's Vault")
		}
		if r.encrypt, err = r.secrets.ForEncrypt(encID); err != nil {
			return vaultErr(err)
		}
	}
	if o.action == "rekey" {
		nlo := vault.LoadOptions{AskPass: o.vault.AskPass, New: true, AutoPrompt: true,
			Prompt: e.readSecret, Warn: lo.Warn, Dir: e.dir}
		if o.NewID != "" {
			nlo.IDs = []string{o.NewID}
		}
		if o.NewPassFile != "" {
			nlo.PasswordFiles = []string{o.NewPassFile}
		}
		ns, err := vault.Load(ctx, nlo)
		if err != nil {
			return vaultErr(err)
		}
		if ns.Len() == 0 {
			return optionErrorf("A new vault password is required to use Ansible's Vault rekey")
		}
		// The new secret is the only one loaded: it is the first.
		if r.encrypt, err = ns.ForEncrypt(""); err != nil {
			return vaultErr(err)
		}
	}
	switch o.action {
	case "encrypt":
		return r.encryptFiles(args)
	case "decrypt":
		return r.decryptFiles(args)
	case "view":
		return r.view(args)
	case "create":
		if len(args) != 1 {
			return optionErrorf("ansible-vault create can take only one filename argument")
		}
		return r.create(args[0])
	case "edit":
		for _, f := range args {
			if err := r.edit(f); err != nil {
				return err
			}
		}
		return nil
	case "rekey":
		for _, f := range args {
			if err := r.rekey(f); err != nil {
				return err
			}
		}
		fmt.Fprintln(e.stderr, "Rekey successful")
		return nil
	case "encrypt_string":
		return r.encryptString(args, readStdin)
	}
	return nil
}

// vaultLoadOptions turns vault flags and ansible.cfg into loader options:
// vault_identity_list goes before --vault-id, vault_password_file after
// --vault-password-file, as in ansible.
func vaultLoadOptions(e *env, cfg *config.Config, v vaultOptions) vault.LoadOptions {
	lo := vault.LoadOptions{
		IDs:           append(cfg.Get("DEFAULT_VAULT_IDENTITY_LIST").List(), v.IDs...),
		PasswordFiles: append([]string(nil), v.PasswordFiles...),
		AskPass:       v.AskPass,
		Prompt:        e.readSecret,
		Warn:          func(msg string) { fmt.Fprintf(e.stderr, "[WARNING]: %s\n", msg) },
		Dir:           e.dir,
	}
	if f := cfg.Get("DEFAULT_VAULT_PASSWORD_FILE"); f.Value != nil {
		lo.PasswordFiles = append(lo.PasswordFiles, f.String())
	}
	return lo
}

// loadVaultSecrets reads the secrets for a playbook or inventory run: no
// prompt unless asked.
func loadVaultSecrets(ctx context.Context, e *env, cfg *config.Config, v vaultOptions) (*vault.Secrets, error) {
	s, err := vault.Load(ctx, vaultLoadOptions(e, cfg, v))
	if err != nil {
		return nil, vaultErr(err)
	}
	s.MatchID = cfg.Get("DEFAULT_VAULT_ID_MATCH").Bool()
	return s, nil
}

// vaultErr reports a vault error as ansible-vault does (ERROR!, exit 1).
func vaultErr(err error) error {
	return &failure{err: err, code: 1}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (r *vaultRun) readData(name string) ([]byte, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(r.e.stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		msg := err.Error()
		if pe, ok := err.(*os.PathError); ok {
			msg = pe.Err.Error()
		}
		return nil, vaultErr(fmt.Errorf("Unable to read source file (%s): %s", name, msg))
	}
	return data, nil
}

// writeData writes to stdout ("-") or replaces the file with a new one,
// created 0600, as ansible-vault does.
func (r *vaultRun) writeData(data []byte, name string) error {
	if name == "-" {
		_, err := r.e.stdout.Write(data)
		return err
	}
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		if err := os.Remove(name); err != nil {
			return vaultErr(err)
		}
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return vaultErr(fmt.Errorf("Problem creating temporary vault file: %v", err))
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return vaultErr(fmt.Errorf("Unable to write to temporary vault file: %v", err))
	}
	return f.Close()
}

func realPath(name string) string {
	if name == "-" {
		return name
	}
	if p, err := filepath.EvalSymlinks(name); err == nil {
		name = p
	}
	if p, err := filepath.Abs(name); err == nil {
		return p
	}
	return name
}

func (r *vaultRun) encryptFiles(args []string) error {
	if len(args) == 0 {
		if r.o.stdinIsTerm {
			fmt.Fprintln(r.e.stderr, "Reading plaintext input from stdin")
		}
		args = []string{"-"}
	}
	for _, f := range args {
		f = realPath(f)
		plain, err := r.readData(f)
		if err != nil {
			return err
		}
		ct, err := vault.Encrypt(plain, r.encrypt.Password, r.encrypt.ID)
		if err != nil {
			return vaultErr(err)
		}
		if err := r.writeData(ct, firstNonEmpty(r.o.Output, f)); err != nil {
			return err
		}
	}
	if r.o.stdoutIsTerm {
		fmt.Fprintln(r.e.stderr, "Encryption successful")
	}
	return nil
}

func (r *vaultRun) decryptFiles(args []string) error {
	if len(args) == 0 {
		if r.o.stdinIsTerm {
			fmt.Fprintln(r.e.stderr, "Reading ciphertext input from stdin")
		}
		args = []string{"-"}
	}
	for _, f := range args {
		f = realPath(f)
		data, err := r.readData(f)
		if err != nil {
			return err
		}
		plain, _, err := vault.DecryptFile(data, *r.secrets, f)
		if err != nil {
			return vaultErr(fmt.Errorf("%v for %s", err, f))
		}
		if err := r.writeData(plain, firstNonEmpty(r.o.Output, f)); err != nil {
			return err
		}
	}
	if r.o.stdoutIsTerm {
		fmt.Fprintln(r.e.stderr, "Decryption successful")
	}
	return nil
}

func (r *vaultRun) view(args []string) error {
	for _, f := range args {
		data, err := r.readData(f)
		if err != nil {
			return err
		}
		plain, _, err := vault.DecryptFile(data, *r.secrets, f)
		if err != nil {
			return vaultErr(fmt.Errorf("%v for %s", err, f))
		}
		r.page(plain)
	}
	return nil
}

// page shows text through $PAGER (or less) on a terminal, else prints it
// with a final newline, as ansible-vault view does.
func (r *vaultRun) page(text []byte) {
	if r.o.stdoutIsTerm {
		pager := r.e.getenv("PAGER")
		if pager == "" {
			if _, err := exec.LookPath("less"); err == nil {
				pager = "less"
			}
		}
		if pager != "" {
			cmd := exec.Command("sh", "-c", pager)
			cmd.Stdin = bytes.NewReader(text)
			cmd.Stdout, cmd.Stderr = r.e.stdout, r.e.stderr
			cmd.Env = os.Environ()
			if r.e.getenv("LESS") == "" {
				cmd.Env = append(cmd.Env, "LESS=FRSX")
			}
			if cmd.Run() == nil {
				return
			}
		}
	}
	r.e.stdout.Write(text)
	if !bytes.HasSuffix(text, []byte("\n")) {
		io.WriteString(r.e.stdout, "\n")
	}
}

func (r *vaultRun) create(name string) error {
	if dir := filepath.Dir(name); dir != "." {
		if _, err := os.Stat(dir); err != nil {
			fmt.Fprintf(r.e.stderr, "[WARNING]: %s does not exist, creating...\n", dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return vaultErr(err)
			}
		}
	}
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		return vaultErr(fmt.Errorf("%s exists, please use 'edit' instead", name))
	}
	return r.editHelper(name, nil, true, r.encrypt, r.encrypt.ID)
}

func (r *vaultRun) edit(name string) error {
	name = realPath(name)
	data, err := r.readData(name)
	if err != nil {
		return err
	}
	plain, used, err := vault.DecryptFile(data, *r.secrets, "")
	if err != nil {
		return vaultErr(fmt.Errorf("%v for %s", err, name))
	}
	env, err := vault.ParseEnvelope(data)
	if err != nil {
		return vaultErr(err)
	}
	// The file keeps the vault id its header had.
	return r.editHelper(name, plain, false, used, env.ID)
}

// editHelper puts plain in a temp file in a private directory, runs
// $EDITOR on it, and encrypts the result into name if it changed (always,
// for a new file). The plaintext is overwritten before removal.
func (r *vaultRun) editHelper(name string, plain []byte, force bool, secret vault.Secret, id string) error {
	dir, err := os.MkdirTemp("", "fjord-vault-")
	if err != nil {
		return vaultErr(err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "edit"+filepath.Ext(name))
	defer shred(tmp)
	if err := os.WriteFile(tmp, plain, 0o600); err != nil {
		return vaultErr(err)
	}
	editor := r.e.getenv("EDITOR")
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "sh", tmp)
	cmd.Stdin = r.e.stdin
	cmd.Stdout, cmd.Stderr = r.e.stdout, r.e.stderr
	if f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil && r.o.stdinIsTerm {
		defer f.Close()
		cmd.Stdin, cmd.Stdout = f, f
	}
	if err := cmd.Run(); err != nil {
		return vaultErr(fmt.Errorf("Unable to execute the command \"%s %s\": %v", editor, tmp, err))
	}
	edited, err := os.ReadFile(tmp)
	if err != nil {
		return vaultErr(err)
	}
	if !force && bytes.Equal(edited, plain) {
		return nil
	}
	ct, err := vault.Encrypt(edited, secret.Password, id)
	if err != nil {
		return vaultErr(err)
	}
	return r.replaceKeepingMode(name, ct)
}

// replaceKeepingMode writes data to name, keeping an existing file's mode.
func (r *vaultRun) replaceKeepingMode(name string, data []byte) error {
	prev, statErr := os.Stat(name)
	if err := r.writeData(data, name); err != nil {
		return err
	}
	if statErr == nil {
		return os.Chmod(name, prev.Mode().Perm())
	}
	return nil
}

func shred(path string) {
	if fi, err := os.Stat(path); err == nil {
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			f.Write(make([]byte, fi.Size()))
			f.Sync()
			f.Close()
		}
	}
	os.Remove(path)
}

func (r *vaultRun) rekey(name string) error {
	name = realPath(name)
	data, err := r.readData(name)
	if err != nil {
		return err
	}
	plain, _, err := vault.DecryptFile(data, *r.secrets, "")
	if err != nil {
		return vaultErr(fmt.Errorf("%v for %s", err, name))
	}
	ct, err := vault.Encrypt(plain, r.encrypt.Password, r.encrypt.ID)
	if err != nil {
		return vaultErr(err)
	}
	return r.replaceKeepingMode(name, ct)
}

type plainInput struct {
	text []byte
	src  string
	name string
}

func (r *vaultRun) encryptString(args []string, readStdin bool) error {
	var inputs []plainInput
	var rest []string
	for _, a := range args {
		if a != "-" {
			rest = append(rest, a)
		}
	}
	if r.o.Prompt {
		name, err := r.e.readSecret("Variable name (enter for no name): ")
		if err != nil {
			return err
		}
		msg := "String to encrypt (hidden): "
		if r.o.ShowInput {
			msg = "String to encrypt:"
		}
		text, err := r.e.readSecret(msg)
		if err != nil {
			return err
		}
		if text == "" {
			return optionErrorf("The plaintext provided from the prompt was empty, not encrypting")
		}
		inputs = append(inputs, plainInput{[]byte(text), "the interactive prompt", name})
	}
	if readStdin {
		if r.o.stdoutIsTerm {
			fmt.Fprintln(r.e.stderr, "Reading plaintext input from stdin. (ctrl-d to end input, twice if your content does not already have a newline)")
		}
		text, err := io.ReadAll(r.e.stdin)
		if err != nil {
			return vaultErr(err)
		}
		if len(text) == 0 {
			return optionErrorf("stdin was empty, not encrypting")
		}
		inputs = append(inputs, plainInput{text, "stdin", r.o.StdinName})
	}
	names := []string(r.o.Names)
	if len(names) > 0 && len(rest) > len(names) {
		fmt.Fprintln(r.e.stderr, "The number of --name options do not match the number of args.")
		fmt.Fprintf(r.e.stderr, "The last named variable will be \"%s\". The rest will not have names.\n", names[len(names)-1])
	}
	for i, a := range rest {
		if a == "" {
			return optionErrorf("The plaintext provided from the command line args was empty, not encrypting")
		}
		name := ""
		if i < len(names) {
			name = names[i]
		}
		inputs = append(inputs, plainInput{[]byte(a), "the command line args", name})
	}
	var outs [][]byte
	for i, in := range inputs {
		ct, err := vault.Encrypt(in.text, r.encrypt.Password, r.encrypt.ID)
		if err != nil {
			return vaultErr(err)
		}
		var b bytes.Buffer
		if in.name != "" {
			b.WriteString(in.name + ": ")
		}
		b.WriteString("!vault |")
		for _, line := range strings.Split(strings.TrimSuffix(string(ct), "\n"), "\n") {
			b.WriteString("\n          " + line)
		}
		outs = append(outs, b.Bytes())
		if len(inputs) > 1 {
			if in.name != "" {
				fmt.Fprintf(r.e.stderr, "# The encrypted version of variable (\"%s\", the string #%d from %s).\n", in.name, i+1, in.src)
			} else {
				fmt.Fprintf(r.e.stderr, "# The encrypted version of the string #%d from %s.)\n", i+1, in.src)
			}
		}
	}
	if err := r.writeData(bytes.Join(outs, []byte("\n")), firstNonEmpty(r.o.Output, "-")); err != nil {
		return err
	}
	if r.o.stdoutIsTerm {
		fmt.Fprintln(r.e.stderr, "Encryption successful")
	}
	return nil
}
