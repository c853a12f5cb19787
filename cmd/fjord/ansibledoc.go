package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fjord-run/fjord/internal/moddoc"
)

type docOptions struct {
	List, JSON bool
	Type       string
}

// docCommand is `fjord doc` (ansible-doc): the documentation of fjord's
// native modules, from the same data as docs/modules.md.
func (e *env) docCommand() *cli.Command {
	opts := &docOptions{}
	return &cli.Command{
		Name:            "doc",
		Usage:           "show the documentation of native modules (as ansible-doc)",
		ArgsUsage:       "[MODULE...]",
		HideHelpCommand: true,
		OnUsageError:    usageError,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "list", Aliases: []string{"l"}, Destination: &opts.List,
				Usage: "list every native module with its short description"},
			&cli.BoolFlag{Name: "json", Aliases: []string{"j"}, Destination: &opts.JSON, Usage: "print JSON"},
			&cli.StringFlag{Name: "type", Aliases: []string{"t"}, Value: "module", Destination: &opts.Type,
				Usage: "plugin type: fjord documents modules only"},
		},
		Action: func(c *cli.Context) error {
			return e.runDoc(c.Context, opts, c.Args().Slice())
		},
	}
}

func (e *env) runDoc(ctx context.Context, opts *docOptions, names []string) error {
	if opts.Type != "module" {
		args := []string{"-t", opts.Type}
		if opts.List {
			args = append(args, "-l")
		}
		if opts.JSON {
			args = append(args, "-j")
		}
		return e.ansibleDoc(ctx, append(args, names...), fmt.Sprintf("fjord documents modules only, not %s plugins", opts.Type))
	}
	var docs []*moddoc.Doc
	var others []string
	switch {
	case opts.List:
		docs = moddoc.All()
	case len(names) == 0:
		return argumentErrorf("Incorrect options passed: a module name or -l is needed")
	default:
		for _, n := range names {
			if d, ok := moddoc.Lookup(n); ok {
				docs = append(docs, d)
			} else {
				others = append(others, n)
			}
		}
	}
	switch {
	case opts.JSON && opts.List:
		list := map[string]string{}
		for _, d := range docs {
			list[d.Name] = d.ShortDescription()
		}
		b, err := json.MarshalIndent(list, "", "    ")
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
	case opts.JSON:
		b, err := moddoc.JSON(docs)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
	case opts.List:
		fmt.Fprint(e.stdout, moddoc.List(docs))
	default:
		for _, d := range docs {
			fmt.Fprintln(e.stdout, moddoc.Text(d))
		}
	}
	if len(others) == 0 {
		return nil
	}
	args := others
	if opts.JSON {
		args = append([]string{"-j"}, args...)
	}
	return e.ansibleDoc(ctx, args, strings.Join(others, ", ")+": not a native fjord module")
}

// ansibleDoc runs ansible-doc for what fjord cannot document itself
// (modules that are not native, other plugin types), when it is
// installed and is not fjord under that name; else why is the error.
func (e *env) ansibleDoc(ctx context.Context, args []string, why string) error {
	path, err := exec.LookPath("ansible-doc")
	if err != nil || isSelf(path) {
		return &failure{errors.New(why + ", and no ansible-doc is installed to show its documentation"), 1}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return exitCode(ee.ExitCode())
		}
		return &failure{fmt.Errorf("running %s: %w", path, err), 1}
	}
	return nil
}

// isSelf says whether path is this program (fjord installed as
// ansible-doc), which must not run itself for what it cannot show.
func isSelf(path string) bool {
	self, err := os.Executable()
	if err != nil {
		return false
	}
	a, err1 := filepath.EvalSymlinks(self)
	b, err2 := filepath.EvalSymlinks(path)
	return err1 == nil && err2 == nil && a == b
}
