package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"github.com/fjord-run/fjord/inventory"
	"github.com/fjord-run/fjord/runner"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// failure is an error reported as "ERROR! msg" with an exit code other
// than 5: 1 for ansible's AnsibleError, 4 for a parse error.
type failure struct {
	err  error
	code int
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// inventoryOptions are ansible-inventory 2.14's flags.
type inventoryOptions struct {
	Inventory   listFlag
	List        bool
	Graph       bool
	Host        string
	PlaybookDir string
	YAML        bool
	Output      string
	Version     bool
	vault       vaultOptions
}

func (o *inventoryOptions) flags() []cli.Flag {
	return []cli.Flag{
		&cli.GenericFlag{Name: "inventory", Aliases: []string{"i", "inventory-file"}, Value: &o.Inventory,
			Usage: "inventory host path or comma separated host list (repeatable; env ANSIBLE_INVENTORY)"},
		&cli.BoolFlag{Name: "list", Destination: &o.List, Usage: "output all hosts info, works as inventory script"},
		&cli.BoolFlag{Name: "graph", Destination: &o.Graph, Usage: "create inventory graph, if supplying pattern it must be a valid group name"},
		&cli.StringFlag{Name: "host", Destination: &o.Host, Usage: "output specific host info, works as inventory script"},
		&cli.StringFlag{Name: "playbook-dir", Destination: &o.PlaybookDir,
			Usage: "since this tool does not use playbooks, use this as a substitute playbook directory"},
		&cli.BoolFlag{Name: "yaml", Aliases: []string{"y"}, Destination: &o.YAML, Usage: "use YAML format instead of default JSON, ignored for --graph"},
		&cli.StringFlag{Name: "output", Destination: &o.Output, Usage: "when doing an --list, redirect the inventory to a file"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "verbose mode"},
		&cli.GenericFlag{Name: "vault-id", Value: &o.vault.IDs, Usage: "the vault identity to use (repeatable)"},
		&cli.BoolFlag{Name: "ask-vault-password", Aliases: []string{"ask-vault-pass"}, Destination: &o.vault.AskPass,
			Usage: "ask for vault password"},
		&cli.GenericFlag{Name: "vault-password-file", Aliases: []string{"vault-pass-file"}, Value: &o.vault.PasswordFiles,
			Usage: "vault password file (repeatable)"},
		&cli.BoolFlag{Name: "version", Destination: &o.Version,
			Usage: "show program's version number, config file location, and exit"},
	}
}

func (e *env) inventoryCommand() *cli.Command {
	opts := &inventoryOptions{}
	return &cli.Command{
		Name:            "inventory",
		Usage:           "show the inventory as Ansible sees it (as ansible-inventory)",
		ArgsUsage:       "[GROUP]",
		Flags:           opts.flags(),
		HideHelpCommand: true,
		OnUsageError:    usageError,
		Action: func(c *cli.Context) error {
			return runInventory(c.Context, e, opts, c.Args().Slice())
		},
	}
}

func runInventory(_ context.Context, e *env, opts *inventoryOptions, args []string) error {
	if opts.Version {
		return e.printVersion()
	}
	if err := checkInventoryFlags(opts, args); err != nil {
		return err
	}
	if opts.vault.AskPass {
		var err error
		if opts.vault.Password, err = e.readSecret("Vault password: "); err != nil {
			return err
		}
	}

	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	sources := inventorySources(opts.Inventory, cfg, e.getenv)
	if len(sources) == 0 {
		sources = []string{"/etc/ansible/hosts"}
	}
	inv, err := inventory.Load(sources)
	if err != nil {
		return loadFailure(err)
	}
	printWarnings(e.stderr, useColor(e.getenv, e.isTerminal(e.stdout)), inv.Warnings)

	out, err := inventoryOutput(inv, opts, args)
	if err != nil {
		return err
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	if opts.Output != "" {
		if err := os.WriteFile(opts.Output, out, 0o644); err != nil {
			return &failure{err, 1}
		}
		return nil
	}
	_, err = e.stdout.Write(out)
	return err
}

// checkInventoryFlags refuses what ansible-inventory's argument parser
// refuses: exactly one of --list, --graph and --host, and arguments only
// for --graph (its group).
func checkInventoryFlags(opts *inventoryOptions, args []string) error {
	actions := 0
	for _, on := range []bool{opts.List, opts.Graph, opts.Host != ""} {
		if on {
			actions++
		}
	}
	switch {
	case actions == 0:
		return optionErrorf("No action selected, at least one of --host, --graph or --list needs to be specified.")
	case actions > 1:
		return optionErrorf("Conflicting options used, only one of --host, --graph or --list can be used at the same time.")
	case len(args) > 1 || (len(args) == 1 && !opts.Graph):
		return optionErrorf("unexpected arguments: %s", strings.Join(args, " "))
	}
	return nil
}

// inventoryOutput is what --graph, --list or --host prints.
func inventoryOutput(inv *inventory.Inventory, opts *inventoryOptions, args []string) ([]byte, error) {
	switch {
	case opts.Graph:
		group := "all"
		if len(args) == 1 {
			group = args[0]
		}
		out := []byte(inventory.Graph(inv, group))
		if len(out) == 0 {
			return nil, optionErrorf("Pattern must be valid group name when using --graph")
		}
		return out, nil
	case opts.List:
		out, err := inventory.ListJSON(inv, opts.PlaybookDir)
		if err != nil {
			return nil, loadFailure(err)
		}
		if opts.YAML {
			if out, err = listYAML(out); err != nil {
				return nil, &failure{err, 1}
			}
		}
		return out, nil
	}
	out, err := inventory.HostJSON(inv, opts.Host, opts.PlaybookDir)
	if err != nil {
		var ie *inventory.Error
		if errors.As(err, &ie) {
			return nil, loadFailure(err)
		}
		// A pattern that selects no host, or several: ansible
		// raises AnsibleOptionsError.
		return nil, &optionError{err.Error()}
	}
	if opts.YAML {
		if out, err = jsonToYAML(out); err != nil {
			return nil, &failure{err, 1}
		}
	}
	return out, nil
}

// loadFailure maps an inventory error to ansible's exit code: 4 for a
// parse error, 1 otherwise.
func loadFailure(err error) error {
	var ie *inventory.Error
	if errors.As(err, &ie) {
		return &failure{err, runner.ExitParseError}
	}
	return &failure{err, runner.ExitError}
}

// printWarnings prints inventory warnings as ansible does: wrapped, and
// for a source no plugin could parse, each plugin's failure first.
func printWarnings(w io.Writer, color bool, warnings []error) {
	wr := callback.NewWarner(w, color, 0)
	for _, m := range inventory.WarningMessages(warnings) {
		_ = wr.Warn(m)
	}
}

// listYAML turns ansible-inventory's --list JSON into its --yaml layout:
// groups nested under "all" through "children", each host's variables
// under the first group that lists it, keys sorted as PyYAML sorts them.
func listYAML(listJSON []byte) ([]byte, error) {
	v, err := value.FromJSON(listJSON)
	if err != nil {
		return nil, err
	}
	top, ok := v.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("inventory --list: not a JSON object")
	}
	hostvars := value.NewMap(0)
	if meta, ok := top.Get("_meta"); ok {
		if mm, ok := meta.(*value.Map); ok {
			if hv, ok := mm.Get("hostvars"); ok {
				if hvm, ok := hv.(*value.Map); ok {
					hostvars = hvm
				}
			}
		}
	}
	seenHosts, seenGroups := map[string]bool{}, map[string]bool{}
	var format func(name string) *value.Map
	format = func(name string) *value.Map {
		res := value.NewMap(3)
		g, _ := top.Get(name)
		gm, _ := g.(*value.Map)
		if gm == nil {
			return res
		}
		children := value.NewMap(0)
		for _, c := range sortedStrings(gm, "children") {
			if c == "all" {
				continue
			}
			if seenGroups[c] {
				children.Set(c, value.NewMap(0))
				continue
			}
			seenGroups[c] = true
			children.Set(c, format(c))
		}
		if children.Len() > 0 {
			res.Set("children", children)
		}
		hosts := value.NewMap(0)
		if name != "all" {
			for _, h := range sortedStrings(gm, "hosts") {
				vars := value.NewMap(0)
				if !seenHosts[h] {
					seenHosts[h] = true
					if hv, ok := hostvars.Get(h); ok {
						if m, ok := hv.(*value.Map); ok {
							vars = m
						}
					}
				}
				hosts.Set(h, vars)
			}
		}
		if hosts.Len() > 0 {
			res.Set("hosts", hosts)
		}
		if gv, ok := gm.Get("vars"); ok {
			res.Set("vars", gv)
		}
		return res
	}
	return marshalYAML(value.MapOf("all", format("all")))
}

func sortedStrings(m *value.Map, key string) []string {
	v, _ := m.Get(key)
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, value.String(x))
	}
	sort.Strings(out)
	return out
}

func jsonToYAML(b []byte) ([]byte, error) {
	v, err := value.FromJSON(b)
	if err != nil {
		return nil, err
	}
	return marshalYAML(v)
}

// marshalYAML writes v as block YAML with sorted keys (yaml.v3 sorts plain
// maps), two-space indents, as ansible-inventory --yaml does.
func marshalYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(value.Plain(v)); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
