package main

import (
	"context"
	"os"

	"github.com/fjord-run/fjord/config"
	"github.com/fjord-run/fjord/runner"
)

// runnerOptions checks the flags, applies ANSIBLE_* defaults for flags
// not given, reads -e and prompts for passwords.
func (opts *playbookOptions) runnerOptions(ctx context.Context, e *env, args []string) (*runner.Options, error) {
	if err := opts.checkFlags(args); err != nil {
		return nil, err
	}
	// ansible.cfg and ANSIBLE_* (env over file over default); flags win.
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	if opts.verbose() > 0 {
		e.configFileLine(cfg.File)
	}
	c := settings{cfg}
	o := &runner.Options{
		Playbooks:     args,
		Inventory:     inventorySources(opts.Inventory, cfg, e.getenv),
		Limit:         opts.Limit,
		Check:         opts.Check,
		Diff:          opts.Diff,
		Tags:          splitList(opts.Tags),
		SkipTags:      splitList(opts.SkipTags),
		Verbosity:     opts.verbose(),
		SyntaxCheck:   opts.SyntaxCheck,
		ListHosts:     opts.ListHosts,
		ListTasks:     opts.ListTasks,
		ListTags:      opts.ListTags,
		StartAtTask:   opts.StartAtTask,
		FlushCache:    opts.FlushCache,
		ForceHandlers: opts.ForceHandlers || cfg.Get("DEFAULT_FORCE_HANDLERS").Bool(),
		Config: func(name string) (any, bool) {
			s := cfg.Get(name)
			return s.Value, s.Origin != ""
		},
		MissingHandlerWarns: !cfg.Get("ERROR_ON_MISSING_HANDLER").Bool(),
		// The defaults too: they are under ANSIBLE_HOME.
		RolesPath:       cfg.Get("DEFAULT_ROLES_PATH").List(),
		CollectionsPath: cfg.Get("COLLECTIONS_PATHS").List(),
		// -M comes before the configured library path, as ansible-playbook puts it.
		Library:      append(splitPaths(opts.connectionFlags.ModulePath), cfg.Get("DEFAULT_MODULE_PATH").List()...),
		Gathering:    c.str("DEFAULT_GATHERING"),
		ManagedStr:   c.str("DEFAULT_MANAGED_STR"),
		AsyncDir:     c.str("shell.sh.async_dir"),
		PollInterval: cfg.Get("DEFAULT_POLL_INTERVAL").Int(),
		// These two print or stop before the first play, as
		// ansible-playbook's get_host_list and inventory loading do.
		InventoryUnparsedIsFailed: cfg.Get("INVENTORY_UNPARSED_IS_FAILED").Bool(),
		NoLocalhostWarning:        !cfg.Get("LOCALHOST_WARNING").Bool(),
		PythonInterpreter:         c.str("INTERPRETER_PYTHON"),
		DuplicateYAMLKey:          c.str("DUPLICATE_YAML_DICT_KEY"),
		PythonRlimitNofile:        cfg.Get("PYTHON_MODULE_RLIMIT_NOFILE").Int(),
	}
	if err := opts.connectionOptions(o, c); err != nil {
		return nil, err
	}
	if err := opts.outputOptions(o, e, c); err != nil {
		return nil, err
	}
	if o.ExtraVars, err = parseExtraVars(opts.ExtraVars, e.dir); err != nil {
		return nil, err
	}
	if err := opts.passwordOptions(ctx, o, e, cfg); err != nil {
		return nil, err
	}
	return o, nil
}

// checkFlags refuses what ansible-playbook's argument parser refuses, and
// the flags fjord does not support.
func (opts *playbookOptions) checkFlags(args []string) error {
	if len(args) == 0 && !opts.adhoc {
		return argumentErrorf("the following arguments are required: playbook")
	}
	// fjord copies files over its own ssh session: there is no scp or
	// sftp for these to reach, and dropping them silently would hide it.
	for _, f := range []string{"scp-extra-args", "sftp-extra-args"} {
		if opts.isSet(f) {
			return optionErrorf("--%s is not supported: fjord transfers files over its ssh session, without scp or sftp", f)
		}
	}
	for _, c := range [][2]string{
		{"ask-become-pass", "become-password-file"},
		{"ask-pass", "connection-password-file"},
		{"ask-vault-password", "vault-password-file"},
	} {
		if opts.isSet(c[0]) && opts.isSet(c[1]) {
			return argumentErrorf("argument --%s: not allowed with argument --%s", c[1], c[0])
		}
	}
	return nil
}

// settings reads the resolved ansible.cfg and ANSIBLE_* values.
type settings struct{ *config.Config }

// changed is the setting name and whether ansible.cfg or the environment
// set it.
func (c settings) changed(name string) (config.Setting, bool) {
	s := c.Get(name)
	return s, !s.IsDefault()
}

// str is the setting name as a string when it is changed, else "" (so
// that a flag or the engine's own default applies).
func (c settings) str(name string) string {
	if s, ok := c.changed(name); ok {
		return s.String()
	}
	return ""
}

