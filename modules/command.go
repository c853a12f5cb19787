package modules

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.command", Aliases: []string{"command"},
		New: func() Module { return &Command{} }, FreeForm: "_raw_params", CheckMode: true,
	})
	Register(Info{
		ID: "ansible.builtin.shell", Aliases: []string{"shell"},
		New: func() Module { return &Command{shell: true} }, FreeForm: "_raw_params", CheckMode: true,
	})
}

// Command is the command and shell modules: command runs argv without a
// shell's interpretation (each word is quoted), shell hands the string to
// the shell.
type Command struct {
	// RawParams is the free-form command line.
	RawParams string `arg:"_raw_params"`
	// Cmd is the command line, an alternative to the free form.
	Cmd string `arg:"cmd"`
	// Argv is the command as a list (command only); no splitting happens.
	Argv []string `arg:"argv"`
	// Chdir is the directory to run in.
	Chdir string `arg:"chdir,path"`
	// Creates skips the command when this path exists.
	Creates string `arg:"creates,path"`
	// Removes skips the command when this path does not exist.
	Removes string `arg:"removes,path"`
	// Stdin is fed to the command.
	Stdin *string `arg:"stdin"`
	// StdinAddNewline appends a newline to Stdin.
	StdinAddNewline bool `arg:"stdin_add_newline,default=true"`
	// StripEmptyEnds drops trailing newlines of stdout and stderr.
	StripEmptyEnds bool `arg:"strip_empty_ends,default=true"`
	// Executable is the shell to use (shell module).
	Executable string `arg:"executable"`
	// UsesShell is set by the shell action to switch to shell semantics.
	UsesShell bool `arg:"_uses_shell"`

	shell bool
}

// usage is ansible's run-time check of the command: none, or both a
// command line and argv, fail with rc 256 (a failed result, not a load
// error, as the module reports it).
func (c *Command) usage() string {
	src := c.Cmd
	if src == "" {
		src = c.RawParams
	}
	switch {
	case strings.TrimSpace(src) == "" && len(c.Argv) == 0:
		return "no command given"
	case src != "" && len(c.Argv) > 0:
		return "only command or argv can be given, not both"
	}
	return ""
}

// pyOSError is str() of Python's OSError for errno on a bytes path.
func pyOSError(errno, p string) string {
	text := map[string]string{"2": "No such file or directory", "13": "Permission denied", "20": "Not a directory"}[errno]
	return fmt.Sprintf("[Errno %s] %s: b'%s'", errno, text, p)
}

// pyTime formats like Python's str(datetime.now()).
func pyTime(t time.Time) string { return t.Format("2006-01-02 15:04:05.000000") }

func pyDelta(d time.Duration) string {
	us := d.Microseconds()
	s := us / 1e6
	return fmt.Sprintf("%d:%02d:%02d.%06d", s/3600, s/60%60, s%60, us%1e6)
}

