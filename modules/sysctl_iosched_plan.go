package modules

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// ioschedPlan is what sysctl_iosched found and will change on one host.
type ioschedPlan struct {
	blockDir string
	devices  []*ioschedDev
	rules    *fileChange // nil: not managed
	sysctl   *fileChange // nil: not managed
	// running are the sysctl keys whose running value differs: key,
	// running value, wanted value.
	running     [][3]string
	sysctlApply bool
	applyFailed bool
	notes       []string
	failures    []string // file and sysctl failures
}

// fileChange is one managed file's content before and after.
type fileChange struct {
	path          string
	before, after string
	existed       bool
	failed        bool
}

func (f *fileChange) changed() bool { return !f.existed || f.before != f.after }

// ioschedDev is one device (or one pattern that matched none).
type ioschedDev struct {
	name      string
	attrs     map[string]string // queue attributes as read; absent when the file is
	available []string
	active    string
	want      string // the scheduler to set, legacy names resolved
	legacy    string // the legacy name want replaces
	writes    []*ioschedWrite
	failed    bool
	skipped   bool
	msg       string
}

type ioschedWrite struct {
	attr, val string
	failed    bool
}

func (d *ioschedDev) changed() bool {
	for _, w := range d.writes {
		if !w.failed {
			return true
		}
	}
	return false
}

// after is an attribute's value once the successful writes are done.
func (d *ioschedDev) after(attr string) (string, bool) {
	for _, w := range d.writes {
		if w.attr == attr && !w.failed {
			return w.val, true
		}
	}
	if attr == "scheduler" {
		return d.active, d.attrs != nil
	}
	v, ok := d.attrs[attr]
	return v, ok
}

func (d *ioschedDev) line(after bool) string {
	var b strings.Builder
	b.WriteString(d.name + ":")
	for _, a := range []string{"scheduler", "read_ahead_kb", "nr_requests"} {
		v, ok := d.attrs[a]
		if a == "scheduler" {
			v = d.active
		}
		if after {
			v, ok = d.after(a)
		}
		if ok {
			fmt.Fprintf(&b, " %s=%s", a, v)
		}
	}
	return b.String() + "\n"
}

func (d *ioschedDev) data() *value.Map {
	m := value.NewMap(12)
	num := func(s string, ok bool) any {
		if !ok {
			return nil
		}
		if i, err := strconv.Atoi(s); err == nil {
			return i
		}
		return s
	}
	if d.attrs != nil {
		av := make([]any, len(d.available))
		for i, a := range d.available {
			av[i] = a
		}
		_, hasSched := d.attrs["scheduler"]
		m.Set("scheduler_before", presentOrNil(d.active, hasSched))
		s, _ := d.after("scheduler")
		m.Set("scheduler", presentOrNil(s, hasSched))
		m.Set("available", av)
		ra, ok := d.attrs["read_ahead_kb"]
		m.Set("read_ahead_kb_before", num(ra, ok))
		m.Set("read_ahead_kb", num(d.after("read_ahead_kb")))
		nr, ok := d.attrs["nr_requests"]
		m.Set("nr_requests_before", num(nr, ok))
		m.Set("nr_requests", num(d.after("nr_requests")))
	}
	m.Set("changed", d.changed())
	m.Set("failed", d.failed)
	if d.skipped {
		m.Set("skipped", true)
	}
	m.Set("msg", d.msg)
	return m
}

func presentOrNil(s string, ok bool) any {
	if !ok || s == "" {
		return nil
	}
	return s
}

// parseScheduler reads a queue/scheduler file: "[mq-deadline] none" or
// "noop deadline [cfq]"; the bracketed name is active, and a lone name
// without brackets ("none") is active too.
func parseScheduler(s string) (available []string, active string) {
	for _, f := range strings.Fields(s) {
		if n, ok := strings.CutPrefix(f, "["); ok {
			f = strings.TrimSuffix(n, "]")
			active = f
		}
		available = append(available, f)
	}
	if active == "" && len(available) == 1 {
		active = available[0]
	}
	return available, active
}

// legacySchedulers maps the single-queue names to their blk-mq successors.
var legacySchedulers = map[string]string{"deadline": "mq-deadline", "noop": "none", "cfq": "bfq"}

