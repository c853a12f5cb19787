package main

import (
	"context"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/fjord-run/fjord/runner"
)

// adhocOptions are ansible 2.14's ad hoc flags: ansible-playbook's less
// those about plays and tasks (tags, --list-tasks, --start-at-task...),
// and -a, -m, -o, -t (the tree, not tags), -B, -P.
type adhocOptions struct {
	playbookOptions
	Args, Module string
	OneLine      bool
	Tree         string
	Background   int
	Poll         int
	TaskTimeout  int
	PlaybookDir  string
}

// adhocDropped are ansible-playbook's flags the ad hoc command has not.
var adhocDropped = map[string]bool{"tags": true, "skip-tags": true, "list-tasks": true, "list-tags": true,
	"start-at-task": true, "step": true, "flush-cache": true, "force-handlers": true}

func (o *adhocOptions) flags() []cli.Flag {
	var out []cli.Flag
	for _, f := range o.playbookOptions.flags() {
		if !adhocDropped[f.Names()[0]] {
			out = append(out, f)
		}
	}
	return append(out,
		&cli.StringFlag{Name: "args", Aliases: []string{"a"}, Destination: &o.Args,
			Usage: "the action's options in space separated k=v format or a JSON string"},
		&cli.StringFlag{Name: "module-name", Aliases: []string{"m"}, Destination: &o.Module,
			Usage: "name of the action to execute (default=command)"},
		&cli.BoolFlag{Name: "one-line", Aliases: []string{"o"}, Destination: &o.OneLine, Usage: "condense output"},
		&cli.StringFlag{Name: "tree", Aliases: []string{"t"}, Destination: &o.Tree, Usage: "log output to this directory"},
		&cli.IntFlag{Name: "background", Aliases: []string{"B"}, Destination: &o.Background,
			Usage: "run asynchronously, failing after X seconds"},
		&cli.IntFlag{Name: "poll", Aliases: []string{"P"}, Destination: &o.Poll, DefaultText: "15",
			Usage: "set the poll interval if using -B"},
		&cli.IntFlag{Name: "task-timeout", Destination: &o.TaskTimeout,
			Usage: "set task timeout limit in seconds, must be positive integer"},
		&cli.StringFlag{Name: "playbook-dir", Destination: &o.PlaybookDir,
			Usage: "use this as a substitute playbook directory"},
	)
}

func (e *env) adhocCommand() *cli.Command {
	opts := &adhocOptions{}
	opts.adhoc = true
	return &cli.Command{
		Name:            "adhoc",
		Usage:           "run one task against the hosts of a pattern (as ansible)",
		ArgsUsage:       "PATTERN",
		Flags:           opts.flags(),
		HideHelpCommand: true,
		OnUsageError:    usageError,
		Action: func(c *cli.Context) error {
			opts.verbose = func() int { return c.Count("verbose") }
			opts.isSet = c.IsSet
			return runAdhoc(c.Context, e, opts, c.Args().Slice())
		},
	}
}

func runAdhoc(ctx context.Context, e *env, opts *adhocOptions, args []string) error {
	if opts.Version {
		return e.printVersion()
	}
	switch {
	case len(args) == 0:
		return argumentErrorf("the following arguments are required: pattern")
	case len(args) > 1:
		return argumentErrorf("unrecognized arguments: %s", args[1])
	}
	if opts.TaskTimeout < 0 {
		return argumentErrorf("argument --task-timeout: The number %d is not a positive integer.", opts.TaskTimeout)
	}
	if opts.Callback == "" {
		// not stdout_callback, which ad hoc reads only with
		// bin_ansible_callbacks (below)
		opts.Callback = "minimal"
	}
	o, err := opts.runnerOptions(ctx, e, nil)
	if err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	c := settings{cfg}
	a := &runner.Adhoc{Pattern: args[0], Module: opts.Module, Args: opts.Args, Background: opts.Background,
		Poll: opts.Poll, TaskTimeout: opts.TaskTimeout, PlaybookDir: opts.PlaybookDir}
	if a.Module == "" {
		a.Module = cfg.Get("DEFAULT_MODULE_NAME").String()
	}
	if !opts.isSet("poll") {
		a.Poll = cfg.Get("DEFAULT_POLL_INTERVAL").Int()
	}
	if !opts.isSet("task-timeout") {
		a.TaskTimeout = cfg.Get("TASK_TIMEOUT").Int()
	}
	if opts.Tree != "" {
		a.Tree, _ = filepath.Abs(expandHome(opts.Tree))
	}
	// ansible's choice of stdout callback for ad hoc: oneline with -o, a
	// configured one only with bin_ansible_callbacks, else minimal.
	switch sc := c.str("DEFAULT_STDOUT_CALLBACK"); {
	case opts.OneLine:
		o.Callback = "oneline"
	case isAWXDisplay(sc):
		// ansible-runner's: job events around minimal (or the callback
		// it was told, ORIGINAL_STDOUT_CALLBACK)
		if o.Callback, o.Events, err = e.runnerEvents(); err != nil {
			return err
		}
	case cfg.Get("DEFAULT_LOAD_CALLBACK_PLUGINS").Bool() && sc != "" && sc != "default":
		if o.Callback, err = callbackName(sc); err != nil {
			return err
		}
	}
	o.Playbooks, o.SyntaxCheck, o.Adhoc = nil, false, a
	code := e.run(ctx, o)
	if code != runner.ExitOK {
		return exitCode(code)
	}
	return nil
}
