package runner

import (
	"io"
	"log/slog"

	"github.com/fjord-run/fjord/value"
	"github.com/fjord-run/fjord/vault"
)

// Options is everything `fjord playbook` (or ansible-playbook) was told.
type Options struct {
	Playbooks []string
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
	Timeout          int  // -T
	Become           bool // -b
	BecomeUser       string
	BecomeMethod     string
	BecomePass       string // from -K prompt
	ConnPassword     string // from -k prompt or --connection-password-file

	Verbosity   int
	SyntaxCheck bool
	ListHosts   bool
	ListTasks   bool
	ListTags    bool
	StartAtTask string
	FlushCache  bool
	// ForceHandlers runs notified handlers even on hosts that failed.
	ForceHandlers bool

	Vault           *vault.Secrets // --vault-id, --vault-password-file, --ask-vault-pass, ansible.cfg; nil: none
	CollectionsPath []string       // collections_path; nil: ANSIBLE_COLLECTIONS_PATH, then Ansible's default
	RolesPath       []string       // ansible.cfg/ANSIBLE_ROLES_PATH roles_path; nil: ANSIBLE_ROLES_PATH, then Ansible's default
	HostKeyChecking *bool          // ansible.cfg/ANSIBLE_HOST_KEY_CHECKING; nil: default (check)
	// InventoryUnparsedIsFailed is [inventory] unparsed_is_failed: no
	// source parsed stops the run instead of leaving implicit localhost.
	InventoryUnparsedIsFailed bool
	// NoLocalhostWarning is localhost_warning=False: an empty inventory
	// is not warned about.
	NoLocalhostWarning bool

	Callback string    // "default" (""), "json", "minimal", "yaml"
	Stdout   io.Writer // progress output
	Stderr   io.Writer // errors and warnings
	Color    bool
	Log      *slog.Logger
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