// virtualDisk tells the entries of /sys/block that default device
// selection leaves alone.
func virtualDisk(name string) bool {
	for _, p := range []string{"loop", "ram", "zram", "dm-", "md", "sr", "nbd"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func (m *SysctlIosched) plan(sec map[string]string) *ioschedPlan {
	p := &ioschedPlan{blockDir: path.Join(m.SysfsRoot, "block")}
	if m.deviceSettings() {
		m.planDevices(p, sec)
	}
	if m.Sysctl != nil && m.Sysctl.Len() > 0 {
		m.planSysctl(p, sec)
	}
	return p
}

func (m *SysctlIosched) planDevices(p *ioschedPlan, sec map[string]string) {
	attrs := map[string]map[string]string{}
	var names []string
	for k, v := range sec {
		n, ok := strings.CutPrefix(k, "dev ")
		if !ok {
			continue
		}
		a := map[string]string{}
		for _, l := range strings.Split(v, "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				a[k] = strings.TrimSpace(v)
			}
		}
		attrs[n] = a
		names = append(names, n)
	}
	sort.Strings(names)
	_, noBlock := sec["noblock"]

	var patterns []string
	if len(m.Devices) == 0 {
		for _, n := range names {
			if _, ok := attrs[n]["scheduler"]; ok && !virtualDisk(n) {
				d := m.planDev(n, attrs[n])
				p.devices = append(p.devices, d)
				if !d.failed && !d.skipped {
					patterns = append(patterns, n)
				}
			}
		}
	} else {
		seen := map[string]bool{}
		for _, pat := range m.Devices {
			matched := false
			for _, n := range names {
				if ok, _ := path.Match(pat, n); !ok {
					continue
				}
				matched = true
				if !seen[n] {
					seen[n] = true
					p.devices = append(p.devices, m.planDev(n, attrs[n]))
				}
			}
			// A pattern that matches nothing today still gets its rule:
			// udev applies it when such a disk is plugged in.
			if !contains(patterns, pat) {
				patterns = append(patterns, pat)
			}
			if matched || seen[pat] {
				continue
			}
			seen[pat] = true
			msg := "device does not exist (no " + path.Join(p.blockDir, pat) + ")"
			switch {
			case noBlock:
				msg = p.blockDir + " does not exist"
			case strings.ContainsAny(pat, "*?["):
				msg = "no device matches " + pat + " in " + p.blockDir
			}
			p.devices = append(p.devices, m.unavailable(&ioschedDev{name: pat}, msg))
		}
	}

	// One note per legacy name, listing the devices it was mapped on.
	mapped := map[string][]string{}
	for _, d := range p.devices {
		if d.legacy != "" {
			k := d.legacy + " -> " + d.want
			mapped[k] = append(mapped[k], d.name)
		}
	}
	keys := make([]string, 0, len(mapped))
	for k := range mapped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		from, to, _ := strings.Cut(k, " -> ")
		p.notes = append(p.notes, fmt.Sprintf("scheduler %s is a legacy name that %s no longer offer%s; using its blk-mq successor %s",
			from, strings.Join(mapped[k], ", "), map[bool]string{true: "s", false: ""}[len(mapped[k]) == 1], to))
	}

	if m.Persist {
		f := &fileChange{path: m.UdevRulesFile}
		f.before, f.existed = fileSection(sec, "rules")
		f.after = m.rulesText(patterns, p.devices)
		p.rules = f
	}
}

// planDev decides one existing device's writes.
func (m *SysctlIosched) planDev(name string, attrs map[string]string) *ioschedDev {
	d := &ioschedDev{name: name, attrs: attrs}
	d.available, d.active = parseScheduler(attrs["scheduler"])
	schedChanges := false
	if m.Scheduler != "" {
		if _, ok := attrs["scheduler"]; !ok {
			return m.unavailable(d, "has no queue/scheduler")
		}
		switch to, legacy := legacySchedulers[m.Scheduler]; {
		case contains(d.available, m.Scheduler):
			d.want = m.Scheduler
		case legacy && contains(d.available, to):
			d.want, d.legacy = to, m.Scheduler
		default:
			return m.unavailable(d, fmt.Sprintf("scheduler %s is not offered (available: %s)", m.Scheduler, strings.Join(d.available, ", ")))
		}
		if d.active != d.want {
			d.writes = append(d.writes, &ioschedWrite{attr: "scheduler", val: d.want})
			schedChanges = true
		}
	}
	// nr_requests after the scheduler: switching schedulers resets it.
	for _, t := range []struct {
		attr string
		want *int
	}{{"nr_requests", m.NrRequests}, {"read_ahead_kb", m.ReadAheadKB}} {
		if t.want == nil {
			continue
		}
		cur, ok := attrs[t.attr]
		if !ok {
			d.writes = nil
			return m.unavailable(d, "has no queue/"+t.attr)
		}
		want := strconv.Itoa(*t.want)
		if cur != want || (schedChanges && t.attr == "nr_requests") {
			d.writes = append(d.writes, &ioschedWrite{attr: t.attr, val: want})
		}
	}
	return d
}

