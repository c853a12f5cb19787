package modules

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "fjord.builtin.sysctl_iosched", Aliases: []string{"sysctl_iosched"},
		New: func() Module { return &SysctlIosched{} }, CheckMode: true,
	})
}

// SysctlIosched sets block devices' I/O scheduler and queue tunables in
// sysfs, keeps them across reboots and hot-plug with a udev rules file,
// and keeps the kernel tunables that go with them in a sysctl.d file.
type SysctlIosched struct {
	// Devices are kernel names or globs (sd*, nvme*n1); empty means every
	// non-virtual disk that has a queue/scheduler.
	Devices []string `arg:"devices"`
	// Scheduler is the wanted scheduler; the legacy names map to their
	// blk-mq successors on kernels that offer only those.
	Scheduler string `arg:"scheduler,choices=mq-deadline|none|bfq|kyber|deadline|noop|cfq"`
	// ReadAheadKB is the wanted queue/read_ahead_kb.
	ReadAheadKB *int `arg:"read_ahead_kb"`
	// NrRequests is the wanted queue/nr_requests.
	NrRequests *int `arg:"nr_requests"`
	// Sysctl are kernel tunables (key: value) kept in sysctl_file and set when they differ.
	Sysctl *value.Map `arg:"sysctl"`
	// SysctlFile is a name under /etc/sysctl.d (".conf" added when
	// missing) or an absolute path.
	SysctlFile string `arg:"sysctl_file,default=60-fjord-iosched.conf"`
	// Persist keeps the device settings in udev_rules_file, for reboots and hot-plug.
	Persist bool `arg:"persist,default=true"`
	// UdevRulesFile is the udev rules file persist writes.
	UdevRulesFile string `arg:"udev_rules_file,default=/etc/udev/rules.d/60-fjord-iosched.rules"`
	// Missing says what a device that does not exist or does not offer
	// the scheduler is: a failure, or skipped.
	Missing string `arg:"missing,default=fail,choices=fail|ignore"`
	// SysfsRoot is where sysfs is mounted; tests point it at a fake tree.
	SysfsRoot string `arg:"sysfs_root,default=/sys"`

	// applyCmd loads the sysctl file; the path is appended. Tests replace
	// it so they do not depend on being allowed to write /proc/sys.
	applyCmd string
}

// Validate implements Validator.
func (m *SysctlIosched) Validate() error {
	if m.Scheduler == "" && m.ReadAheadKB == nil && m.NrRequests == nil && (m.Sysctl == nil || m.Sysctl.Len() == 0) {
		return fmt.Errorf("one of the following is required: scheduler, read_ahead_kb, nr_requests, sysctl")
	}
	if m.ReadAheadKB != nil && *m.ReadAheadKB < 0 {
		return fmt.Errorf("read_ahead_kb must be 0 or more, got %d", *m.ReadAheadKB)
	}
	if m.NrRequests != nil && *m.NrRequests < 1 {
		return fmt.Errorf("nr_requests must be 1 or more, got %d", *m.NrRequests)
	}
	for i, d := range m.Devices {
		d = strings.TrimPrefix(strings.TrimSpace(d), "/dev/")
		if d == "" || strings.ContainsAny(d, "/\"\\ \t\n") {
			return fmt.Errorf("devices: %q is not a device name or glob", m.Devices[i])
		}
		if _, err := path.Match(d, ""); err != nil {
			return fmt.Errorf("devices: %q: %v", m.Devices[i], err)
		}
		m.Devices[i] = d
	}
	if !path.IsAbs(m.SysfsRoot) {
		return fmt.Errorf("sysfs_root must be an absolute path, got %q", m.SysfsRoot)
	}
	if m.Persist && !path.IsAbs(m.UdevRulesFile) {
		return fmt.Errorf("udev_rules_file must be an absolute path, got %q", m.UdevRulesFile)
	}
	if m.Sysctl != nil {
		for _, k := range m.Sysctl.Keys() {
			v, _ := m.Sysctl.Get(k)
			if k == "" || strings.ContainsAny(k, "= \t\n") || strings.Contains(value.String(v), "\n") {
				return fmt.Errorf("sysctl: %q: bad key or value", k)
			}
		}
	}
	if m.SysctlFile == "" || strings.HasSuffix(m.SysctlFile, "/") {
		return fmt.Errorf("sysctl_file must name a file, got %q", m.SysctlFile)
	}
	return nil
}

