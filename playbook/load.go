package playbook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
	"github.com/fjord-run/fjord/vault"
)

// Options say where a Loader finds what a playbook names and how it
// reads it.
type Options struct {
	// ExtraVars are -e's: they win over every variable in static names.
	ExtraVars *value.Map
	// RolesPath and CollectionsPath are searched for roles after the
	// playbook's roles/ directory; CollectionsPath holds ansible_collections/.
	// Empty: Ansible's defaults under ~/.ansible and /usr/share/ansible.
	RolesPath       []string
	CollectionsPath []string
	// PlaybookDir is the first playbook's directory (playbook_dir).
	PlaybookDir string
	// Library is the configured library path (ANSIBLE_LIBRARY, library
	// in ansible.cfg, -M), searched for modules after the playbooks' and
	// roles' library/ directories.
	Library []string
	// Render templates a static name (an import's file, a role's name)
	// with vars (the play's and the enclosing blocks' and task's, as
	// ansible's variable manager gives them at load) under the extra vars;
	// nil leaves "{{" in names as written.
	Render func(src string, vars *value.Map) (string, error)
	// Vault opens vault-encrypted files; nil: none can be opened.
	Vault *vault.Secrets
	// Deprecated reports a deprecated feature the playbook uses, and the
	// ansible-core version that removes it; nil: none is reported.
	Deprecated func(msg, version string)
	// CheckCond parses one condition (when, changed_when, failed_when,
	// until) so Load reports a syntax error at its keyword; nil: none is
	// checked.
	CheckCond func(expr any) error
	// DuplicateKey is what a key written twice in one mapping does:
	// "warn" (or ""), "error" or "ignore" (DUPLICATE_YAML_DICT_KEY).
	DuplicateKey string
	// Warn prints a warning; nil: none is printed.
	Warn func(msg string)
	// RunTimeChecks leaves to each host at run time what ansible's ad
	// hoc command reports there and not at load: a module that `action:`
	// names and no plugin provides, and arguments the module refuses.
	RunTimeChecks bool
}

// Loader turns YAML files into the model. Everything a playbook names
// statically is loaded before any host is touched; every error names
// file:line:col. The engine keeps one Loader per play for what dynamic
// includes bring in at run time (IncludeTasks, IncludeRole), so a file is
// read and a role loaded once.
type Loader struct {
	o Options
	// playCollections is the `collections:` keyword of the play being loaded.
	playCollections []string
	roles           map[string]*Role // by path
	depth           int
	fileCache       map[string]*yaml.Node
	// groupCache holds the play's resolved module_defaults groups.
	groupCache map[string][]string
	// dynamic: the loader loads what dynamic includes bring at run time
	// (NewIncludeLoader); an `include` there is dynamic too.
	dynamic bool
	// handlers of import_role'd roles, added to the play being parsed
	pendingHandlers []Node
	pendingRoles    []*RoleInstance
	// libDirs are the library/ directories of the playbooks and roles
	// loaded so far (addLibrary).
	libDirs []string
	// utilDirs are their module_utils/ directories, which extend
	// ansible.module_utils for the modules' payloads.
	utilDirs []string
	// actionDirs are their action_plugins/: a name found there is a
	// controller-side action plugin.
	actionDirs []string
	// playVars are the vars of the play being parsed, for static names;
	// importVars the vars of the import_playbook being expanded, which
	// win over its plays' own.
	playVars   *value.Map
	importVars *value.Map
	// roleRuns are the role uses of the play being parsed (Play.roleRuns)
	roleRuns *roleRuns
}

// NewLoader returns a Loader; playCollections is the `collections:`
// keyword of the play whose includes it loads (nil for a whole playbook).
func NewLoader(o Options, playCollections []string) *Loader {
	if len(o.RolesPath) == 0 {
		home, _ := os.UserHomeDir()
		o.RolesPath = []string{filepath.Join(home, ".ansible/roles"), "/usr/share/ansible/roles", "/etc/ansible/roles"}
	}
	if len(o.CollectionsPath) == 0 {
		home, _ := os.UserHomeDir()
		o.CollectionsPath = []string{filepath.Join(home, ".ansible/collections"), "/usr/share/ansible/collections"}
	}
	l := &Loader{o: o, playCollections: playCollections}
	if o.PlaybookDir != "" {
		// what a run-time include names is also looked for beside the playbook
		l.addLibrary(o.PlaybookDir)
	}
	return l
}