func lines(s string) []any {
	out := []any{}
	if s == "" {
		return out
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	for _, l := range strings.Split(s, "\n") {
		out = append(out, l)
	}
	return out
}

// cmdPlan is the command as the host's shell will run it.
type cmdPlan struct {
	shell    bool
	argv     []string
	cmdValue any // the result's "cmd"
	script   string
}

// prepare builds the command line and settles creates/removes and check
// mode: a non-nil Result is the module's result without running anything.
func (c *Command) prepare(ctx context.Context, env *Env) (*cmdPlan, *Result, error) {
	if msg := c.usage(); msg != "" {
		r := &Result{Failed: true, Msg: msg}
		r.Set("stdout", "").Set("stderr", "").Set("rc", 256).Set("cmd", nil).
			Set("start", nil).Set("end", nil).Set("delta", nil).Set("msg", msg)
		return nil, r, nil
	}
	shell := c.shell || c.UsesShell
	src := c.Cmd
	if src == "" {
		src = c.RawParams
	}
	var argv []string
	var cmdValue any
	if shell {
		cmdValue = src
	} else {
		argv = c.Argv
		if len(argv) == 0 {
			var err error
			if argv, err = value.ShlexSplit(src, false); err != nil {
				return nil, Failf("%s", err), nil
			}
		}
		l := make([]any, len(argv))
		for i, a := range argv {
			l[i] = a
		}
		cmdValue = l
	}
	r := &Result{}
	r.Set("cmd", cmdValue)
	blank := func(msg, stdout string) *Result {
		r.Msg = msg
		r.Set("rc", 0).Set("stdout", stdout).Set("stderr", "").
			Set("stdout_lines", lines(stdout)).Set("stderr_lines", []any{}).
			Set("start", nil).Set("end", nil).Set("delta", nil).Set("msg", msg)
		return r
	}
	verb := "Did not run"
	if env.Check {
		verb = "Would not run"
	}
	if p, why, skip, err := createsRemoves(ctx, env, c.Creates, c.Removes, c.Chdir); err != nil {
		return nil, nil, err
	} else if skip {
		return nil, blank(fmt.Sprintf("%s command since '%s' %s", verb, p, why), fmt.Sprintf("skipped, since %s %s", p, why)), nil
	}
	if env.Check {
		blank("Command would have run if not in check mode", "")
		wouldRun(env, r, cmdValue, c.Chdir, c.Creates, c.Removes)
		if c.Creates == "" && c.Removes == "" {
			r.Skipped = true
			return nil, r, nil
		}
		r.Changed = true
		return nil, r, nil
	}
	p := &cmdPlan{shell: shell, argv: argv, cmdValue: cmdValue}
	if shell {
		p.script = src
		if c.Executable != "" {
			p.script = connection.Quote(c.Executable) + " -c " + connection.Quote(src)
		}
		return p, nil, nil
	}
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = expandQuote(a)
	}
	// Python's exec fails with ENOENT for a missing program; mimic it
	// instead of reporting the shell's "not found".
	p.script = fmt.Sprintf("command -v -- %s >/dev/null 2>&1 || { printf fjord-enoent >&2; exit 127; }; exec %s", q[0], strings.Join(q, " "))
	return p, nil, nil
}

// stdin is the stdin argument as the command reads it.
func (c *Command) stdin() *string {
	if c.Stdin == nil {
		return nil
	}
	in := *c.Stdin
	if c.StdinAddNewline {
		in += "\n"
	}
	return &in
}

// Job implements HostJob: under async the command runs detached on the
// host, which writes the result run would return.
func (c *Command) Job(ctx context.Context, env *Env) (*JobSpec, *Result, error) {
	p, r, err := c.prepare(ctx, env)
	if p == nil {
		return nil, r, err
	}
	spec := &JobSpec{Script: p.script, Dir: c.Chdir, Stdin: c.stdin(), Strip: c.StripEmptyEnds, Cmd: p.cmdValue}
	if !p.shell {
		// ansible's run_command reports a missing program with the
		// command line as one string.
		spec.NotFound = p.argv[0]
		q := make([]any, len(p.argv))
		for i, a := range p.argv {
			q[i] = connection.Quote(a)
		}
		spec.NotFoundCmd = strings.TrimSpace(fmt.Sprintln(q...))
	}
	return spec, nil, nil
}