func (m *SysctlIosched) deviceSettings() bool {
	return m.Scheduler != "" || m.ReadAheadKB != nil || m.NrRequests != nil
}

func (m *SysctlIosched) sysctlPath() string {
	if path.IsAbs(m.SysctlFile) {
		return m.SysctlFile
	}
	f := m.SysctlFile
	if !strings.HasSuffix(f, ".conf") {
		f += ".conf"
	}
	return path.Join("/etc/sysctl.d", f)
}

// Run implements Module.
func (m *SysctlIosched) Run(ctx context.Context, env *Env) (*Result, error) {
	return Execute(ctx, env, m)
}

// Plan implements Planner: round trip 1 reads every device's queue, the
// rules and sysctl files and the running sysctl values.
func (m *SysctlIosched) Plan(ctx context.Context, env *Env) (*Plan, error) {
	res, err := hostRun(ctx, env, m.readScript(), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return &Plan{Result: cmdFailed(res, "")}, nil
	}
	p := m.plan(Sections(string(res.Stdout)))
	changed := p.changed()
	return &Plan{Changed: changed, Diff: p.diffs(), Result: m.result(&Result{Changed: changed}, p), Detail: p}, nil
}

// Apply implements Planner: round trip 2 writes what differs; a step
// that fails leaves its part unchanged and the result failed.
func (m *SysctlIosched) Apply(ctx context.Context, env *Env, pl *Plan) (*Result, error) {
	p := pl.Detail.(*ioschedPlan)
	res, err := hostRun(ctx, env, m.applyScript(p), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	p.applied(Sections(string(res.Stdout)))
	return m.result(&Result{Changed: p.changed(), Diff: pl.Result.Diff}, p), nil
}

// readScript prints "@@dev NAME" with the queue attributes of every entry
// of <sysfs>/block, then the files and sysctl values.
func (m *SysctlIosched) readScript() string {
	var b strings.Builder
	if m.deviceSettings() {
		fmt.Fprintf(&b, "root=%s\n", connection.Quote(path.Join(m.SysfsRoot, "block")))
		b.WriteString(`[ -d "$root" ] || echo @@noblock
for d in "$root"/*; do
	[ -e "$d" ] || continue
	echo "@@dev ${d##*/}"
	for a in scheduler read_ahead_kb nr_requests; do
		if [ -f "$d/queue/$a" ]; then printf '%s=%s\n' "$a" "$(cat -- "$d/queue/$a" 2>/dev/null)"; fi
	done
done
`)
		if m.Persist {
			readSection(&b, "rules", m.UdevRulesFile)
		}
	}
	if m.Sysctl != nil && m.Sysctl.Len() > 0 {
		readSection(&b, "sysctlfile", m.sysctlPath())
		for _, k := range m.Sysctl.Keys() {
			fmt.Fprintf(&b, "echo %s\nsysctl -n -e %s 2>/dev/null\n", connection.Quote("@@sysctl "+sysctlKey(k)), connection.Quote(sysctlKey(k)))
		}
	}
	b.WriteString("exit 0\n")
	return b.String()
}

// readSection prints a file as section name, followed by a newline that
// fileSection strips, so a last line without one stays apart from the
// next marker.
func readSection(b *strings.Builder, name, file string) {
	fmt.Fprintf(b, "if [ -f %[1]s ]; then echo @@%[2]s; cat -- %[1]s; echo; fi\n", connection.Quote(file), name)
}

func fileSection(sec map[string]string, name string) (string, bool) {
	s, ok := sec[name]
	if !ok {
		return "", false
	}
	return strings.TrimSuffix(s, "\n"), true
}

// applyScript writes what the plan changes. Each failing step prints
// "@@fail KEY" and its error; the other steps still run.
func (m *SysctlIosched) applyScript(p *ioschedPlan) string {
	var b strings.Builder
	b.WriteString(`w() {
	if ! err=$( { printf '%s\n' "$2" > "$1"; } 2>&1 ); then echo "@@fail $3"; printf '%s\n' "$err"; fi
}
`)
	for _, d := range p.devices {
		for _, wr := range d.writes {
			fmt.Fprintf(&b, "w %s %s %s\n", connection.Quote(path.Join(m.SysfsRoot, "block", d.name, "queue", wr.attr)),
				connection.Quote(wr.val), connection.Quote("dev "+d.name+" "+wr.attr))
		}
	}
	// put writes a file atomically; ok=0 when it failed, and "@@fail KEY"
	// says why.
	put := func(key, file, content string) {
		fmt.Fprintf(&b, "ok=1\nif ! err=$( ( %s) 2>&1 >/dev/null ); then ok=0; echo @@fail %s; printf '%%s\\n' \"$err\"; fi\n",
			connection.PutScript(file, connection.PutOptions{Follow: true, MakeDirs: true}, content), key)
	}
	if p.rules != nil && p.rules.changed() {
		put("rules", p.rules.path, p.rules.after)
	}
	if p.sysctl != nil {
		if p.sysctl.changed() {
			put("sysctlfile", p.sysctl.path, p.sysctl.after)
		} else {
			b.WriteString("ok=1\n")
		}
		if p.sysctlApply {
			cmd := m.applyCmd
			if cmd == "" {
				cmd = "sysctl -p"
			}
			// A file that could not be written is not loaded.
			fmt.Fprintf(&b, "if [ $ok = 1 ] && ! err=$(%s %s 2>&1); then echo @@fail sysctl; printf '%%s\\n' \"$err\"; fi\n", cmd, connection.Quote(p.sysctl.path))
		}
	}
	b.WriteString("exit 0\n")
	return b.String()
}

// result fills the return values.
func (m *SysctlIosched) result(r *Result, p *ioschedPlan) *Result {
	devs := value.NewMap(len(p.devices))
	var failed, msgs []string
	for _, d := range p.devices {
		devs.Set(d.name, d.data())
		if d.failed {
			failed = append(failed, d.name+": "+d.msg)
		} else if d.msg != "" {
			msgs = append(msgs, d.name+": "+d.msg)
		}
	}
	failed = append(failed, p.failures...)
	if m.deviceSettings() {
		r.Set("devices", devs)
	}
	if p.rules != nil {
		r.Set("rules_file", p.rules.path)
	}
	if p.sysctl != nil {
		r.Set("sysctl_file", p.sysctl.path)
	}
	notes := make([]any, len(p.notes))
	for i, n := range p.notes {
		notes[i] = n
	}
	r.Set("notes", notes)
	if len(notes) > 0 {
		// Ansible has no channel for notes; warnings are what the
		// console shows.
		r.Set("warnings", append([]any(nil), notes...))
	}
	switch {
	case len(failed) > 0:
		sort.Strings(failed)
		r.Failed = true
		r.Msg = strings.Join(failed, "; ")
	case len(msgs) > 0:
		r.Msg = strings.Join(msgs, "; ")
	case m.deviceSettings() && len(p.devices) == 0:
		r.Msg = "no disks found in " + p.blockDir
	case r.Changed:
		r.Msg = "I/O scheduler settings changed"
	default:
		r.Msg = "I/O scheduler settings already in place"
	}
	r.Set("msg", r.Msg)
	return r
}

var _ Module = (*SysctlIosched)(nil)
var _ Validator = (*SysctlIosched)(nil)
var _ Planner = (*SysctlIosched)(nil)
