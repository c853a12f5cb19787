package modules

import (
	"bytes"
	"context"
	"fmt"
	"github.com/fjord-run/fjord/dryrun"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

// Module is one task's module instance, decoded from its arguments.
type Module interface {
	Run(ctx context.Context, env *Env) (*Result, error)
}

// Info describes a registered module.
type Info struct {
	// ID is the canonical name, e.g. "ansible.builtin.copy".
	ID string
	// Aliases are other accepted names, e.g. "copy".
	Aliases []string
	// New returns a pointer to a zero args struct that also implements
	// Module. Its exported fields carry `arg:"name"` tags; options are
	// `arg:"name,required"` and `arg:"name,aliases=a|b"`.
	New func() Module
	// FreeForm names the parameter that takes a free-form string
	// (command/shell/raw: "_raw_params"); "" if none.
	FreeForm string
	// CheckMode: the module supports check mode (it predicts and changes
	// nothing). A module without it is skipped under --check.
	CheckMode bool
	// Raw: the module takes any arguments and validates them itself.
	Raw bool
	// Engine: an engine action (engine.go): the engine runs it, New is
	// nil and Args returns a pointer to its zero arguments struct.
	Engine bool
	Args   func() any
	// InvalidOptions: unknown arguments are refused in the words of
	// ansible's action plugins ("Invalid options for debug: foo"), not
	// of its modules' argument specs.
	InvalidOptions bool
	// Cluster: the module acts on several hosts at once (galera_bootstrap).
	// The engine runs it once per batch, as run_once, and gives it
	// Env.Hosts and Env.HostConn to reach every host over its own
	// connection.
	Cluster bool
	// External is the file of a module fjord runs from its own code
	// (modules/external): found in a library/ directory, a collection or
	// ansible-core; "" for a native module.
	External string
}

var registry = map[string]*Info{}

// Register adds a module. It panics on a duplicate name.
func Register(info Info) {
	in := info
	for _, name := range append([]string{info.ID}, info.Aliases...) {
		if _, dup := registry[name]; dup {
			panic("modules: duplicate module " + name)
		}
		registry[name] = &in
	}
}

// Lookup finds a module by any of its names, including ansible.legacy.X
// and ansible.builtin.X forms of a short name.
func Lookup(name string) (*Info, bool) {
	if in, ok := registry[name]; ok {
		return in, true
	}
	if short, ok := strings.CutPrefix(name, "ansible.legacy."); ok {
		return Lookup(short)
	}
	return nil, false
}

// Names lists every registered name, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Env is what a running module may use: the host's connection, the run
// mode, and controller-side helpers supplied by the engine.
type Env struct {
	Host   string // inventory_hostname
	Conn   connection.Conn
	Become *connection.Become // nil when the task does not become
	Check  bool               // --check / check_mode: predict, change nothing
	// Sim is the host's predicted state in a check run (nil otherwise):
	// a check-mode task records what it would do there (dryrun.go), a
	// task that runs for real forgets what it touched.
	Sim  *dryrun.State
	Diff bool // --diff / diff: fill Result.Diff
	// Environment is the task's `environment:`, exported for commands.
	Environment map[string]string
	// FindFile resolves a controller-side path for `src:` of copy/template:
	// kind is "files" or "templates"; role and playbook search paths apply.
	FindFile func(kind, name string) (string, error)
	// Basedir is the controller directory a relative controller-side
	// output path (fetch's dest) resolves against: the play's directory.
	Basedir string
	// Template renders a template's source text with the task's variables
	// (the template module); extra adds template-only variables such as
	// template_path, ansible_managed.
	Template func(src string, extra map[string]any) (string, error)
	// RenderTemplate, when set, is used by the template module instead of
	// Template: it also receives the module's renderer options
	// (trim_blocks, lstrip_blocks, delimiters). newline_sequence and
	// output are handled by the module.
	RenderTemplate func(src string, o TemplateOptions) (string, error)
	Log            *slog.Logger
	// Decrypt returns the plaintext of a vault-encrypted controller file
	// (copy's and template's src); nil when no vault secret was given.
	Decrypt func(data []byte, file string) ([]byte, error)

	// The fields below serve the modules fjord runs from their own code
	// (modules/external).

	// Var returns one of the task's variables, templated
	// (ansible_python_interpreter, ansible_remote_tmp, ansible_facts);
	// ok is false when it is undefined or does not render.
	Var func(name string) (v any, ok bool)
	// Async says the module runs as an async job: a module's output is
	// read by async_wrapper's rules (junk as warnings, stderr kept).
	Async bool
	// NoLog is the task's no_log; Verbosity the run's -v count.
	NoLog     bool
	Verbosity int
	// Warn shows a warning on the controller as it happens.
	Warn func(msg string)
	// Verbose shows msg on the controller when the run's verbosity is at
	// least level (ansible's display.vvv is level 3); nil: not shown.
	Verbose func(level int, msg string)

	// The fields below are set for Cluster modules only.

	// Hosts are the play's hosts in the current batch, in play order.
	Hosts []string
	// PlayHosts are all the play's hosts (ansible_play_hosts_all): more
	// than Hosts when the play runs in serial batches.
	PlayHosts []string
	// SelectHosts resolves a host pattern against the inventory.
	SelectHosts func(pattern string) ([]string, error)
	// HostConn opens (or reuses) host's connection, with the become that
	// host's task variables give.
	HostConn func(ctx context.Context, host string) (connection.Conn, *connection.Become, error)
}

// readLocal reads a controller file, decrypting it when it is
// vault-encrypted and decrypt is set, as Ansible's loader does.
func readLocal(env *Env, file string, decrypt bool) ([]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil || !decrypt || !bytes.HasPrefix(data, []byte("$ANSIBLE_VAULT;")) {
		return data, err
	}
	if env.Decrypt == nil {
		return nil, fmt.Errorf("A vault password or secret must be specified to decrypt %s", file)
	}
	return env.Decrypt(data, file)
}

// isVaultFile says whether a controller file starts as vault data.
func isVaultFile(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 15)
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == "$ANSIBLE_VAULT;"
}

