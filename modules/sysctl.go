package modules

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/dryrun"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.posix.sysctl", Aliases: []string{"sysctl"},
		New: func() Module { return &Sysctl{} }, CheckMode: true,
	})
}

// Sysctl keeps a kernel parameter in a sysctl file and, with sysctl_set,
// in the running kernel.
type Sysctl struct {
	// Name is the kernel parameter, dotted or slashed.
	Name string `arg:"name,required,aliases=key"`
	// Value is the parameter's wanted value.
	Value *string `arg:"value,aliases=val"`
	// State says whether the parameter is set in the file.
	State string `arg:"state,default=present,choices=present|absent"`
	// IgnoreErrors ignores unknown keys when loading.
	IgnoreErrors bool `arg:"ignoreerrors"`
	// Reload loads the file (sysctl -p) after it changes.
	Reload bool `arg:"reload,default=true"`
	// SysctlFile is the file the parameter is kept in.
	SysctlFile string `arg:"sysctl_file,default=/etc/sysctl.conf"`
	// SysctlSet also sets the running value (sysctl -w) when it differs.
	SysctlSet bool `arg:"sysctl_set"`
}

// Validate implements Validator.
func (m *Sysctl) Validate() error {
	if m.State == "present" && m.Value == nil {
		return fmt.Errorf("state is present but all of the following are missing: value")
	}
	return nil
}

// sysctlValue makes values comparable: Ansible's booleans become 1/0, as
// ansible.posix.sysctl's _parse_value does, and runs of whitespace one
// space, as the kernel prints them.
func sysctlValue(v string) string {
	if b, ok := value.Boolean(v); ok {
		if b {
			return "1"
		}
		return "0"
	}
	return strings.Join(strings.Fields(v), " ")
}

func sysctlKey(k string) string { return strings.ReplaceAll(strings.TrimSpace(k), "/", ".") }

// Run implements Module.
func (m *Sysctl) Run(ctx context.Context, env *Env) (*Result, error) {
	return Execute(ctx, env, m)
}

// sysctlChange is what Sysctl.Plan found: the file's new text and which
// of the file and the running value change.
type sysctlChange struct {
	key, want, after           string
	fileChanged, kernelChanged bool
}

// Plan implements Planner: round trip 1 reads the file and the running
// value.
func (m *Sysctl) Plan(ctx context.Context, env *Env) (*Plan, error) {
	key := sysctlKey(m.Name)
	want := ""
	if m.Value != nil {
		want = sysctlValue(*m.Value)
	}
	if m.State == "present" && want == "" && !m.IgnoreErrors {
		return &Plan{Result: Failf("value cannot be empty for key %s", key)}, nil
	}
	script := fmt.Sprintf("f=%s\n[ -e \"$f\" ] && echo @@exists\necho @@file\n[ -f \"$f\" ] && cat -- \"$f\"\necho @@proc\n", connection.Quote(m.SysctlFile))
	if m.SysctlSet {
		script += fmt.Sprintf("sysctl -n -e -- %s 2>/dev/null\n", connection.Quote(key))
	}
	script += "true\n"
	res, err := hostRun(ctx, env, script, nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return &Plan{Result: cmdFailed(res, "")}, nil
	}
	sec := Sections(string(res.Stdout))
	before, running, existed, err := m.predicted(ctx, env, key, sec)
	if err != nil {
		return nil, err
	}
	after, fileChanged := m.fixLines(before, key, want)
	kernelChanged := false
	if m.SysctlSet && m.State == "present" {
		kernelChanged = sysctlValue(running) != want
	}
	p := &Plan{Changed: fileChanged || kernelChanged,
		Detail: &sysctlChange{key: key, want: want, after: after, fileChanged: fileChanged, kernelChanged: kernelChanged}}
	m.predict(env, p.Detail.(*sysctlChange), existed)
	if fileChanged {
		p.Diff = []Diff{{BeforeHeader: m.SysctlFile, AfterHeader: m.SysctlFile, Before: before, After: after}}
	}
	return p, nil
}

// predicted is the sysctl file's text and the key's running value as a
// check run predicts them (the host's, in sec, where it predicts
// nothing); existed says whether the file exists.
func (m *Sysctl) predicted(ctx context.Context, env *Env, key string, sec map[string]string) (text, running string, existed bool, err error) {
	text, running = sec["file"], sec["proc"]
	_, existed = sec["exists"]
	if !env.Check || env.Sim == nil {
		return text, running, existed, nil
	}
	if v, ok := env.Sim.Kernel(key); ok {
		running = v
	}
	if _, _, ok := env.Sim.Stat(m.SysctlFile); ok {
		fi, b, err := connection.StatRead(ctx, env.Conn, m.SysctlFile, connection.StatOptions{Follow: true, Become: env.Become})
		if err != nil {
			return "", "", false, err
		}
		text, existed = string(b), fi.Exists
	}
	return text, running, existed, nil
}

// predict records what a changed task leaves for the rest of a check
// run: the file, and the running values sysctl -w or the file's reload
// (sysctl -p sets every key in it) would set.
func (m *Sysctl) predict(env *Env, c *sysctlChange, existed bool) {
	if env.Sim == nil || !c.fileChanged && !c.kernelChanged {
		return
	}
	put := env.Sim.PutKernel
	if !env.Check {
		put = func(k, _ string) { env.Sim.ForgetKernel(k) }
	}
	if c.fileChanged {
		f := dryrun.File{Type: "file", Content: []byte(c.after), Known: true}
		if !existed {
			f.Mode = 0o644
		}
		predictFile(env, m.SysctlFile, f)
		if m.Reload {
			for _, line := range strings.Split(c.after, "\n") {
				t := strings.TrimSpace(line)
				if k, v, ok := strings.Cut(t, "="); ok && t[0] != '#' && t[0] != ';' {
					put(sysctlKey(k), sysctlValue(v))
				}
			}
		}
	}
	if c.kernelChanged {
		put(c.key, c.want)
	}
}