// unavailable marks a device that is missing or lacks what was asked
// for: failed, or skipped with missing=ignore.
func (m *SysctlIosched) unavailable(d *ioschedDev, msg string) *ioschedDev {
	d.writes = nil
	d.msg = msg
	if m.Missing == "ignore" {
		d.skipped = true
		d.msg = "skipped: " + msg
	} else {
		d.failed = true
	}
	return d
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

const ioschedRulesHeader = "# Managed by fjord (sysctl_iosched): block device I/O scheduler settings.\n# Local changes will be overwritten.\n"

// rulesText is the udev rules file: one rule per device pattern, for
// whole disks only, on add (boot, hot-plug) and change.
func (m *SysctlIosched) rulesText(patterns []string, devs []*ioschedDev) string {
	var b strings.Builder
	b.WriteString(ioschedRulesHeader)
	for _, pat := range patterns {
		fmt.Fprintf(&b, `ACTION=="add|change", SUBSYSTEM=="block", ENV{DEVTYPE}=="disk", KERNEL=="%s"`, pat)
		if m.Scheduler != "" {
			// The name this kernel uses, learnt from a matching disk.
			sched := m.Scheduler
			for _, d := range devs {
				if ok, _ := path.Match(pat, d.name); ok && d.want != "" {
					sched = d.want
					break
				}
			}
			fmt.Fprintf(&b, `, ATTR{queue/scheduler}="%s"`, sched)
		}
		if m.NrRequests != nil {
			fmt.Fprintf(&b, `, ATTR{queue/nr_requests}="%d"`, *m.NrRequests)
		}
		if m.ReadAheadKB != nil {
			fmt.Fprintf(&b, `, ATTR{queue/read_ahead_kb}="%d"`, *m.ReadAheadKB)
		}
		b.WriteString("\n")
	}
	return b.String()
}

const ioschedSysctlHeader = "# Managed by fjord (sysctl_iosched): kernel tunables for the I/O scheduler settings.\n# Local changes will be overwritten.\n"

func (m *SysctlIosched) planSysctl(p *ioschedPlan, sec map[string]string) {
	f := &fileChange{path: m.sysctlPath()}
	f.before, f.existed = fileSection(sec, "sysctlfile")
	var b strings.Builder
	b.WriteString(ioschedSysctlHeader)
	for _, k := range m.Sysctl.Keys() {
		v, _ := m.Sysctl.Get(k)
		key, want := sysctlKey(k), sysctlValue(value.String(v))
		fmt.Fprintf(&b, "%s = %s\n", key, want)
		if cur := sysctlValue(sec["sysctl "+key]); cur != want {
			p.running = append(p.running, [3]string{key, cur, want})
		}
	}
	f.after = b.String()
	p.sysctl = f
	p.sysctlApply = f.changed() || len(p.running) > 0
}

func (p *ioschedPlan) changed() bool {
	for _, d := range p.devices {
		if d.changed() {
			return true
		}
	}
	for _, f := range []*fileChange{p.rules, p.sysctl} {
		if f != nil && f.changed() && !f.failed {
			return true
		}
	}
	return p.sysctlApply && !p.applyFailed
}

// diffs are the per-device lines, the running sysctl values and the
// files, each when it changes.
func (p *ioschedPlan) diffs() []Diff {
	var out []Diff
	var before, after strings.Builder
	for _, d := range p.devices {
		if len(d.writes) > 0 {
			before.WriteString(d.line(false))
			after.WriteString(d.line(true))
		}
	}
	if before.Len() > 0 {
		out = append(out, Diff{BeforeHeader: p.blockDir, AfterHeader: p.blockDir, Before: before.String(), After: after.String()})
	}
	if len(p.running) > 0 {
		before.Reset()
		after.Reset()
		for _, r := range p.running {
			fmt.Fprintf(&before, "%s = %s\n", r[0], r[1])
			fmt.Fprintf(&after, "%s = %s\n", r[0], r[2])
		}
		out = append(out, Diff{BeforeHeader: "sysctl (running)", AfterHeader: "sysctl (running)", Before: before.String(), After: after.String()})
	}
	for _, f := range []*fileChange{p.rules, p.sysctl} {
		if f != nil && f.changed() {
			out = append(out, Diff{BeforeHeader: f.path, AfterHeader: f.path, Before: f.before, After: f.after})
		}
	}
	return out
}

// shellPrefix is how sh starts its own error messages ("/bin/sh: 2: "),
// noise in a message about a sysfs write.
var shellPrefix = regexp.MustCompile(`(?m)^(/bin/)?(ba|da)?sh: (line )?\d+: `)

// applied records the failures the apply script reported.
func (p *ioschedPlan) applied(sec map[string]string) {
	for k, v := range sec {
		what, ok := strings.CutPrefix(k, "fail ")
		if !ok {
			continue
		}
		why := strings.TrimSpace(shellPrefix.ReplaceAllString(v, ""))
		switch what {
		case "rules":
			p.rules.failed = true
			p.failures = append(p.failures, "writing "+p.rules.path+": "+why)
		case "sysctlfile":
			p.sysctl.failed = true
			p.failures = append(p.failures, "writing "+p.sysctl.path+": "+why)
		case "sysctl":
			p.applyFailed = true
			p.failures = append(p.failures, "loading "+p.sysctl.path+": "+why)
		default:
			f := strings.Fields(strings.TrimPrefix(what, "dev "))
			if len(f) != 2 {
				continue
			}
			for _, d := range p.devices {
				if d.name != f[0] {
					continue
				}
				for _, w := range d.writes {
					if w.attr == f[1] {
						w.failed = true
					}
				}
				d.failed = true
				if d.msg != "" {
					d.msg += "; "
				}
				d.msg += fmt.Sprintf("writing queue/%s: %s", f[1], why)
			}
		}
	}
}
