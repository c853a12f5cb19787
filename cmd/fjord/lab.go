package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/fjord-run/fjord/lab"
)

// labOptions are the flags `fjord lab` subcommands share.
type labOptions struct {
	Name     string
	N        int
	Hosts    string
	File     string
	Subnet   string
	Packages cli.StringSlice
}

func (o *labOptions) nameFlag() cli.Flag {
	return &cli.StringFlag{Name: "name", Value: lab.DefaultName, EnvVars: []string{"FJORD_LAB"},
		Usage: "which lab (several can be up, each on its own /24)", Destination: &o.Name}
}

func (e *env) labCommand() *cli.Command {
	o := &labOptions{}
	return &cli.Command{
		Name:            "lab",
		Usage:           "boot disposable Debian hosts on this machine, reachable over SSH",
		HideHelpCommand: true,
		OnUsageError:    usageError,
		// Every subcommand works on systemd-nspawn hosts: elsewhere than
		// on Linux each says so at once (help still shows).
		Before: func(*cli.Context) error { return labFailure(lab.Supported()) },
		Subcommands: []*cli.Command{
			e.labUpCommand(o),
			e.labBuildCommand(o),
			e.labDownCommand(o),
			e.labStatusCommand(o),
			e.labSSHCommand(o),
			e.labHostCommand(o, "stop", "halt a host in order (systemd shutdown)", (*lab.Manager).Stop),
			e.labHostCommand(o, "start", "boot a stopped or killed host again, with its disk as it was", (*lab.Manager).Start),
			e.labHostCommand(o, "kill", "kill a host's every process at once (SIGKILL to its init), as a power cut", (*lab.Manager).Kill),
			e.labHostCommand(o, "partition", "cut a host off the lab network", (*lab.Manager).Partition),
			e.labHostCommand(o, "heal", "reconnect a partitioned host", (*lab.Manager).Heal),
		},
	}
}

// labManager is the lab manager, logging to stderr.
func (e *env) labManager() *lab.Manager { return &lab.Manager{Log: e.stderr} }

func (e *env) labUpCommand(o *labOptions) *cli.Command {
	return &cli.Command{
		Name:  "up",
		Usage: "build (once) and boot a lab: -n N hosts h1..hN, --hosts a,b or -f lab.yml",
		Flags: []cli.Flag{
			o.nameFlag(),
			&cli.IntFlag{Name: "n", Usage: "number of hosts, named h1..hN", Destination: &o.N},
			&cli.StringFlag{Name: "hosts", Usage: "comma-separated host names", Destination: &o.Hosts},
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "lab file (hosts, groups, vars, packages)", Destination: &o.File},
			&cli.StringFlag{Name: "subnet", Usage: "the lab's /24 (default " + lab.DefaultSubnet + ")", Destination: &o.Subnet},
			&cli.StringSliceFlag{Name: "package", Aliases: []string{"p"}, Usage: "extra Debian package for every host (cached as a layer)", Destination: &o.Packages},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			return runLabUp(c.Context, e, o, c.IsSet("name"))
		},
	}
}

func (e *env) labBuildCommand(o *labOptions) *cli.Command {
	return &cli.Command{
		Name:  "build",
		Usage: "build (or find cached) the root filesystem and a package layer, boot nothing",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "package", Aliases: []string{"p"}, Usage: "Debian package for the layer", Destination: &o.Packages},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			return runLabBuild(c.Context, e, o.Packages.Value())
		},
	}
}

// runLabBuild builds or finds the root filesystem and the layer for
// packages, and says which were built and in how long.
func runLabBuild(ctx context.Context, e *env, packages []string) error {
	base, layer, tm, err := e.labManager().Build(ctx, packages)
	if err != nil {
		return labFailure(err)
	}
	if tm.RootfsBuild > 0 {
		fmt.Fprintf(e.stdout, "rootfs built in %s: %s\n", tm.RootfsBuild.Round(100*time.Millisecond), base)
	} else {
		fmt.Fprintf(e.stdout, "rootfs cached: %s\n", base)
	}
	switch {
	case layer != "" && tm.LayerBuild >= time.Second:
		fmt.Fprintf(e.stdout, "package layer built in %s: %s\n", tm.LayerBuild.Round(100*time.Millisecond), layer)
	case layer != "":
		fmt.Fprintf(e.stdout, "package layer cached: %s\n", layer)
	}
	return nil
}

func (e *env) labDownCommand(o *labOptions) *cli.Command {
	return &cli.Command{
		Name: "down", Usage: "stop every host and remove everything the lab made",
		Flags: []cli.Flag{o.nameFlag()}, OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			// `fjord lab down web` must not take down lab "default".
			if c.NArg() > 0 {
				return optionErrorf("fjord lab down takes no arguments; name the lab with --name %s", c.Args().First())
			}
			return labFailure(e.labManager().Down(c.Context, o.Name))
		},
	}
}

