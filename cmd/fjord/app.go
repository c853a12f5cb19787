package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fjord-run/fjord/config"
	"github.com/fjord-run/fjord/runner"
)

// env is what a run of the binary is given: streams, environment and the
// engine. main wires the real ones; tests substitute their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	dir            string // working directory, for relative -e @file
	// run is the engine's entry point (runner.Run).
	run func(context.Context, *runner.Options) int
	// readSecret prompts for and reads a password without echo.
	readSecret func(prompt string) (string, error)
	// isTerminal reports whether w is a terminal (for colour).
	isTerminal func(w io.Writer) bool
}

// optionError is a command line or setting that parses but cannot be
// used: ansible's AnsibleOptionsError, reported as "ERROR! msg" with exit
// code 5.
type optionError struct{ msg string }

func (e *optionError) Error() string { return e.msg }

func optionErrorf(format string, a ...any) error {
	return &optionError{fmt.Sprintf(format, a...)}
}

// argumentError is a command line that does not parse (an unknown flag, a
// bad value, a missing argument, two exclusive flags): what ansible's
// argparse rejects, with exit code 2.
type argumentError struct{ msg string }

func (e *argumentError) Error() string { return e.msg }

func argumentErrorf(format string, a ...any) error {
	return &argumentError{fmt.Sprintf(format, a...)}
}

// exitCode ends the program with a code whose cause has already been
// reported (by the runner, or as help text).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// personalities maps the name the binary was invoked under to the
// subcommand it stands for.
var personalities = map[string]string{
	"ansible-playbook":  "playbook",
	"ansible-inventory": "inventory",
	"ansible-vault":     "vault",
	"ansible-config":    "config",
	"ansible":           "adhoc",
	"ansible-doc":       "doc",
	"ansible-galaxy":    "galaxy",
}

// commandLine returns argv as fjord's own command line: invoked as
// ansible-playbook, "ansible-playbook -i x" becomes "fjord playbook -i x".
func commandLine(argv []string) []string {
	if len(argv) == 0 {
		return []string{"fjord"}
	}
	name := strings.TrimSuffix(filepath.Base(argv[0]), ".exe")
	if sub, ok := personalities[name]; ok {
		return append([]string{"fjord", sub}, argv[1:]...)
	}
	return append([]string{"fjord"}, argv[1:]...)
}

// main runs one command line and returns the process exit code.
func (e *env) main(ctx context.Context, argv []string) int {
	args := commandLine(argv)
	app := e.app()
	args = galaxyImplicitRole(args)
	if len(args) > 1 {
		for _, c := range app.Commands {
			if !c.HasName(args[1]) {
				continue
			}
			spec := specOf(append(c.Flags, cli.HelpFlag))
			if len(c.Subcommands) > 0 && len(args) > 2 {
				// fjord vault encrypt ...: the flags are the (innermost)
				// subcommand's; fjord galaxy role install nests two deep.
				args = reorderSubcommand(c.Subcommands, args, 2)
				continue
			}
			args = append(args[:2:2], helpOnly(reorderArgs(args[2:], spec))...)
		}
	}
	err := app.RunContext(ctx, args)
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "ERROR! User interrupted execution")
		return runner.ExitInterrupted
	}
	var code exitCode
	var fail *failure
	var arg *argumentError
	switch {
	case err == nil:
		return runner.ExitOK
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &fail):
		fmt.Fprintf(e.stderr, "ERROR! %s\n", fail.err)
		return fail.code
	case errors.As(err, &arg):
		fmt.Fprintf(e.stderr, "ERROR! %s\n", arg.msg)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "ERROR! %s\n", err)
	return runner.ExitBadOptions
}

func (e *env) app() *cli.App {
	var version bool
	return &cli.App{
		Name:      "fjord",
		Usage:     "run Ansible playbooks natively",
		Reader:    e.stdin,
		Writer:    e.stdout,
		ErrWriter: e.stderr,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Usage: "show the version and the config file in use", Destination: &version},
		},
		Commands: []*cli.Command{
			e.playbookCommand(),
			e.inventoryCommand(),
			e.vaultCommand(),
			e.configCommand(),
			e.adhocCommand(),
			e.galaxyCommand(),
			e.labCommand(),
			e.testCommand(),
			e.docCommand(),
		},
		HideHelpCommand: true,
		OnUsageError:    usageError,
		// urfave/cli would call os.Exit on errors that carry a code;
		// main maps errors to codes itself.
		ExitErrHandler: func(*cli.Context, error) {},
		Action: func(c *cli.Context) error {
			if version {
				return e.printVersion()
			}
			if c.Args().Present() {
				return optionErrorf("unknown command %q (try: fjord --help)", c.Args().First())
			}
			_ = cli.ShowAppHelp(c)
			return exitCode(runner.ExitBadOptions)
		},
	}
}

// reorderSubcommand reorders the arguments after the subcommand named
// at args[i], descending into nested subcommands.
func reorderSubcommand(cmds []*cli.Command, args []string, i int) []string {
	for _, sc := range cmds {
		if !sc.HasName(args[i]) {
			continue
		}
		if len(sc.Subcommands) > 0 {
			if len(args) > i+1 {
				return reorderSubcommand(sc.Subcommands, args, i+1)
			}
			return args
		}
		return append(args[:i+1:i+1], reorderArgs(args[i+1:], specOf(append(sc.Flags, cli.HelpFlag)))...)
	}
	return args
}

// exitUsage is argparse's exit code for a command line it rejects.
const exitUsage = 2

func usageError(_ *cli.Context, err error, _ bool) error {
	return &argumentError{err.Error()}
}

// helpOnly drops the positional arguments of a command line that asks for
// help: argparse prints the help and exits 0 whatever else is given,
// where urfave/cli would take "site.yml" for a help topic.
func helpOnly(args []string) []string {
	for i, a := range args {
		if a == "--" {
			break
		}
		if a == "--help" {
			for j := i; j < len(args); j++ {
				if args[j] == "--" {
					return args[:j]
				}
			}
		}
	}
	return args
}

// printVersion prints the version and, as ansible does, the config file.
func (e *env) printVersion() error {
	cfg, _ := config.Find(e.getenv, e.dir)
	if cfg == "" {
		cfg = "None"
	}
	exe, _ := os.Executable()
	fmt.Fprintf(e.stdout, "fjord %s\n  config file = %s\n  executable location = %s\n", fjordVersion(), cfg, exe)
	return nil
}