// Apply implements Planner, in ansible.posix.sysctl's order: the
// running value is set first (a round trip of its own, so that its
// output is sysctl's alone, and a failure leaves the file as it was),
// then the file is written (atomically, keeping its mode) and, when
// anything changed and reload holds, the whole file is loaded again
// (sysctl -p, which sets every key in it). Failures carry sysctl's
// stdout and stderr as ansible's do; ignoreerrors is sysctl's -e, which
// ignores unknown keys only.
func (m *Sysctl) Apply(ctx context.Context, env *Env, p *Plan) (*Result, error) {
	c := p.Detail.(*sysctlChange)
	flag := ""
	if m.IgnoreErrors {
		flag = "-e "
	}
	const lang = "LANG=C LC_ALL=C LC_MESSAGES=C; export LANG LC_ALL LC_MESSAGES\n"
	if c.kernelChanged {
		res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: lang + fmt.Sprintf("sysctl %s-w %s", flag, connection.Quote(c.key+"="+c.want)),
			Env: env.Environment, Become: env.Become})
		if err != nil {
			return nil, err
		}
		if res.RC != 0 || sysctlStderrFailed(res.Stderr) {
			return Failf("setting %s failed: %s%s", c.key, res.Stdout, res.Stderr), nil
		}
	}
	reload := m.Reload && (c.fileChanged || c.kernelChanged)
	if !c.fileChanged && !reload {
		return p.Result, nil
	}
	var b strings.Builder
	var stdin *strings.Reader
	if c.fileChanged {
		stdin = strings.NewReader(c.after)
		fmt.Fprintf(&b, "f=%s; d=$(dirname -- \"$f\")\n", connection.Quote(m.SysctlFile))
		b.WriteString(connection.RecvScript(connection.UploadOf(c.after), 71))
		b.WriteString(`if [ -e "$f" ]; then chmod --reference="$f" "$t"; chown --reference="$f" "$t"; else chmod 0644 "$t"; fi
mv -f -- "$t" "$f" || exit 72
trap - EXIT
`)
	}
	if reload {
		// sysctl's own output, then its exit code on a line of ours
		b.WriteString(lang)
		fmt.Fprintf(&b, "sysctl %s-p %s; printf '\\n%s %%d\\n' $?\n", flag, connection.Quote(m.SysctlFile), sysctlRCMark)
	}
	cmd := &connection.Cmd{Command: b.String(), Env: env.Environment, Become: env.Become}
	if stdin != nil {
		cmd.Stdin = stdin
	}
	res, err := env.Conn.Exec(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	if reload {
		out, rc := splitRCMark(string(res.Stdout))
		if rc != 0 || sysctlStderrFailed(res.Stderr) {
			return Failf("Failed to reload sysctl: %s%s", out, res.Stderr), nil
		}
	}
	return p.Result, nil
}

const sysctlRCMark = "@@fjord-sysctl-rc"

// splitRCMark takes the exit code line the reload script ends its output
// with off out: sysctl's output and its exit code.
func splitRCMark(out string) (string, int) {
	i := strings.LastIndex(out, "\n"+sysctlRCMark+" ")
	if i < 0 {
		return out, -1
	}
	rc, err := strconv.Atoi(strings.TrimSpace(out[i+len(sysctlRCMark)+2:]))
	if err != nil {
		rc = -1
	}
	return out[:i], rc
}

// sysctlStderrFailed is ansible.posix.sysctl's _stderr_failed: sysctl
// can fail to set a value and exit 0, saying so on stderr.
func sysctlStderrFailed(stderr []byte) bool { return sysctlStderrRE.Match(stderr) }

var sysctlStderrRE = regexp.MustCompile(`(?m)^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$`)

// fixLines rewrites the file's text: the first line setting key gets the
// wanted value (or goes, for absent), later duplicates go, and a missing
// key is appended.
func (m *Sysctl) fixLines(text, key, want string) (string, bool) {
	var out bytes.Buffer
	found := false
	for _, line := range splitLines([]byte(text)) {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || t[0] == ';' || !strings.Contains(t, "=") {
			out.WriteString(line)
			continue
		}
		k, _, _ := strings.Cut(t, "=")
		if sysctlKey(k) != key {
			out.WriteString(line)
			continue
		}
		if m.State == "present" && !found {
			fmt.Fprintf(&out, "%s=%s\n", key, want)
		}
		found = true
	}
	if !found && m.State == "present" {
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		fmt.Fprintf(&out, "%s=%s\n", key, want)
	}
	// Compare by meaning: the same key set to the same value in an
	// equivalent spelling ("a = b") is no change.
	return out.String(), !sameSysctl(text, out.String())
}

func sameSysctl(a, b string) bool {
	norm := func(s string) []string {
		var l []string
		for _, line := range strings.Split(s, "\n") {
			t := strings.TrimSpace(line)
			if k, v, ok := strings.Cut(t, "="); ok && t[0] != '#' && t[0] != ';' {
				t = sysctlKey(k) + "=" + sysctlValue(v)
			}
			l = append(l, t)
		}
		for len(l) > 0 && l[len(l)-1] == "" {
			l = l[:len(l)-1]
		}
		return l
	}
	x, y := norm(a), norm(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

var _ Module = (*Sysctl)(nil)
var _ Validator = (*Sysctl)(nil)
var _ Planner = (*Sysctl)(nil)