func (e *env) labStatusCommand(o *labOptions) *cli.Command {
	return &cli.Command{
		Name: "status", Usage: "list the lab's hosts and their state",
		Flags:        []cli.Flag{o.nameFlag(), &cli.BoolFlag{Name: "all", Usage: "every lab"}},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return optionErrorf("fjord lab status takes no arguments; name the lab with --name %s", c.Args().First())
			}
			return runLabStatus(e, e.labManager(), o.Name, c.Bool("all"))
		},
	}
}

func (e *env) labSSHCommand(o *labOptions) *cli.Command {
	return &cli.Command{
		Name: "ssh", Usage: "open a shell on a host, or run a command: fjord lab ssh HOST [-- CMD...]",
		ArgsUsage: "HOST [-- CMD...]", Flags: []cli.Flag{o.nameFlag()}, OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 {
				return optionErrorf("fjord lab ssh takes a host name")
			}
			return runLabSSH(c.Context, e, e.labManager(), o.Name, c.Args().First(), c.Args().Tail())
		},
	}
}

// labHostCommand is a subcommand that does f to one host of the lab.
func (e *env) labHostCommand(o *labOptions, name, usage string, f func(m *lab.Manager, ctx context.Context, labName, host string) error) *cli.Command {
	return &cli.Command{
		Name: name, Usage: usage, ArgsUsage: "HOST", Flags: []cli.Flag{o.nameFlag()},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return optionErrorf("fjord lab %s takes one host name", name)
			}
			return labFailure(f(e.labManager(), c.Context, o.Name, c.Args().First()))
		},
	}
}

// labFailure reports a lab error as ERROR! with exit code 1.
func labFailure(err error) error {
	if err == nil {
		return nil
	}
	return &failure{err: err, code: 1}
}

func runLabUp(ctx context.Context, e *env, o *labOptions, nameSet bool) error {
	n := 0
	for _, set := range []bool{o.N > 0, o.Hosts != "", o.File != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return optionErrorf("give one of -n, --hosts and -f")
	}
	var spec *lab.Spec
	var err error
	switch {
	case o.File != "":
		if spec, err = lab.LoadSpec(o.File); err != nil {
			return labFailure(err)
		}
	case o.Hosts != "":
		spec = lab.HostsSpec(strings.Split(o.Hosts, ",")...)
	case o.N > 0:
		spec = lab.NumberedSpec(o.N)
	default:
		spec = lab.NumberedSpec(1)
	}
	if nameSet || spec.Name == "" {
		spec.Name = o.Name
	}
	if o.Subnet != "" {
		spec.Subnet = o.Subnet
	}
	spec.Packages = append(spec.Packages, o.Packages.Value()...)
	if err := spec.Validate(); err != nil {
		return optionErrorf("%v", err)
	}
	m := &lab.Manager{Log: e.stderr}
	st, tm, err := m.Up(ctx, spec)
	if err != nil {
		return labFailure(err)
	}
	if tm.RootfsBuild > 0 {
		fmt.Fprintf(e.stdout, "rootfs built in %s\n", tm.RootfsBuild.Round(100*time.Millisecond))
	}
	if tm.LayerBuild > 0 {
		fmt.Fprintf(e.stdout, "package layer built in %s\n", tm.LayerBuild.Round(100*time.Millisecond))
	}
	fmt.Fprintf(e.stdout, "%d host(s) accepting SSH in %s\n", tm.Hosts, tm.Boot.Round(10*time.Millisecond))
	printLab(e, st)
	return nil
}

func printLab(e *env, st *lab.State) {
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "HOST\tADDRESS\tSTATE\tGROUPS\n")
	for _, h := range st.Hosts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", h.Name, h.Address, h.Status(), strings.Join(h.Groups, ","))
	}
	_ = w.Flush()
	fmt.Fprintf(e.stdout, "\nlab %s on %s (bridge %s)\n  inventory:  %s\n  ssh config: %s  (ssh -F %s %s)\n",
		st.Name, st.Subnet, st.Bridge, st.Inventory, st.SSHConfig, st.SSHConfig, st.Hosts[0].Name)
}

func runLabStatus(e *env, m *lab.Manager, name string, all bool) error {
	if all {
		labs, err := m.List()
		if err != nil {
			return labFailure(err)
		}
		if len(labs) == 0 {
			fmt.Fprintln(e.stdout, "no lab is up")
		}
		for i, st := range labs {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			printLab(e, st)
		}
		return nil
	}
	st, err := m.Open(name)
	if err != nil {
		return labFailure(err)
	}
	printLab(e, st)
	return nil
}

func runLabSSH(ctx context.Context, e *env, m *lab.Manager, name, host string, cmdArgs []string) error {
	st, err := m.Open(name)
	if err != nil {
		return labFailure(err)
	}
	if _, err := st.Host(host); err != nil {
		return labFailure(err)
	}
	args := []string{"-F", st.SSHConfig}
	if len(cmdArgs) == 0 {
		args = append(args, "-t")
	}
	args = append(append(args, host), cmdArgs...)
	cmd := exec.CommandContext(ctx, "ssh", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return exitCode(ee.ExitCode())
	}
	if err != nil {
		return labFailure(fmt.Errorf("ssh: %w (install openssh-client)", err))
	}
	return nil
}
