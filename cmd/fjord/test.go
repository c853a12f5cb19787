package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/runner"
)

// testOptions are `fjord test`'s flags.
type testOptions struct {
	Keep      bool
	Report    string
	Verbosity int
}

func (e *env) testCommand() *cli.Command {
	o := &testOptions{}
	return &cli.Command{
		Name:  "test",
		Usage: "run a role scenario on a fresh lab: create, prepare, converge, idempotence, side_effect, verify, destroy",
		Description: "SCENARIO_DIR holds converge.yml and optionally lab.yml, prepare.yml, side_effect.yml and verify.yml.\n" +
			"Exit codes: 0 passed, 1 a step failed, 3 the scenario could not run (bad scenario, lab did not come up), 5 bad options.",
		ArgsUsage: "SCENARIO_DIR",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "keep", Usage: "leave the lab up afterwards", Destination: &o.Keep},
			&cli.StringFlag{Name: "report", Usage: "write a JSON report to `FILE`", Destination: &o.Report},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return optionErrorf("fjord test takes one scenario directory")
			}
			return runTest(c.Context, e, o, c.Args().First())
		},
	}
}

func runTest(ctx context.Context, e *env, o *testOptions, dir string) error {
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	var rolesPath []string
	if s := cfg.Get("DEFAULT_ROLES_PATH"); !s.IsDefault() {
		rolesPath = s.List()
	}
	setting := func(name string) string {
		if s := cfg.Get(name); !s.IsDefault() {
			return s.String()
		}
		return ""
	}
	play := func(ctx context.Context, r lab.PlaybookRun) int {
		callback := setting("DEFAULT_STDOUT_CALLBACK")
		if r.JSON {
			callback = "json"
		}
		return e.run(ctx, &runner.Options{
			Playbooks:       []string{r.Playbook},
			Inventory:       []string{r.Inventory},
			RolesPath:       append(append([]string{}, r.RolesPath...), rolesPath...),
			Forks:           5,
			HostKeyChecking: hostKeyCheckingOf(cfg),
			Gathering:       setting("DEFAULT_GATHERING"),
			ManagedStr:      setting("DEFAULT_MANAGED_STR"),
			Callback:        callback,
			Stdout:          r.Stdout,
			Stderr:          e.stderr,
			Color:           useColor(e.getenv, e.isTerminal(e.stdout)) && !r.JSON,
			Log:             newLogger(e.stderr, o.Verbosity),
		})
	}
	rep := lab.RunScenario(ctx, dir, lab.TestOptions{
		Manager:  &lab.Manager{Log: e.stderr},
		Playbook: play,
		Out:      e.stdout,
		Keep:     o.Keep,
	})
	fmt.Fprintf(e.stdout, "\n%s: %s in %.1fs\n", dir, rep.Result, rep.Seconds)
	for _, s := range rep.Steps {
		fmt.Fprintf(e.stdout, "  %-12s %-8s %6.1fs  %s\n", s.Name, s.Result, s.Seconds, s.Error)
	}
	if o.Report != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.Report, append(b, '\n'), 0o644); err != nil {
			return &failure{err: err, code: lab.TestError}
		}
	}
	if rep.Result == "error" {
		fmt.Fprintf(e.stderr, "ERROR! %s\n", rep.Error)
	}
	if code := rep.Code(); code != 0 {
		return exitCode(code)
	}
	return nil
}
