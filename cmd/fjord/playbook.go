package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/fjord-run/fjord/config"
	"github.com/fjord-run/fjord/runner"
)

// playbookOptions are ansible-playbook 2.14's flags, same spellings and
// short forms, plus --callback.
type playbookOptions struct {
	Inventory       listFlag
	Limit           string
	Check, Diff     bool
	Tags, SkipTags  listFlag
	ExtraVars       listFlag
	Forks           int
	Connection      string
	User            string
	PrivateKey      string
	Timeout         int
	Become          bool
	BecomeUser      string
	BecomeMethod    string
	AskBecomePass   bool
	BecomePassFile  string
	SyntaxCheck     bool
	ListHosts       bool
	ListTasks       bool
	ListTags        bool
	StartAtTask     string
	Step            bool
	FlushCache      bool
	ForceHandlers   bool
	Callback        string
	Version         bool
	connectionFlags connectionOptions
	vault           vaultOptions
	adhoc           bool // ansible's ad hoc command: no playbook
	verbose         func() int
	isSet           func(name string) bool
}

// connectionOptions are the connection flags: the password and the ssh
// arguments reach runner.Options; --scp-extra-args and --sftp-extra-args
// are refused (fjord has no scp or sftp); -M is accepted for scripts that
// pass it, with nothing to load from it, modules being built in.
type connectionOptions struct {
	AskPass       bool
	PassFile      string
	Password      string // from -k or --connection-password-file
	SSHCommonArgs string
	SSHExtraArgs  string
	SFTPExtraArgs string
	SCPExtraArgs  string
	ModulePath    listFlag
}

// vaultOptions are the vault flags every command shares.
type vaultOptions struct {
	PasswordFiles listFlag
	AskPass       bool
	IDs           listFlag
	Password      string // from --ask-vault-pass (fjord inventory)
}