// Run implements Module.
func (c *Command) Run(ctx context.Context, env *Env) (*Result, error) {
	p, r, err := c.prepare(ctx, env)
	if p == nil {
		return r, err
	}
	shell, argv, script := p.shell, p.argv, p.script
	r = &Result{}
	r.Set("cmd", p.cmdValue)
	if !shell && c.Executable != "" {
		r.Set("warnings", []any{fmt.Sprintf("As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '%s'.", c.Executable)})
	}
	if c.Chdir != "" {
		// Python's os.chdir error, told apart from the command's own.
		d := connection.Quote(c.Chdir)
		script = fmt.Sprintf(`cd -P -- %[1]s 2>/dev/null || { if [ ! -e %[1]s ]; then printf 'fjord-nochdir:2' >&2; elif [ ! -d %[1]s ]; then printf 'fjord-nochdir:20' >&2; else printf 'fjord-nochdir:13' >&2; fi; exit 127; }
`, d) + script
	}
	cmd := &connection.Cmd{Command: script, Env: env.Environment, Become: env.Become, Isolated: true}
	if in := c.stdin(); in != nil {
		cmd.Stdin = strings.NewReader(*in)
	}
	start := time.Now()
	res, err := env.Conn.Exec(ctx, cmd)
	end := time.Now()
	if err != nil {
		return nil, err
	}
	if res.RC == 127 && strings.HasPrefix(string(res.Stderr), "fjord-nochdir:") {
		r.Failed = true
		r.Msg = "Unable to change directory before execution: " + pyOSError(strings.TrimPrefix(string(res.Stderr), "fjord-nochdir:"), c.Chdir)
		r.Set("cmd", nil).Set("stdout", "").Set("stderr", "").Set("rc", nil).
			Set("start", nil).Set("end", nil).Set("delta", nil).Set("msg", r.Msg)
		return r, nil
	}
	if !shell && res.RC == 127 && string(res.Stderr) == "fjord-enoent" {
		r.Failed = true
		r.Msg = fmt.Sprintf("[Errno 2] No such file or directory: b'%s'", argv[0])
		r.Set("msg", r.Msg).Set("rc", 2).Set("stdout", "").Set("stderr", "").
			Set("stdout_lines", []any{}).Set("stderr_lines", []any{})
		return r, nil
	}
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	if c.StripEmptyEnds {
		stdout = strings.TrimRight(stdout, "\r\n")
		stderr = strings.TrimRight(stderr, "\r\n")
	}
	r.Changed = true
	r.Set("start", pyTime(start)).Set("end", pyTime(end)).Set("delta", pyDelta(end.Sub(start)))
	r.Set("rc", res.RC).Set("stdout", stdout).Set("stderr", stderr).
		Set("stdout_lines", lines(stdout)).Set("stderr_lines", lines(stderr))
	if res.RC != 0 {
		r.Failed = true
		r.Msg = "non-zero return code"
	}
	r.Set("msg", r.Msg)
	return r, nil
}

// pathExists tests a path on the host, relative to dir when relative.
// createsRemoves checks command's and script's creates/removes: skip is
// true when creates exists or removes does not, with that path and why.
func createsRemoves(ctx context.Context, env *Env, creates, removes, dir string) (path, why string, skip bool, err error) {
	for _, t := range []struct {
		path string
		want bool
		why  string
	}{{creates, true, "exists"}, {removes, false, "does not exist"}} {
		if t.path == "" {
			continue
		}
		ok, err := pathExists(ctx, env, t.path, dir)
		if err != nil {
			return "", "", false, err
		}
		if ok == t.want {
			return t.path, t.why, true, nil
		}
	}
	return "", "", false, nil
}

func pathExists(ctx context.Context, env *Env, p, dir string) (bool, error) {
	if env.Sim != nil && env.Check && !strings.ContainsAny(p, "*?[") {
		// a path an earlier task of the check run would write or remove
		abs := p
		if !strings.HasPrefix(abs, "/") && dir != "" {
			abs = path.Join(dir, p)
		}
		if fi, _, ok := env.Sim.Stat(abs); ok {
			return fi.Exists, nil
		}
	}
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: "test -e " + globWord(p), Dir: dir, Become: env.Become})
	if err != nil {
		return false, err
	}
	return res.RC == 0, nil
}

// globWord quotes p for the shell but leaves glob characters active, as
// creates/removes take glob patterns; the first match decides.
func globWord(p string) string {
	if !strings.ContainsAny(p, "*?[") {
		return connection.Quote(p)
	}
	var b bytes.Buffer
	b.WriteString("\"$(for f in ")
	for _, r := range p {
		if strings.ContainsRune("*?[]", r) {
			b.WriteRune(r)
		} else {
			b.WriteString(connection.Quote(string(r)))
		}
	}
	b.WriteString("; do echo \"$f\"; break; done)\"")
	return b.String()
}

