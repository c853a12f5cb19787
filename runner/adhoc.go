package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/value"
)

// Adhoc is one ad hoc command (`fjord adhoc`, or ansible): a single task
// run against the hosts of a pattern, in a play made in memory.
type Adhoc struct {
	Pattern string
	Module  string // -m; "": command
	Args    string // -a, k=v pairs, free form or a JSON object
	// Background and Poll are -B and -P: the task runs async when
	// Background > 0.
	Background, Poll int
	TaskTimeout      int    // --task-timeout; 0: none
	Tree             string // -t: a file of results per host in this directory
	// PlaybookDir is --playbook-dir: playbook_dir and where relative
	// paths are read from; "": the working directory.
	PlaybookDir string
}

// adhocPlaybook is the name ansible gives the ad hoc play's playbook.
const adhocPlaybook = "__adhoc_playbook__"

// requireArgs are the modules an ad hoc command must give -a to, whose
// -a is free form (ansible's MODULE_REQUIRE_ARGS).
var requireArgs = fqSet("command", "win_command", "ansible.windows.win_command", "shell", "win_shell",
	"ansible.windows.win_shell", "raw", "script")

// adhocNoAsync are the actions ansible does not give -B and -P to unless they
// are set.
var adhocNoAsync = fqSet("include_role", "include_tasks", "include", "import_role", "import_tasks")

// fqSet is names with their ansible.builtin. and ansible.legacy. forms.
func fqSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
		if !strings.Contains(n, ".") {
			m["ansible.builtin."+n], m["ansible.legacy."+n] = true, true
		}
	}
	return m
}

// adhoc runs o.Adhoc as ansible's AdHocCLI.run does: hosts are listed
// first (a pattern matching none is a warning, not an error, unless
// --limit is given), then the task is checked and run.
func (r *run) adhoc(ctx context.Context) (int, error) {
	a := r.o.Adhoc
	if a.Module == "" {
		a.Module = "command"
	}
	r.extraVars = value.NewMap(0)
	for _, m := range r.o.ExtraVars {
		m.Range(func(k string, v any) bool { r.extraVars.Set(k, v); return true })
	}
	r.pbDir = a.PlaybookDir
	if r.pbDir == "" {
		r.pbDir, _ = os.Getwd()
	}
	r.pbDir, _ = filepath.Abs(r.pbDir)
	if code, err := r.loadInventory(); err != nil {
		return code, err
	}
	hosts, err := r.inv.Select(a.Pattern)
	if err != nil {
		return ExitError, err
	}
	all, _ := r.inv.Select("all")
	if len(hosts) == 0 && len(all) > 0 {
		if r.o.Limit != "" {
			return ExitError, errNoHosts
		}
		r.warn("No hosts matched, nothing to do")
	}
	if r.o.ListHosts {
		fmt.Fprintf(r.o.Stdout, "  hosts (%d):\n", len(hosts))
		for _, h := range hosts {
			fmt.Fprintf(r.o.Stdout, "    %s\n", h.Name)
		}
		return ExitOK, nil
	}
	if requireArgs[a.Module] && a.Args == "" {
		msg := "No argument passed to " + a.Module + " module"
		if strings.HasSuffix(a.Pattern, ".yml") {
			msg += " (did you mean to run ansible-playbook?)"
		}
		return ExitBadOptions, errors.New(msg)
	}
	if a.Module == "import_playbook" || a.Module == "ansible.builtin.import_playbook" || a.Module == "ansible.legacy.import_playbook" {
		return ExitBadOptions, fmt.Errorf("'%s' is not a valid action for ad-hoc commands", a.Module)
	}
	root := adhocPlay(a)
	lo := r.loadOptions()
	lo.RunTimeChecks = true
	lo.CheckCond = r.eng.CheckCond
	pb, err := playbook.LoadNode(filepath.Join(r.pbDir, adhocPlaybook), root, lo)
	if err != nil {
		return loadExit(err), err
	}
	if err := r.loadHostVars(); err != nil {
		return ExitParseError, err
	}
	code, err := r.play(ctx, []*playbook.Playbook{pb})
	if err != nil || code == ExitInterrupted {
		return code, err
	}
	// The strategy's result, not ansible-playbook's: an unreachable host
	// wins over a failed one.
	r.hostsMu.Lock()
	defer r.hostsMu.Unlock()
	failed := false
	for _, h := range r.hosts {
		if h.unreachable {
			return ExitUnreachable, nil
		}
		failed = failed || h.failed
	}
	if failed {
		return ExitHostFailed, nil
	}
	return code, nil
}

// adhocPlay is the play ansible's _play_ds makes, as YAML: the pattern's
// hosts, no facts, and one task with the module and its arguments.
func adhocPlay(a *Adhoc) *yaml.Node {
	args := adhocArgs(a.Args)
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	num := func(n int) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)} }
	mapping := func(kv ...*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: kv}
	}
	// "module args" as a string, or {module: M, k: v...} for a JSON
	// object: the loader reads either as ansible's parser does.
	action := str(strings.TrimSpace(a.Module + " " + a.Args))
	if args != nil {
		action = mapping(append([]*yaml.Node{str("module"), str(a.Module)}, args.Content...)...)
	}
	task := mapping(str("action"), action)
	if a.TaskTimeout > 0 {
		task.Content = append(task.Content, str("timeout"), num(a.TaskTimeout))
	}
	if a.Background > 0 && !adhocNoAsync[a.Module] {
		task.Content = append(task.Content, str("async"), num(a.Background), str("poll"), num(a.Poll))
	}
	play := mapping(str("name"), str("Ansible Ad-Hoc"), str("hosts"), str(a.Pattern),
		str("gather_facts"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"},
		str("tasks"), &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{task}})
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{play}}
}

// adhocArgs is -a as a mapping when it is a JSON object; nil when it is
// not, and the loader splits the string as a task's k=v or free-form
// string (ansible's parse_kv).
func adhocArgs(s string) *yaml.Node {
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		var obj map[string]any
		if json.Unmarshal([]byte(strings.TrimSpace(s)), &obj) == nil && len(obj) > 0 {
			// JSON is YAML: the node keeps the object's key order.
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(s), &doc); err == nil && len(doc.Content) == 1 {
				return doc.Content[0]
			}
		}
	}
	return nil
}