func (o *playbookOptions) flags() []cli.Flag {
	return []cli.Flag{
		&cli.GenericFlag{Name: "inventory", Aliases: []string{"i", "inventory-file"}, Value: &o.Inventory,
			Usage: "inventory host path or comma separated host list (repeatable; env ANSIBLE_INVENTORY)"},
		&cli.StringFlag{Name: "limit", Aliases: []string{"l"}, Destination: &o.Limit,
			Usage: "further limit selected hosts to an additional `PATTERN`"},
		&cli.BoolFlag{Name: "check", Aliases: []string{"C"}, Destination: &o.Check,
			Usage: "don't make any changes; instead, try to predict some of the changes that may occur"},
		&cli.BoolFlag{Name: "diff", Aliases: []string{"D"}, Destination: &o.Diff,
			Usage: "when changing (small) files and templates, show the differences in those files"},
		&cli.GenericFlag{Name: "tags", Aliases: []string{"t"}, Value: &o.Tags,
			Usage: "only run plays and tasks tagged with these values (repeatable, comma separated)"},
		&cli.GenericFlag{Name: "skip-tags", Value: &o.SkipTags,
			Usage: "only run plays and tasks whose tags do not match these values (repeatable, comma separated)"},
		&cli.GenericFlag{Name: "extra-vars", Aliases: []string{"e"}, Value: &o.ExtraVars,
			Usage: "set additional variables as key=value or YAML/JSON, if filename prepend with @ (repeatable)"},
		&cli.IntFlag{Name: "forks", Aliases: []string{"f"}, Value: 5, Destination: &o.Forks,
			Usage: "specify number of parallel processes to use (env ANSIBLE_FORKS)"},
		&cli.StringFlag{Name: "connection", Aliases: []string{"c"}, Destination: &o.Connection,
			Usage: "connection type to use (default=ssh)"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Destination: &o.User,
			Usage: "connect as this `REMOTE_USER` (env ANSIBLE_REMOTE_USER)"},
		&cli.StringFlag{Name: "private-key", Aliases: []string{"key-file"}, Destination: &o.PrivateKey,
			Usage: "use this file to authenticate the connection"},
		&cli.IntFlag{Name: "timeout", Aliases: []string{"T"}, Destination: &o.Timeout, DefaultText: "10",
			Usage: "override the connection timeout in seconds (env ANSIBLE_TIMEOUT)"},
		&cli.StringFlag{Name: "ssh-common-args", Destination: &o.connectionFlags.SSHCommonArgs,
			Usage: "specify common arguments to pass to sftp/scp/ssh"},
		&cli.StringFlag{Name: "sftp-extra-args", Destination: &o.connectionFlags.SFTPExtraArgs,
			Usage: "not supported: fjord transfers files over its ssh session, without sftp"},
		&cli.StringFlag{Name: "scp-extra-args", Destination: &o.connectionFlags.SCPExtraArgs,
			Usage: "not supported: fjord transfers files over its ssh session, without scp"},
		&cli.StringFlag{Name: "ssh-extra-args", Destination: &o.connectionFlags.SSHExtraArgs,
			Usage: "specify extra arguments to pass to ssh only"},
		&cli.BoolFlag{Name: "ask-pass", Aliases: []string{"k"}, Destination: &o.connectionFlags.AskPass,
			Usage: "ask for connection password"},
		&cli.StringFlag{Name: "connection-password-file", Aliases: []string{"conn-pass-file"}, Destination: &o.connectionFlags.PassFile,
			Usage: "connection password file"},
		&cli.BoolFlag{Name: "become", Aliases: []string{"b"}, Destination: &o.Become,
			Usage: "run operations with become (does not imply password prompting) (env ANSIBLE_BECOME)"},
		&cli.StringFlag{Name: "become-method", Destination: &o.BecomeMethod,
			Usage: "privilege escalation method to use (default=sudo)"},
		&cli.StringFlag{Name: "become-user", Destination: &o.BecomeUser,
			Usage: "run operations as this user (default=root)"},
		&cli.BoolFlag{Name: "ask-become-pass", Aliases: []string{"K"}, Destination: &o.AskBecomePass,
			Usage: "ask for privilege escalation password"},
		&cli.StringFlag{Name: "become-password-file", Aliases: []string{"become-pass-file"}, Destination: &o.BecomePassFile,
			Usage: "become password file"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"},
			Usage: "verbose mode (-vvv for more, -vvvv to enable connection debugging)"},
		&cli.BoolFlag{Name: "syntax-check", Destination: &o.SyntaxCheck,
			Usage: "perform a syntax check on the playbook, but do not execute it"},
		&cli.BoolFlag{Name: "list-hosts", Destination: &o.ListHosts, Usage: "outputs a list of matching hosts; does not execute anything else"},
		&cli.BoolFlag{Name: "list-tasks", Destination: &o.ListTasks, Usage: "list all tasks that would be executed"},
		&cli.BoolFlag{Name: "list-tags", Destination: &o.ListTags, Usage: "list all available tags"},
		&cli.StringFlag{Name: "start-at-task", Destination: &o.StartAtTask,
			Usage: "start the playbook at the task matching this name"},
		&cli.BoolFlag{Name: "step", Destination: &o.Step, Usage: "one-step-at-a-time: confirm each task before running (not supported yet)"},
		&cli.BoolFlag{Name: "flush-cache", Destination: &o.FlushCache, Usage: "clear the fact cache for every host in inventory"},
		&cli.BoolFlag{Name: "force-handlers", Destination: &o.ForceHandlers, Usage: "run handlers even if a task fails"},
		&cli.GenericFlag{Name: "module-path", Aliases: []string{"M"}, Value: &o.connectionFlags.ModulePath,
			Usage: "prepend colon-separated path(s) to module library"},
		&cli.GenericFlag{Name: "vault-id", Value: &o.vault.IDs, Usage: "the vault identity to use (repeatable)"},
		&cli.BoolFlag{Name: "ask-vault-password", Aliases: []string{"ask-vault-pass"}, Destination: &o.vault.AskPass,
			Usage: "ask for vault password"},
		&cli.GenericFlag{Name: "vault-password-file", Aliases: []string{"vault-pass-file"}, Value: &o.vault.PasswordFiles,
			Usage: "vault password file (repeatable)"},
		&cli.StringFlag{Name: "callback", Destination: &o.Callback,
			Usage: "stdout callback: default, json, minimal or yaml (env ANSIBLE_STDOUT_CALLBACK)"},
		&cli.BoolFlag{Name: "version", Destination: &o.Version,
			Usage: "show program's version number, config file location, and exit"},
	}
}

