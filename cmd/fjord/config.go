package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/fjord-run/fjord/config"
)

// loadConfig reads the ansible.cfg in force and the ANSIBLE_* variables;
// its warnings go to stderr as ansible's do.
func (e *env) loadConfig() (*config.Config, error) {
	c, err := config.Load(e.getenv, e.dir)
	if err != nil {
		return nil, optionErrorf("%v", err)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(e.stderr, "[WARNING]: %s\n", w)
	}
	return c, nil
}

// inventorySources are the -i sources, else ansible.cfg's inventory or
// ANSIBLE_INVENTORY; nil leaves the engine's default (/etc/ansible/hosts).
func inventorySources(flags []string, cfg *config.Config, getenv func(string) string) []string {
	if len(flags) > 0 {
		return flags
	}
	if s := cfg.Get("DEFAULT_HOST_LIST"); !s.IsDefault() && s.Origin == cfg.File {
		return s.List()
	}
	// A "h1,h2," host list in ANSIBLE_INVENTORY is not a path list.
	return envList(getenv, "ANSIBLE_INVENTORY")
}

type configOptions struct {
	OnlyChanged bool
	Type        string
}

func (e *env) configCommand() *cli.Command {
	opts := &configOptions{}
	return &cli.Command{
		Name:            "config",
		Usage:           "show the ansible.cfg settings in force (as ansible-config)",
		HideHelpCommand: true,
		OnUsageError:    usageError,
		Subcommands: []*cli.Command{
			{
				Name:  "dump",
				Usage: "show every setting, its value and where it came from",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "only-changed", Aliases: []string{"changed-only"}, Destination: &opts.OnlyChanged,
						Usage: "only show settings that differ from the default"},
					&cli.StringFlag{Name: "type", Aliases: []string{"t"}, Value: "base", Destination: &opts.Type,
						Usage: "settings to show: base or all (all adds plugin options fjord reads)"},
					&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "accepted for compatibility"},
				},
				OnUsageError: usageError,
				Action: func(c *cli.Context) error {
					return runConfigDump(e, opts)
				},
			},
			{
				Name:         "view",
				Usage:        "print the ansible.cfg in force",
				OnUsageError: usageError,
				Action: func(c *cli.Context) error {
					cfg, err := e.loadConfig()
					if err != nil {
						return err
					}
					if cfg.File == "" {
						return optionErrorf("No config file found to view")
					}
					data, err := os.ReadFile(cfg.File)
					if err != nil {
						return optionErrorf("%v", err)
					}
					_, err = e.stdout.Write(data)
					return err
				},
			},
		},
	}
}

func runConfigDump(e *env, opts *configOptions) error {
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.Dump(e.stdout, opts.OnlyChanged); err != nil {
		return err
	}
	switch opts.Type {
	case "base":
	case "all":
		plugin := ""
		for _, s := range cfg.Settings() {
			if s.Plugin == "" || (opts.OnlyChanged && s.IsDefault()) {
				continue
			}
			if s.Plugin != plugin {
				plugin = s.Plugin
				fmt.Fprintf(e.stdout, "\n%s:\n", plugin)
			}
			fmt.Fprintf(e.stdout, "%s(%s) = %s\n", s.Name, s.Origin, config.PyString(s.Value))
		}
	default:
		return optionErrorf("argument --type/-t: invalid choice: '%s' (fjord knows: 'base', 'all')", opts.Type)
	}
	return nil
}