// NewIncludeLoader is NewLoader for what dynamic includes (include_tasks,
// include_role) load at run time.
func NewIncludeLoader(o Options, playCollections []string) *Loader {
	l := NewLoader(o, playCollections)
	l.dynamic = true
	return l
}

// Load reads the playbook at path with import_playbook expanded, and
// checks every condition it holds when o.CheckCond is set. The error is
// an *Error naming file:line:col; a file that is not there is
// fs.ErrNotExist to errors.Is (ansible's AnsibleError, not a parse error).
func Load(path string, o Options) (*Playbook, error) {
	return loadWith(NewLoader(o, nil), path, o)
}

// LoadNode is Load for a playbook made in memory, as the ad hoc command
// makes its one play: root is the list of plays, known by path (in
// messages; its directory is the playbook's).
func LoadNode(path string, root *yaml.Node, o Options) (*Playbook, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	l := NewLoader(o, nil)
	l.fileCache = map[string]*yaml.Node{abs: root}
	return loadWith(l, abs, o)
}

func loadWith(l *Loader, path string, o Options) (*Playbook, error) {
	pb, err := l.LoadPlaybook(path)
	if err != nil {
		return nil, err
	}
	for _, p := range pb.Plays {
		if o.RunTimeChecks {
			break
		}
		if err := p.check(o.CheckCond); err != nil {
			return nil, err
		}
	}
	return pb, nil
}

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, k := range s {
		m[k] = true
	}
	return m
}

// canonicalAction resolves a task's action in the one registry of modules
// and engine actions: an engine action is known by its short name (debug,
// include_tasks: the engine dispatches on it), a module by the name
// written.
func canonicalAction(name string) (string, bool) {
	info, ok := modules.Lookup(name)
	if !ok {
		return name, false
	}
	if info.Engine {
		return info.ID[strings.LastIndex(info.ID, ".")+1:], true
	}
	return name, true
}

func (l *Loader) readYAML(path string) (*yaml.Node, error) {
	if n, ok := l.fileCache[path]; ok {
		return n, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Pos: Pos{File: path}, Err: errors.Unwrap(err)}
	}
	if data, err = decryptIfVault(l.o.Vault, data, path); err != nil {
		return nil, &Error{Pos: Pos{File: path}, Err: err}
	}
	doc, err := value.ParseYAML(data)
	if err != nil {
		return nil, yamlErr(path, err)
	}
	var n *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		n = doc.Content[0]
	}
	if err := l.duplicateKeys(path, n); err != nil {
		return nil, err
	}
	if l.fileCache == nil {
		l.fileCache = map[string]*yaml.Node{}
	}
	l.fileCache[path] = n
	return n, nil
}

// duplicateKeys warns about the keys written twice in a mapping of path,
// or fails on the first, as DuplicateKey says; PyYAML keeps the last
// value, and so does fjord.
func (l *Loader) duplicateKeys(path string, n *yaml.Node) error {
	if l.o.DuplicateKey == "ignore" {
		return nil
	}
	for _, d := range value.DuplicateKeys(n) {
		msg := "While constructing a mapping from " + path + ", " + d.Message()
		if l.o.DuplicateKey == "error" {
			return &Error{Pos: Pos{File: path, Line: d.Line, Col: d.Col}, Err: errors.New("Syntax Error while loading YAML.\n  " + msg)}
		}
		if l.o.Warn != nil {
			l.o.Warn(msg)
		}
	}
	return nil
}

// yamlErr positions a *value.YAMLError from reading path: a syntax error,
// or aliases that expand too far or into themselves.
func yamlErr(path string, err error) error {
	var ye *value.YAMLError
	if !errors.As(err, &ye) {
		return &Error{Pos: Pos{File: path}, Err: err}
	}
	msg := ye.Msg
	if ye.Syntax {
		msg = "YAML syntax error: " + msg
	}
	return &Error{Pos: Pos{File: path, Line: ye.Line, Col: ye.Col}, Err: &yamlCause{msg, ye}}
}

// yamlCause is the message of a *value.YAMLError without its position,
// which Error prints in front with the file; Unwrap keeps it for playExit.
type yamlCause struct {
	msg string
	err *value.YAMLError
}

func (e *yamlCause) Error() string { return e.msg }
func (e *yamlCause) Unwrap() error { return e.err }

func posOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Col: n.Column}
}

