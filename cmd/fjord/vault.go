package main

import (
	"context"
	"fmt"
	"io"
	"os"
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
	readStdin, err := checkVaultFlags(o, args)
	if err != nil {
		return err
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
	if err := r.loadSecrets(ctx, lo, cfg); err != nil {
		return err
	}
	if o.action == "rekey" {
		if err := r.loadNewSecret(ctx, lo); err != nil {
			return err
		}
	}
	return r.run(args, readStdin)
}

// checkVaultFlags refuses what ansible-vault's argument parser refuses;
// readStdin says encrypt_string reads its input from stdin.
func checkVaultFlags(o *vaultCmdOptions, args []string) (readStdin bool, err error) {
	for _, id := range o.vault.IDs {
		if strings.Contains(id, ";") {
			return false, optionErrorf("'%s' is not a valid vault id. The character ';' is not allowed in vault ids", id)
		}
	}
	if o.Output != "" && len(args) > 1 {
		return false, optionErrorf("At most one input file may be used with the --output option")
	}
	if o.NewPassFile != "" && o.NewID != "" {
		return false, optionErrorf("argument --new-vault-id: not allowed with argument --new-vault-password-file")
	}
	readStdin = o.action == "encrypt_string" && (contains(args, "-") || len(args) == 0 || o.StdinName != "")
	if o.Prompt && readStdin {
		return false, optionErrorf("The --prompt option is not supported if also reading input from stdin")
	}
	return readStdin, nil
}

// loadSecrets loads the vault secrets: those to decrypt with, or (for
// encrypt, create and encrypt_string) the one to encrypt with.
func (r *vaultRun) loadSecrets(ctx context.Context, lo vault.LoadOptions, cfg *config.Config) error {
	var err error
	switch r.o.action {
	case "decrypt", "view", "rekey", "edit":
		if r.secrets, err = vault.Load(ctx, lo); err != nil {
			return vaultErr(err)
		}
		if r.secrets.Len() == 0 {
			return optionErrorf("A vault password is required to use Ansible's Vault")
		}
		return nil
	}
	lo.New = true
	if r.secrets, err = vault.Load(ctx, lo); err != nil {
		return vaultErr(err)
	}
	encID := firstNonEmpty(r.o.EncryptID, cfg.Get("DEFAULT_VAULT_ENCRYPT_IDENTITY").String())
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
	return nil
}

// loadNewSecret loads rekey's new secret (--new-vault-id,
// --new-vault-password-file or a prompt) as the one to encrypt with.
func (r *vaultRun) loadNewSecret(ctx context.Context, lo vault.LoadOptions) error {
	o, e := r.o, r.e
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
	return nil
}

// run does the action on its arguments.
func (r *vaultRun) run(args []string, readStdin bool) error {
	switch r.o.action {
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
		fmt.Fprintln(r.e.stderr, "Rekey successful")
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
