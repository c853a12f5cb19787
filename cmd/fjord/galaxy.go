package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fjord-run/fjord/config"
	"github.com/fjord-run/fjord/galaxy"
	"github.com/fjord-run/fjord/runner/callback"
)

// galaxyOptions are ansible-galaxy's flags, shared by its subcommands.
type galaxyOptions struct {
	Requirements string
	Paths        listFlag
	Force        bool
	ForceDeps    bool
	NoDeps       bool
	IgnoreErrors bool
	Pre          bool
	Server       string
	Token        string
	Format       string
	InitPath     string
	// implicit is "ansible-galaxy install": a role install that also
	// installs a requirements file's collections.
	implicit bool
}

func (e *env) galaxyCommand() *cli.Command {
	o := &galaxyOptions{}
	common := func(flags ...cli.Flag) []cli.Flag {
		return append([]cli.Flag{
			&cli.StringFlag{Name: "server", Aliases: []string{"s"}, Destination: &o.Server, Usage: "the Galaxy API server URL"},
			&cli.StringFlag{Name: "token", Aliases: []string{"api-key"}, Destination: &o.Token, Usage: "the Galaxy API token"},
			&cli.BoolFlag{Name: "ignore-certs", Aliases: []string{"c"}, Usage: "accepted for compatibility"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "accepted for compatibility"},
		}, flags...)
	}
	paths := func(name, usage string) cli.Flag {
		return &cli.GenericFlag{Name: name, Aliases: []string{"p"}, Value: &o.Paths, Usage: usage}
	}
	install := func(kind string, flags ...cli.Flag) *cli.Command {
		return &cli.Command{
			Name:         "install",
			Usage:        "install " + kind + "s from requirements, git, URLs, files or directories",
			ArgsUsage:    "[NAME|URL|PATH...]",
			OnUsageError: usageError,
			Flags: common(append([]cli.Flag{
				&cli.StringFlag{Name: "requirements-file", Aliases: []string{"r", "role-file"}, Destination: &o.Requirements, Usage: "a file listing what to install"},
				&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Destination: &o.Force, Usage: "replace what is installed already"},
				&cli.BoolFlag{Name: "force-with-deps", Destination: &o.ForceDeps, Usage: "replace it and its dependencies"},
				&cli.BoolFlag{Name: "no-deps", Aliases: []string{"n"}, Destination: &o.NoDeps, Usage: "do not install dependencies"},
				&cli.BoolFlag{Name: "ignore-errors", Aliases: []string{"i"}, Destination: &o.IgnoreErrors, Usage: "go on after one fails"},
				&cli.BoolFlag{Name: "implicit-role", Hidden: true, Destination: &o.implicit},
			}, flags...)...),
			Action: func(c *cli.Context) error {
				return e.runGalaxyInstall(c.Context, o, kind, c.Args().Slice())
			},
		}
	}
	list := func(kind string, flags ...cli.Flag) *cli.Command {
		return &cli.Command{
			Name:         "list",
			Usage:        "list the installed " + kind + "s",
			ArgsUsage:    "[NAME]",
			OnUsageError: usageError,
			Flags:        common(flags...),
			Action: func(c *cli.Context) error {
				return e.runGalaxyList(o, kind, c.Args().First())
			},
		}
	}
	rolesPath := paths("roles-path", "the directory of roles (install: where to; list: searched first)")
	collPath := paths("collections-path", "the directory of collections (install: where to; list: searched first)")
	return &cli.Command{
		Name:            "galaxy",
		Usage:           "install, list and create roles and collections (as ansible-galaxy)",
		HideHelpCommand: true,
		OnUsageError:    usageError,
		Subcommands: []*cli.Command{
			{
				Name: "role", Usage: "manage roles", HideHelpCommand: true, OnUsageError: usageError,
				Subcommands: []*cli.Command{
					install("role", rolesPath),
					list("role", rolesPath),
					{
						Name: "init", Usage: "create a role skeleton", ArgsUsage: "NAME", OnUsageError: usageError,
						Flags: common(
							&cli.StringFlag{Name: "init-path", Value: ".", Destination: &o.InitPath, Usage: "where to create the role"},
							&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Destination: &o.Force, Usage: "re-initialize an existing directory"},
							&cli.BoolFlag{Name: "offline", Usage: "accepted for compatibility"}),
						Action: func(c *cli.Context) error { return e.runGalaxyInit(o, c.Args().Slice()) },
					},
				},
			},
			{
				Name: "collection", Usage: "manage collections", HideHelpCommand: true, OnUsageError: usageError,
				Subcommands: []*cli.Command{
					install("collection", collPath,
						&cli.BoolFlag{Name: "pre", Destination: &o.Pre, Usage: "let pre-releases satisfy a requirement"},
						&cli.BoolFlag{Name: "upgrade", Aliases: []string{"U"}, Usage: "accepted for compatibility"},
						&cli.BoolFlag{Name: "disable-gpg-verify", Usage: "accepted (fjord does not verify signatures)"},
						&cli.BoolFlag{Name: "offline", Usage: "accepted for compatibility"}),
					list("collection", collPath,
						&cli.StringFlag{Name: "format", Value: "human", Destination: &o.Format, Usage: "human, yaml or json"}),
				},
			},
		},
	}
}