// Raw runs a command with no module logic at all.
type Raw struct {
	// RawParams is the command line, run as given.
	RawParams string `arg:"_raw_params,required"`
	// Executable is the shell that runs the command.
	Executable string `arg:"executable"`
}

func init() {
	Register(Info{
		ID: "ansible.builtin.raw", Aliases: []string{"raw"},
		New: func() Module { return &Raw{} }, FreeForm: "_raw_params",
	})
}

// Run implements Module.
func (m *Raw) Run(ctx context.Context, env *Env) (*Result, error) {
	script := m.RawParams
	if m.Executable != "" {
		script = connection.Quote(m.Executable) + " -c " + connection.Quote(script)
	}
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script, Env: env.Environment, Become: env.Become, Isolated: true})
	if err != nil {
		return nil, err
	}
	r := &Result{Changed: true}
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	r.Set("rc", res.RC).Set("stdout", stdout).Set("stdout_lines", lines(stdout)).
		Set("stderr", stderr).Set("stderr_lines", lines(stderr))
	if res.RC != 0 {
		r.Failed = true
		r.Msg = "non-zero return code"
		r.Set("msg", r.Msg)
	}
	return r, nil
}

// Ping checks that the host runs commands.
type Ping struct {
	// Data is what ping returns as ping.
	Data string `arg:"data,default=pong"`
}

func init() {
	Register(Info{
		ID: "ansible.builtin.ping", Aliases: []string{"ping"},
		New: func() Module { return &Ping{} }, CheckMode: true,
	})
}

// Run implements Module.
func (m *Ping) Run(ctx context.Context, env *Env) (*Result, error) {
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: "true", Become: env.Become})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return Failf("ping: %s", strings.TrimSpace(string(res.Stderr))), nil
	}
	if m.Data == "crash" {
		// ansible's ping raises Exception("boom") for data=crash, to
		// test how a module that dies is reported: a MODULE FAILURE.
		r := &Result{Failed: true, Msg: "MODULE FAILURE\nSee stdout/stderr for the exact error"}
		return r.Set("msg", r.Msg).Set("module_stdout", "").
			Set("module_stderr", "Traceback (most recent call last):\nException: boom\n").Set("rc", 1), nil
	}
	return (&Result{}).Set("ping", m.Data), nil
}

var (
	_ Module = (*Command)(nil)
	_ Module = (*Raw)(nil)
	_ Module = (*Ping)(nil)
)

// expandQuote quotes one argument of the command module for the remote
// shell, keeping $NAME, ${NAME} and a leading ~ live: Ansible's command
// module expands environment variables and ~ in its arguments (not
// globs, pipes or other shell syntax).
func expandQuote(a string) string {
	if !strings.ContainsAny(a, "$~") {
		return connection.Quote(a)
	}
	var b strings.Builder
	rest := a
	if strings.HasPrefix(a, "~") {
		end := strings.IndexByte(a, '/')
		if end < 0 {
			end = len(a)
		}
		if tildeUser(a[1:end]) {
			b.WriteString(a[:end])
			rest = a[end:]
			if strings.HasPrefix(rest, "/") {
				// the slash ends the tilde prefix only when unquoted
				b.WriteByte('/')
				rest = rest[1:]
			}
		}
	}
	b.WriteByte('"')
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch c {
		case '\\', '"', '`':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '$':
			next := byte(0)
			if i+1 < len(rest) {
				next = rest[i+1]
			}
			if next == '{' || next == '_' || next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z' {
				if next == '{' {
					end := strings.IndexByte(rest[i:], '}')
					if end < 0 {
						b.WriteString("\\$")
						continue
					}
					name := rest[i+2 : i+end]
					if !isShellName(name) {
						b.WriteString("\\$")
						continue
					}
				}
				b.WriteByte('$')
			} else {
				b.WriteString("\\$")
			}
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func isShellName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

var (
	_ Module  = (*Command)(nil)
	_ HostJob = (*Command)(nil)
)

// CommandLine is the line raw would send, for a check run's would_run
// (raw has no check mode: the engine skips it).
func (m *Raw) CommandLine() string { return m.RawParams }