// TemplateOptions are the template module's options that concern the
// renderer, with Ansible's defaults already applied.
type TemplateOptions struct {
	Path         string // controller path of the template source
	TrimBlocks   bool   // default true
	LstripBlocks bool
	// Delimiters; "" means Jinja2's default.
	VariableStart, VariableEnd string
	BlockStart, BlockEnd       string
	CommentStart, CommentEnd   string
	// Extra are template-only variables: template_path, template_fullpath,
	// template_destpath, template_host, template_uid, template_mtime,
	// template_run_date.
	Extra map[string]any
}

// Result is what a module returns. Data holds module-specific return
// values (rc, stdout, dest, checksum, ...) that a task may register.
type Result struct {
	Changed bool
	Failed  bool
	Skipped bool
	Msg     string
	Diff    []Diff
	// DiffList registers Diff as a list even when it holds one pair, as
	// ansible's copy action returns it; other modules return one dict.
	DiffList bool
	Data     *value.Map
}

// Diff is one before/after pair, as Ansible's diff mode shows it.
type Diff struct {
	BeforeHeader string
	AfterHeader  string
	Before       string
	After        string
	// Prepared is a diff already formatted (e.g. a directory listing).
	Prepared string
}

// Set stores a return value, creating Data on first use.
func (r *Result) Set(k string, v any) *Result {
	if r.Data == nil {
		r.Data = value.NewMap(8)
	}
	r.Data.Set(k, v)
	return r
}

// Failf builds a failed result with a message.
func Failf(format string, args ...any) *Result {
	return &Result{Failed: true, Msg: fmt.Sprintf(format, args...)}
}