// galaxyImplicitRole turns "galaxy install ..." into "galaxy role
// install ...": ansible-galaxy's commands without a type are role ones.
func galaxyImplicitRole(args []string) []string {
	if len(args) < 3 || args[1] != "galaxy" {
		return args
	}
	switch args[2] {
	case "role", "collection", "-h", "--help":
		return args
	}
	out := append([]string{args[0], args[1], "role"}, args[2:]...)
	if args[2] == "install" {
		out = append(out[:4:4], append([]string{"--implicit-role"}, args[3:]...)...)
	}
	return out
}

func (e *env) abs(p string) string {
	p = expandHome(p)
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.dir, p)
}

// galaxyFail is an ansible-galaxy error: "ERROR! msg", exit 1.
func galaxyFail(err error) error { return &failure{err: err, code: 1} }

// galaxyWarner prints warnings as ansible-galaxy's Display does:
// wrapped, each text once.
func (e *env) galaxyWarner() func(string) {
	wr := callback.NewWarner(e.stderr, false, 0)
	return func(msg string) { _ = wr.Warn(msg) }
}

// galaxyServers are the Galaxy servers to ask: -s, else ansible.cfg's
// [galaxy] server_list with a [galaxy_server.NAME] section each, else
// the one GALAXY_SERVER names.
func galaxyServers(cfg *config.Config, getenv func(string) string, o *galaxyOptions) []galaxy.Server {
	if o.Server != "" {
		return []galaxy.Server{{Name: "cmd_arg", URL: o.Server, Token: o.Token}}
	}
	raw := func(section, key, env string) string {
		if v := getenv(env); v != "" {
			return v
		}
		v, _ := cfg.Raw(section, key)
		return v
	}
	var out []galaxy.Server
	for _, name := range strings.Split(raw("galaxy", "server_list", "ANSIBLE_GALAXY_SERVER_LIST"), ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		up := "ANSIBLE_GALAXY_SERVER_" + strings.ToUpper(name) + "_"
		s := galaxy.Server{Name: name, URL: raw("galaxy_server."+name, "url", up+"URL"), Token: raw("galaxy_server."+name, "token", up+"TOKEN")}
		if o.Token != "" {
			s.Token = o.Token
		}
		if s.URL != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		url := raw("galaxy", "server", "ANSIBLE_GALAXY_SERVER")
		if url == "" {
			url = "https://galaxy.ansible.com"
		}
		out = []galaxy.Server{{Name: "default", URL: url, Token: o.Token}}
	}
	return out
}

// galaxyPaths are -p's paths (each a colon-separated list) before the
// configured ones.
func (e *env) galaxyPaths(o *galaxyOptions, configured []string) []string {
	var out []string
	for _, p := range o.Paths {
		for _, q := range filepath.SplitList(p) {
			if q != "" {
				out = append(out, e.abs(q))
			}
		}
	}
	return append(out, configured...)
}