// loadPlaybook loads path and the playbooks it imports.
func (l *Loader) LoadPlaybook(path string) (*Playbook, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	pb := &Playbook{Path: abs, Dir: filepath.Dir(abs)}
	if err := l.loadPlaysInto(pb, abs); err != nil {
		return nil, err
	}
	return pb, nil
}

func (l *Loader) loadPlaysInto(pb *Playbook, path string) error {
	l.depth++
	defer func() { l.depth-- }()
	root, err := l.readYAML(path)
	if err != nil {
		return err
	}
	if root == nil {
		return nil
	}
	l.addLibrary(filepath.Dir(path))
	if root.Kind != yaml.SequenceNode {
		return errAt(posOf(path, root), "a playbook must be a list of plays, got %s", kindName(root))
	}
	for _, pn := range root.Content {
		if pn.Kind != yaml.MappingNode {
			return errAt(posOf(path, pn), "a play must be a mapping, got %s", kindName(pn))
		}
		if key, ipn := importPlaybook(pn); ipn != nil {
			if err := l.checkKeys(path, pn, 0, setOf(key, "name", "vars", "tags", "when"), "import_playbook"); err != nil {
				return err
			}
			name, err := l.staticName(path, ipn)
			if err != nil {
				return err
			}
			if name == "" {
				// else the playbook's own directory would be read
				return errAt(posOf(path, pn), "playbook import parameter is missing")
			}
			target := name
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(path), target)
			}
			if l.depth >= 20 {
				return errAt(posOf(path, ipn), "import_playbook nested too deeply (loop?)")
			}
			// vars/tags/when on import_playbook apply to each imported
			// play; its vars win over the play's own (and an outer
			// import's over an inner's), as they are there at load.
			var kw Keywords
			if err := l.parseKeywords(path, pn, &kw); err != nil {
				return err
			}
			before, outer := len(pb.Plays), l.importVars
			if kw.Vars != nil {
				l.importVars = kw.Vars.Clone()
				if outer != nil {
					outer.Range(func(k string, v any) bool { l.importVars.Set(k, v); return true })
				}
			}
			err = l.loadPlaysInto(pb, target)
			l.importVars = outer
			if err != nil {
				return err
			}
			for _, p := range pb.Plays[before:] {
				p.Kw.Tags = append(append([]string(nil), kw.Tags...), p.Kw.Tags...)
				p.Kw.When = append(append([]any(nil), kw.When...), p.Kw.When...)
			}
			continue
		}
		p, err := l.parsePlay(path, pn)
		if err != nil {
			return err
		}
		p.Playbook = pb
		pb.Plays = append(pb.Plays, p)
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// importPlaybook finds a play entry's import_playbook, under its short
// name or its FQCN (ansible.builtin.import_playbook, as ansible-lint asks).
func importPlaybook(pn *yaml.Node) (string, *yaml.Node) {
	for _, k := range []string{"import_playbook", "ansible.builtin.import_playbook", "ansible.legacy.import_playbook"} {
		if n := mapGet(pn, k); n != nil {
			return k, n
		}
	}
	return "", nil
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func (l *Loader) staticName(file string, n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errAt(posOf(file, n), "expected a file name, got %s", kindName(n))
	}
	s, err := l.render(n.Value, nil)
	if err != nil {
		return "", errAt(posOf(file, n), "%v", err)
	}
	return s, nil
}

// render templates a static name with the vars it sees at load: the
// play's, then those of t's enclosing blocks and t's own (t may be nil).
func (l *Loader) render(s string, t *Task) (string, error) {
	if !strings.Contains(s, "{{") || l.o.Render == nil {
		return s, nil
	}
	vars := value.NewMap(0)
	over := func(m *value.Map) {
		if m != nil {
			m.Range(func(k string, v any) bool { vars.Set(k, v); return true })
		}
	}
	over(l.importVars)
	over(l.playVars)
	if t != nil {
		var chain []*value.Map
		for b := t.Parent; b != nil; b = b.Parent {
			chain = append(chain, b.Kw.Vars)
		}
		for i := len(chain) - 1; i >= 0; i-- {
			over(chain[i])
		}
		over(t.Kw.Vars)
	}
	return l.o.Render(s, vars)
}

func (l *Loader) nodeValue(file string, n *yaml.Node) (any, error) {
	v, err := value.FromNode(n)
	if err != nil {
		return nil, yamlErr(file, err)
	}
	return v, nil
}
