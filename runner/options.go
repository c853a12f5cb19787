package runner

import (
	"io"
	"log/slog"
	"os"

	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
	"github.com/fjord-run/fjord/vault"
)

// Options is everything `fjord playbook` (or ansible-playbook) was told.
type Options struct {
	Playbooks []string
	// Adhoc, when set, is the one task to run instead of Playbooks.
	Adhoc     *Adhoc
	Inventory []string // -i sources: files, dirs, "h1,h2," lists; empty: ansible.cfg / /etc/ansible/hosts
	Limit     string   // -l pattern, or "@file"
	Check     bool
	Diff      bool
	Tags      []string // -t, comma lists already split
	SkipTags  []string
	ExtraVars []*value.Map // -e, in command-line order (later wins)
	Forks     int          // 0: default 5

	Connection string // -c; "" : per host / ssh
	RemoteUser string // -u
	PrivateKey string // --private-key
	// AskKeyPassphrase prompts for a locked private key's passphrase;
	// nil when there is no terminal to ask at.
	AskKeyPassphrase func(keyFile string) (string, error)
	Timeout          int // -T, ansible.cfg timeout
	RemotePort       int // remote_port, for hosts without ansible_port; 0: ssh's
	// SSHArgs, SSHCommonArgs and SSHExtraArgs are the ssh connection's
	// ssh_args (ansible.cfg), ssh_common_args (--ssh-common-args) and
	// ssh_extra_args (--ssh-extra-args): a host's ansible_ssh_args,
	// ansible_ssh_common_args or ansible_ssh_extra_args wins over each.
	SSHArgs       string
	SSHCommonArgs string
	SSHExtraArgs  string
	Become        bool // -b
	BecomeUser    string
	BecomeMethod  string
	BecomePass    string // from -K prompt
	ConnPassword  string // from -k prompt or --connection-password-file

	Verbosity   int
	SyntaxCheck bool
	ListHosts   bool
	ListTasks   bool
	ListTags    bool
	StartAtTask string
	FlushCache  bool
	// ForceHandlers runs notified handlers even on hosts that failed.
	ForceHandlers bool
	// MissingHandlerWarns makes a notify of a handler that does not exist
	// a warning (error_on_missing_handler=false); else it stops the run
	// with an error, ansible's default.
	MissingHandlerWarns bool

	// The settings below come from ansible.cfg and ANSIBLE_*, resolved by
	// the caller: the engine reads no environment variable of its own.
	Vault           *vault.Secrets // --vault-id, --vault-password-file, --ask-vault-pass, ansible.cfg; nil: none
	CollectionsPath []string       // collections_path; nil: Ansible's default
	Library         []string       // library path (-M, ANSIBLE_LIBRARY), searched for modules after library/ dirs
	// PythonInterpreter is interpreter_python (ANSIBLE_PYTHON_INTERPRETER):
	// what a host without ansible_python_interpreter runs Python modules
	// with; "" or auto: discovery.
	PythonInterpreter string
	// PythonRlimitNofile is python_module_rlimit_nofile: the soft limit
	// of open files a Python module runs with; 0 leaves it.
	PythonRlimitNofile int
	RolesPath          []string // roles_path; nil: Ansible's default
	HostKeyChecking    *bool    // host_key_checking; nil: default (check)
	// Gathering is gathering: "implicit" (""), "explicit" or "smart",
	// for plays that do not say gather_facts.
	Gathering string
	// ManagedStr is ansible_managed; "": "Ansible managed".
	ManagedStr string
	// AsyncDir is async_dir (ansible.cfg, ANSIBLE_ASYNC_DIR); "":
	// ~/.ansible_async. PollInterval is DEFAULT_POLL_INTERVAL, the poll of
	// an async task without one; 0: 15.
	AsyncDir     string
	PollInterval int
	// InventoryUnparsedIsFailed is [inventory] unparsed_is_failed: no
	// source parsed stops the run instead of leaving implicit localhost.
	InventoryUnparsedIsFailed bool
	// DuplicateYAMLKey is DUPLICATE_YAML_DICT_KEY: what a key written twice
	// in a playbook, task or vars file does: "warn" (or ""), "error" or
	// "ignore".
	DuplicateYAMLKey string
	// NoLocalhostWarning is localhost_warning=False: an empty inventory
	// is not warned about.
	NoLocalhostWarning bool
	// Config is a setting in force by ansible-config's name
	// (DEFAULT_FORKS) or a plugin option as "connection.ssh.port", for
	// the config lookup; ok is false for one not known. nil: none.
	Config func(name string) (v any, ok bool)

	Callback string // stdout callback, any name callback.StdoutName takes; "": default
	// Events, when set, makes the run write ansible-runner's job events
	// around the stdout callback's output (awx_display).
	Events *callback.EventOptions
	Stdout io.Writer // progress output
	// Stdin is the terminal --step, vars_prompt and pause read answers
	// from; nil: there is none (answers then come as without a terminal).
	Stdin *os.File
	// Step is --step: confirm each task before it runs.
	Step   bool
	Stderr io.Writer // errors and warnings
	Color  bool
	// HideSkipped and HideOK are the default callback's
	// display_skipped_hosts=false and display_ok_hosts=false.
	HideSkipped, HideOK bool
	// CheckModeMarkers is the default callback's check_mode_markers:
	// "DRY RUN" banners and "[CHECK MODE]" after play and task names.
	CheckModeMarkers bool
	// ShowCustomStats is show_custom_stats: what set_stats gathered is
	// printed after the recap (and in the json callback's document).
	ShowCustomStats bool
	// FailedStderr is display_failed_stderr: failures go to Stderr.
	FailedStderr bool
	// ResultFormat and PrettyResults are callback_result_format ("json"
	// or "", "yaml") and callback_format_pretty (nil: unset).
	ResultFormat  string
	PrettyResults *bool
	// CallbacksEnabled is callbacks_enabled: the aggregate callbacks that
	// print after the stdout one, in order. A name fjord does not have is
	// warned about, as ansible warns about a plugin it cannot load.
	CallbacksEnabled []string
	// ProfileTasksSort and ProfileTasksLimit are profile_tasks'
	// sort_order and output_limit ("": descending, 20).
	ProfileTasksSort, ProfileTasksLimit string
	Log                                 *slog.Logger
}

// Exit codes, as ansible-playbook's.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitHostFailed  = 2
	ExitUnreachable = 4
	ExitParseError  = 4
	ExitBadOptions  = 5
	ExitInterrupted = 99
)