func (e *env) runGalaxyInstall(ctx context.Context, o *galaxyOptions, kind string, args []string) error {
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	warn := e.galaxyWarner()
	in := &galaxy.Installer{
		Out: e.stdout, Warn: warn,
		Force: o.Force || o.ForceDeps, ForceDeps: o.ForceDeps, NoDeps: o.NoDeps, IgnoreErrors: o.IgnoreErrors, AllowPre: o.Pre,
		Servers: galaxyServers(cfg, e.getenv, o),
	}
	var reqs galaxy.Requirements
	if o.Requirements != "" {
		if len(args) > 0 && kind == "collection" {
			return optionErrorf("The positional collection_name arg and --requirements-file are mutually exclusive.")
		}
		r, err := galaxy.ReadRequirements(e.abs(o.Requirements))
		if err != nil {
			return galaxyFail(err)
		}
		reqs = *r
	}
	var rolesDir, collDir, pathWarning string
	if kind == "role" {
		rolesDir = e.galaxyPaths(o, cfg.Get("DEFAULT_ROLES_PATH").List())[0]
		if o.Requirements == "" {
			if len(args) == 0 {
				return optionErrorf("- you must specify a user/role name or a roles file")
			}
			for _, a := range args {
				r, err := galaxy.ParseRoleSpec(a)
				if err != nil {
					return galaxyFail(err)
				}
				reqs.Roles = append(reqs.Roles, r)
			}
		}
		if len(reqs.Collections) > 0 && (!o.implicit || len(o.Paths) > 0) {
			if o.implicit {
				warn(fmt.Sprintf("The requirements file '%s' contains collections which will be ignored. To install these collections run 'ansible-galaxy collection install -r' or to install both at the same time run 'ansible-galaxy install -r' without a custom install path.", e.abs(o.Requirements)))
			}
			reqs.Collections = nil
		}
		collDir = cfg.Get("COLLECTIONS_PATHS").List()[0]
	} else {
		collDir = cfg.Get("COLLECTIONS_PATHS").List()[0]
		if len(o.Paths) > 0 {
			collDir = e.abs(o.Paths[0])
			configured := cfg.Get("COLLECTIONS_PATHS").List()
			under := false
			for _, p := range configured {
				under = under || strings.HasPrefix(p, collDir)
			}
			if !under {
				pathWarning = fmt.Sprintf("The specified collections path '%s' is not part of the configured Ansible collections paths '%s'. "+
					"The installed collection will not be picked up in an Ansible run, unless within a playbook-adjacent collections directory.",
					collDir, strings.Join(configured, ":"))
			}
		}
		if o.Requirements == "" {
			if len(args) == 0 {
				return optionErrorf("You must specify a collection name or a requirements file.")
			}
			for _, a := range args {
				if !strings.Contains(a, "://") && !strings.HasPrefix(a, "git+") {
					if _, err := os.Stat(e.abs(a)); err == nil {
						a = e.abs(a)
					}
				}
				c, err := galaxy.ParseCollectionSpec(a, "")
				if err != nil {
					return galaxyFail(err)
				}
				reqs.Collections = append(reqs.Collections, c)
			}
		}
		reqs.Roles = nil
	}
	for i, c := range reqs.Collections {
		if (c.Type == "dir" || c.Type == "file") && !filepath.IsAbs(c.Name) {
			reqs.Collections[i].Name = e.abs(c.Name)
		}
	}
	for i, r := range reqs.Roles {
		if r.Scm == "" && !strings.Contains(r.Src, "://") && !filepath.IsAbs(r.Src) {
			if _, err := os.Stat(e.abs(r.Src)); err == nil {
				reqs.Roles[i].Src = e.abs(r.Src)
			}
		}
	}
	if len(reqs.Roles) == 0 && len(reqs.Collections) == 0 {
		fmt.Fprintln(e.stdout, "Skipping install, no requirements found")
		return nil
	}
	if len(reqs.Roles) > 0 {
		fmt.Fprintln(e.stdout, "Starting galaxy role install process")
		if err := in.InstallRoles(ctx, rolesDir, reqs.Roles); err != nil {
			return galaxyFail(err)
		}
	}
	if len(reqs.Collections) > 0 {
		fmt.Fprintln(e.stdout, "Starting galaxy collection install process")
		if pathWarning != "" {
			warn(pathWarning)
		}
		if err := in.InstallCollections(ctx, collDir, reqs.Collections); err != nil {
			return galaxyFail(err)
		}
	}
	return nil
}

func (e *env) runGalaxyList(o *galaxyOptions, kind, name string) error {
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	var warnings []string
	warn := e.galaxyWarner()
	if kind == "role" {
		warnings, err = galaxy.ListRoles(e.stdout, e.galaxyPaths(o, cfg.Get("DEFAULT_ROLES_PATH").List()), name)
	} else {
		defaults := append(cfg.Get("COLLECTIONS_PATHS").List(), pythonCollectionRoots()...)
		paths := dedupe(e.galaxyPaths(o, defaults))
		warnings, err = galaxy.ListCollections(e.stdout, paths, defaults, name, o.Format)
	}
	for _, w := range warnings {
		warn(w)
	}
	if err != nil {
		return optionErrorf("%v", err)
	}
	return nil
}

func dedupe(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (e *env) runGalaxyInit(o *galaxyOptions, args []string) error {
	if len(args) != 1 {
		return argumentErrorf("role init takes one role name")
	}
	if _, err := galaxy.InitRole(e.abs(o.InitPath), args[0], o.Force); err != nil {
		return galaxyFail(err)
	}
	fmt.Fprintf(e.stdout, "- Role %s was created successfully\n", args[0])
	return nil
}

// pythonCollectionRoots are the Python library directories holding an
// ansible_collections package (the collections an "ansible" package
// installs): ansible's collection loader searches them after
// COLLECTIONS_PATHS, and ansible-galaxy collection list shows them.
func pythonCollectionRoots() []string {
	cands := []string{"/usr/lib/python3/dist-packages"}
	for _, g := range []string{"/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages", "/usr/lib/python3*/site-packages"} {
		m, _ := filepath.Glob(g)
		cands = append(cands, m...)
	}
	var out []string
	for _, c := range cands {
		if fi, err := os.Stat(filepath.Join(c, "ansible_collections")); err == nil && fi.IsDir() {
			out = append(out, c)
		}
	}
	return out
}
