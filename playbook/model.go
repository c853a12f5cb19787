package playbook

import (
	"path/filepath"
	"sync"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// Playbook is a loaded playbook: plays with import_playbook expanded.
type Playbook struct {
	Path  string
	Dir   string
	Plays []*Play
}

// Keywords are the keywords a play, role, block and task share; unset
// fields inherit from the enclosing node.
type Keywords struct {
	When              []any // conditions, ANDed (strings or bools)
	Tags              []string
	Vars              *value.Map
	Become            any // bool or template
	BecomeUser        any
	BecomeMethod      any
	BecomeFlags       any
	BecomeExe         any
	CheckMode         any
	Diff              any
	IgnoreErrors      any
	IgnoreUnreachable any
	NoLog             any
	AnyErrorsFatal    any
	RunOnce           any
	Environment       []any
	RemoteUser        any
	Connection        any
	DelegateTo        any
	DelegateFacts     any
	ModuleDefaults    []any
	// ModuleDefaultGroups are the members of the action groups that
	// ModuleDefaults names (group/NAME), by the group's GroupFQ.
	ModuleDefaultGroups map[string][]string
	Port                any
	Throttle            any
	Timeout             any // seconds an action may take on a host (timeout.go)
	// Notify is a block's (or an import's, an apply's) notify: its tasks
	// notify these handlers unless they name their own (ansible's Block
	// notify field, inherited as any other).
	Notify []string
}

// Node is a *Task or a *Block.
type Node interface{ pos() Pos }

// Block is a block: section of tasks with rescue and always, or the
// implicit block around imported or role tasks.
type Block struct {
	Pos
	Name   string
	Block  []Node
	Rescue []Node
	Always []Node
	Kw     Keywords
	Parent *Block // nil at the top of a task list
	Role   *RoleInstance
	// Implicit marks a block fjord made (role, import), not one written.
	Implicit bool
	// IncludeParams are an include's vars (include params precedence).
	IncludeParams *value.Map
}

func (b *Block) pos() Pos { return b.Pos }

// Task is one task or handler.
type Task struct {
	Pos
	Name    string
	Action  string // module or action name, short for ansible.builtin's
	Written string // the action's name as written, as ansible shows it
	// Module is the module found outside fjord's registry (a library/
	// directory, a collection, ansible-core's own), which
	// modules/external runs; nil for a native module or engine action.
	Module  *modules.Info
	Args    *value.Map // arguments; free form under "_raw_params"
	Kw      Keywords
	Parent  *Block
	Role    *RoleInstance
	Handler bool
	Listen  []string

	Loop        any    // loop: or with_X: value
	LoopLookup  string // "" for loop:, else the X of with_X
	HasLoop     bool
	LoopControl *value.Map
	Register    string
	ChangedWhen []any
	FailedWhen  []any
	HasChanged  bool
	HasFailed   bool
	Until       []any
	Retries     any
	Delay       any
	// Async is the async keyword (seconds a background job may run), Poll
	// the poll keyword (seconds between its checks; 0: fire and forget);
	// both rendered per host (runner/async.go).
	Async any
	Poll  any

	// ActionTemplate says Action is a template (`action: "{{ m }} a=b"`),
	// resolved on each host at run time (ResolveAction), as ansible
	// templates a task's action with the host's variables.
	ActionTemplate bool

	// Play is the play the task runs in (SetPlay). Static imports are
	// expanded at load time; dynamic includes keep their task and are
	// expanded per host at run time.
	Play *Play
}

func (t *Task) pos() Pos { return t.Pos }

// Play is one play.
type Play struct {
	Pos
	Name        string
	Hosts       string
	Kw          Keywords
	VarsFiles   []any
	VarsPrompt  []*value.Map
	GatherFacts any
	Serial      []any
	MaxFailPct  any
	Strategy    string
	Collections []string // the collections: keyword, searched for bare role names
	Force       bool     // force_handlers
	Order       string
	PreTasks    []Node
	Roles       []*RoleInstance
	Exposed     []*RoleInstance // import_role'd roles: their vars are play-wide
	Tasks       []Node          // roles' tasks come first, as implicit blocks
	PostTasks   []Node
	Handlers    []Node // play handlers after role handlers, in definition order
	Dir         string
	Playbook    *Playbook
	// roleRuns are the role uses the play runs, for running each once
	// (appendRoleRun); include_role adds to them at run time.
	roleRuns *roleRuns
}

// roleRuns are a play's role uses so far, by roleKey, and the handlers
// of each role use: one copy per distinct use (ansible's Role object:
// the role with the same params, *_from files and vars, included or
// not), which every later same use brings back.
type roleRuns struct {
	mu       sync.Mutex
	seen     map[string]bool
	handlers map[string]*Block
}

func newRoleRuns() *roleRuns {
	return &roleRuns{seen: map[string]bool{}, handlers: map[string]*Block{}}
}

// Role is a role on disk, loaded once.
type Role struct {
	Name string
	// Collection is "namespace.collection" for a collection's role.
	Collection string
	Path       string
	Defaults   *value.Map
	Vars       *value.Map
	Meta       *value.Map
	// ArgSpecs are meta/argument_specs: entry point -> spec.
	ArgSpecs    *value.Map
	argSpecsPos Pos
	allowDup    bool
	deps        []*roleRef
}

// FQName is the role's name as ansible shows it: with its collection,
// for a collection's role.
func (r *Role) FQName() string {
	if r.Collection != "" {
		return r.Collection + "." + r.Name
	}
	return r.Name
}

// RoleInstance is one use of a role (roles: entry, import/include_role, or
// a dependency) with its params.
type RoleInstance struct {
	Role   *Role
	Params *value.Map
	Parent *RoleInstance // dependency chain
	Public bool
	// Included marks a use by import_role or include_role (its Parent is
	// the role whose task named it, if any), not a roles: entry or a
	// dependency.
	Included bool
	From     map[string]string // tasks_from, vars_from, defaults_from, handlers_from
	Defaults *value.Map        // defaults_from result
	Vars     *value.Map        // vars_from result
	Handlers []Node
	Tasks    []Node
	Kw       Keywords
	depList  []*RoleInstance
}

type roleRef struct {
	pos    Pos
	name   string
	params *value.Map
	kw     Keywords
}

// searchDirs are the directories where t's kind of controller files
// ("files", "templates", "vars") is searched, in Ansible's order: the
// task's role, the task file's directory, the play's, the playbook's; each
// kind subdirectory before the directory itself.
func (t *Task) SearchDirs(pbDir, kind string) []string {
	var dirs []string
	for ri := t.Role; ri != nil; ri = ri.Parent {
		dirs = append(dirs, filepath.Join(ri.Role.Path, kind), ri.Role.Path)
		break
	}
	taskDir := filepath.Dir(t.Pos.File)
	dirs = append(dirs, filepath.Join(taskDir, kind), taskDir)
	if t.Play != nil && t.Play.Dir != taskDir {
		dirs = append(dirs, filepath.Join(t.Play.Dir, kind), t.Play.Dir)
	}
	if pbDir != taskDir {
		dirs = append(dirs, filepath.Join(pbDir, kind), pbDir)
	}
	return uniq(dirs)
}

// ModuleInfo is the registry entry of the task's module: the module
// found outside the registry at load time, or the native one.
func (t *Task) ModuleInfo() (*modules.Info, bool) {
	if t.Module != nil {
		return t.Module, true
	}
	return modules.Lookup(t.Action)
}

// NotifyNames are the handlers t notifies when it changes: its own
// notify, else the nearest enclosing block's (a block, an import_tasks or
// import_role, an include's apply), as ansible's notify is inherited.
func (t *Task) NotifyNames() []string {
	if t.Kw.Notify != nil {
		return t.Kw.Notify
	}
	for b := t.Parent; b != nil; b = b.Parent {
		if b.Kw.Notify != nil {
			return b.Kw.Notify
		}
	}
	return nil
}

// Label is the task's name as Ansible shows it: its action when it has
// none.
func (t *Task) Label() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Action
}

// KeywordChain lists the keyword sets that apply to t, from the task
// outward: the task's, its blocks' (a role's keywords are on the implicit
// block around its tasks), then play p's. The first set that defines a
// keyword wins; module_defaults and environment merge outward in.
func (t *Task) KeywordChain(p *Play) []Keywords { return keywordChain(t.Kw, t.Parent, p) }

// KeywordChain lists the keyword sets that apply to b, from b outward, as
// a task's.
func (b *Block) KeywordChain(p *Play) []Keywords { return keywordChain(b.Kw, b.Parent, p) }

func keywordChain(kw Keywords, parent *Block, p *Play) []Keywords {
	out := []Keywords{kw}
	for b := parent; b != nil; b = b.Parent {
		out = append(out, b.Kw)
	}
	if p != nil {
		out = append(out, p.Kw)
	}
	return out
}