// connectionOptions sets how hosts are reached: forks, connection type,
// user, key, timeout, become and the ssh arguments.
func (opts *playbookOptions) connectionOptions(o *runner.Options, c settings) error {
	o.Forks = opts.Forks
	if !opts.isSet("forks") {
		if s, ok := c.changed("DEFAULT_FORKS"); ok {
			o.Forks = s.Int()
		}
	}
	if o.Forks < 1 {
		return argumentErrorf("The number of processes (--forks) must be >= 1")
	}
	o.Timeout = opts.Timeout
	if !opts.isSet("timeout") {
		// the ssh connection's timeout: [defaults] timeout or
		// ANSIBLE_TIMEOUT, and [ssh_connection] timeout or
		// ANSIBLE_SSH_TIMEOUT over them.
		if s, ok := c.changed("connection.ssh.timeout"); ok {
			o.Timeout = s.Int()
		}
	}
	o.RemoteUser = opts.User
	if !opts.isSet("user") {
		o.RemoteUser = c.str("DEFAULT_REMOTE_USER")
	}
	o.Become = opts.Become
	if !opts.isSet("become") {
		o.Become = c.Get("DEFAULT_BECOME").Bool()
	}
	o.BecomeUser = firstNonEmpty(opts.BecomeUser, c.str("DEFAULT_BECOME_USER"))
	o.BecomeMethod = firstNonEmpty(opts.BecomeMethod, c.str("DEFAULT_BECOME_METHOD"))
	o.PrivateKey = firstNonEmpty(opts.PrivateKey, c.str("DEFAULT_PRIVATE_KEY_FILE"))
	o.RemotePort = c.Get("DEFAULT_REMOTE_PORT").Int()
	o.HostKeyChecking = hostKeyCheckingOf(c.Config)
	o.Connection = opts.Connection
	if o.Connection == "" {
		// smart, the default, is ssh (or paramiko) per host: the
		// engine's own default.
		if t := c.str("DEFAULT_TRANSPORT"); t != "smart" {
			o.Connection = t
		}
	}
	opts.sshOptions(o, c)
	return nil
}

// sshOptions sets the ssh connection's arguments: a flag wins over
// ANSIBLE_SSH_* and ansible.cfg's [ssh_connection]; ssh_args only when
// changed, as its default (ControlMaster, ControlPersist) is ssh(1)'s
// business.
func (opts *playbookOptions) sshOptions(o *runner.Options, c settings) {
	o.SSHArgs = c.str("connection.ssh.ssh_args")
	o.SSHCommonArgs = opts.connectionFlags.SSHCommonArgs
	if !opts.isSet("ssh-common-args") {
		o.SSHCommonArgs = c.str("connection.ssh.ssh_common_args")
	}
	o.SSHExtraArgs = opts.connectionFlags.SSHExtraArgs
	if !opts.isSet("ssh-extra-args") {
		o.SSHExtraArgs = c.str("connection.ssh.ssh_extra_args")
	}
}

// outputOptions sets the stdout callback, what it hides, where it writes,
// colour and the logger.
func (opts *playbookOptions) outputOptions(o *runner.Options, e *env, c settings) error {
	name := firstNonEmpty(opts.Callback, c.str("DEFAULT_STDOUT_CALLBACK"))
	if isAWXDisplay(name) {
		base, ev, err := e.runnerEvents()
		if err != nil {
			return err
		}
		name, o.Events = base, ev
	}
	callback, err := callbackName(name)
	if err != nil {
		return err
	}
	o.Callback = callback
	o.HideSkipped = !c.Get("callback.default.display_skipped_hosts").Bool()
	o.HideOK = !c.Get("callback.default.display_ok_hosts").Bool()
	o.CheckModeMarkers = c.Get("callback.default.check_mode_markers").Bool()
	o.ShowCustomStats = c.Get("callback.default.show_custom_stats").Bool()
	o.FailedStderr = c.Get("callback.default.display_failed_stderr").Bool()
	switch o.ResultFormat = c.str("callback.default.result_format"); o.ResultFormat {
	case "", "json", "yaml":
	default:
		return optionErrorf(`Invalid value "%s" for configuration option "plugin_type: callback plugin: default setting: result_format ", valid values are: json, yaml`, o.ResultFormat)
	}
	if s := c.Get("callback.default.pretty_results"); s.Value != nil {
		pretty := s.Bool()
		o.PrettyResults = &pretty
	}
	o.CallbacksEnabled = c.Get("CALLBACKS_ENABLED").List()
	o.ProfileTasksSort = c.str("callback.profile_tasks.sort_order")
	o.ProfileTasksLimit = c.str("callback.profile_tasks.output_limit")
	o.Stdout = e.stdout
	o.Stderr = e.stderr
	if f, ok := e.stdin.(*os.File); ok {
		o.Stdin = f
	}
	o.Step = opts.Step
	o.Color = useColor(e.getenv, e.isTerminal(e.stdout))
	o.Log = newLogger(e.stderr, o.Verbosity)
	return nil
}

// passwordOptions reads the connection and become passwords and the vault
// secrets, prompting in ansible's order.
func (opts *playbookOptions) passwordOptions(ctx context.Context, o *runner.Options, e *env, cfg *config.Config) error {
	if !opts.isSet("ask-become-pass") && opts.BecomePassFile == "" {
		// become_ask_pass in ansible.cfg or ANSIBLE_BECOME_ASK_PASS: -K.
		opts.AskBecomePass = cfg.Get("DEFAULT_BECOME_ASK_PASS").Bool()
	}
	becomePass, err := opts.secrets(e)
	if err != nil {
		return err
	}
	secrets, err := loadVaultSecrets(ctx, e, cfg, opts.vault)
	if err != nil {
		return err
	}
	o.BecomePass = becomePass
	// secrets has read --connection-password-file or asked for it.
	o.ConnPassword = opts.connectionFlags.Password
	o.Vault = secrets
	o.AskKeyPassphrase = keyPassphrasePrompt(e)
	return nil
}