func (e *env) playbookCommand() *cli.Command {
	opts := &playbookOptions{}
	return &cli.Command{
		Name:            "playbook",
		Usage:           "run Ansible playbooks (as ansible-playbook)",
		ArgsUsage:       "PLAYBOOK...",
		Flags:           opts.flags(),
		HideHelpCommand: true,
		OnUsageError:    usageError,
		Action: func(c *cli.Context) error {
			opts.verbose = func() int { return c.Count("verbose") }
			opts.isSet = c.IsSet
			return runPlaybook(c.Context, e, opts, c.Args().Slice())
		},
	}
}

func runPlaybook(ctx context.Context, e *env, opts *playbookOptions, args []string) error {
	if opts.Version {
		return e.printVersion()
	}
	o, err := opts.runnerOptions(ctx, e, args)
	if err != nil {
		return err
	}
	code := e.run(ctx, o)
	if code != runner.ExitOK {
		return exitCode(code)
	}
	return nil
}

// hostKeyCheckingOf is host_key_checking when ansible.cfg or the
// environment sets it, nil for the default.
func hostKeyCheckingOf(cfg *config.Config) *bool {
	s := cfg.Get("connection.ssh.host_key_checking")
	if s.IsDefault() {
		return nil
	}
	b := s.Bool()
	return &b
}

// configFileLine says at -v which ansible.cfg is in force, as the first
// thing on stdout, as ansible-playbook does (display.v, in blue).
func (e *env) configFileLine(file string) {
	msg := "No config file found; using defaults"
	if file != "" {
		msg = "Using " + file + " as config file"
	}
	if useColor(e.getenv, e.isTerminal(e.stdout)) {
		msg = "\033[0;34m" + msg + "\033[0m"
	}
	fmt.Fprintln(e.stdout, msg)
}

// keyPassphrasePrompt asks once per key file, as ssh(1) would ask at the
// terminal; nil when stdin is not a terminal (the connection then says
// the key is locked).
func keyPassphrasePrompt(e *env) func(string) (string, error) {
	if !isTerminalReader(e.stdin) || e.readSecret == nil {
		return nil
	}
	var mu sync.Mutex
	asked := map[string]string{}
	return func(keyFile string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if p, ok := asked[keyFile]; ok {
			return p, nil
		}
		p, err := e.readSecret(fmt.Sprintf("Enter passphrase for key '%s': ", keyFile))
		if err != nil {
			return "", err
		}
		asked[keyFile] = p
		return p, nil
	}
}

// secrets reads password files and prompts, in ansible's order (SSH,
// BECOME, then vault), and returns the become password.
func (opts *playbookOptions) secrets(e *env) (string, error) {
	var err error
	cf := &opts.connectionFlags
	switch {
	case cf.PassFile != "":
		if cf.Password, err = readPasswordFile(e.dir, cf.PassFile); err != nil {
			return "", err
		}
	case cf.AskPass:
		if cf.Password, err = e.readSecret("SSH password: "); err != nil {
			return "", err
		}
	}
	var becomePass string
	switch {
	case opts.BecomePassFile != "":
		if becomePass, err = readPasswordFile(e.dir, opts.BecomePassFile); err != nil {
			return "", err
		}
	case opts.AskBecomePass:
		prompt := "BECOME password: "
		if cf.AskPass {
			prompt = "BECOME password[defaults to SSH password]: "
		}
		if becomePass, err = e.readSecret(prompt); err != nil {
			return "", err
		}
		if becomePass == "" {
			becomePass = cf.Password
		}
	}
	// The vault prompt (--ask-vault-pass) comes last, from loadVaultSecrets.
	return becomePass, nil
}

// readPasswordFile reads a --become-password-file or
// --connection-password-file; a relative path is relative to dir.
func readPasswordFile(dir, path string) (string, error) {
	path = expandHome(path)
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// An AnsibleError, not an options error: exit 1.
		return "", &failure{fmt.Errorf("The password file %s was not found", path), runner.ExitError}
	}
	return strings.TrimSpace(string(b)), nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
