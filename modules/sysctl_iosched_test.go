package modules

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/internal/testgate"
	"github.com/fjord-run/fjord/value"
)

// fakeDisk is one entry of a fake <sysfs>/block; an empty field means
// the queue file is absent.
type fakeDisk struct {
	sched, readAhead, nrRequests string
}

// sysfsTree builds <dir>/sys/block/<name>/queue/... and returns the sysfs
// root. The files are plain files: a write replaces the content, so a
// written scheduler reads back as a lone name without brackets, which the
// module takes as active (that format is tested in its own right).
func sysfsTree(t *testing.T, disks map[string]fakeDisk) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "sys")
	for name, d := range disks {
		q := filepath.Join(root, "block", name, "queue")
		if err := os.MkdirAll(q, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, v := range map[string]string{"scheduler": d.sched, "read_ahead_kb": d.readAhead, "nr_requests": d.nrRequests} {
			if v != "" {
				putFile(t, filepath.Join(q, f), v+"\n", 0o644)
			}
		}
	}
	return root
}

func queueFile(t *testing.T, root, dev, attr string) string {
	t.Helper()
	return strings.TrimSpace(readFile(t, filepath.Join(root, "block", dev, "queue", attr)))
}

// runIosched runs sysctl_iosched with apply as the command that loads
// the sysctl file ("" for the real `sysctl -p`).
func runIosched(t *testing.T, env *Env, apply string, kv ...any) *Result {
	t.Helper()
	info, ok := Lookup("sysctl_iosched")
	if !ok {
		t.Fatal("sysctl_iosched not registered")
	}
	m, err := Decode(info, value.MapOf(kv...))
	if err != nil {
		t.Fatal(err)
	}
	m.(*SysctlIosched).applyCmd = apply
	r, err := m.Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func devResult(t *testing.T, r *Result, dev string) *value.Map {
	t.Helper()
	devs, ok := get(r, "devices").(*value.Map)
	if !ok {
		t.Fatalf("no devices in result: %+v", r)
	}
	d, ok := devs.Get(dev)
	if !ok {
		t.Fatalf("device %s not in result: %v", dev, devs.Keys())
	}
	return d.(*value.Map)
}

func dget(m *value.Map, k string) any {
	v, _ := m.Get(k)
	return v
}

func TestIoschedRegistered(t *testing.T) {
	a, ok1 := Lookup("sysctl_iosched")
	b, ok2 := Lookup("fjord.builtin.sysctl_iosched")
	c, ok3 := Lookup("ansible.legacy.sysctl_iosched")
	if !ok1 || !ok2 || !ok3 || a != b || b != c || a.ID != "fjord.builtin.sysctl_iosched" || !a.CheckMode {
		t.Fatalf("lookup: %v %v %v", ok1, ok2, ok3)
	}
}

func TestParseScheduler(t *testing.T) {
	for _, c := range []struct {
		in     string
		avail  []string
		active string
	}{
		{"[mq-deadline] kyber bfq none\n", []string{"mq-deadline", "kyber", "bfq", "none"}, "mq-deadline"},
		{"none [mq-deadline]", []string{"none", "mq-deadline"}, "mq-deadline"},
		{"noop deadline [cfq] ", []string{"noop", "deadline", "cfq"}, "cfq"},
		{"[none]", []string{"none"}, "none"},
		{"none", []string{"none"}, "none"},
		{"none mq-deadline", []string{"none", "mq-deadline"}, ""},
		{"", nil, ""},
	} {
		avail, active := parseScheduler(c.in)
		if !reflect.DeepEqual(avail, c.avail) || active != c.active {
			t.Errorf("%q: got %v %q, want %v %q", c.in, avail, active, c.avail, c.active)
		}
	}
}

// Every scheduler file format, run through the module: the active name is
// recognised (no write when it is the wanted one), a different one is
// written, and the second run is a no-op in one round trip.
func TestIoschedSchedulerFormats(t *testing.T) {
	for _, c := range []struct {
		file, want string
		changed    bool
		after      string // file content after the run
	}{
		{"[mq-deadline] kyber bfq none", "mq-deadline", false, "[mq-deadline] kyber bfq none"},
		{"[mq-deadline] kyber bfq none", "kyber", true, "kyber"},
		{"none [mq-deadline]", "none", true, "none"},
		{"none [mq-deadline]", "mq-deadline", false, "none [mq-deadline]"},
		{"noop deadline [cfq]", "deadline", true, "deadline"}, // the legacy name is offered: used as is
		{"noop deadline [cfq]", "cfq", false, "noop deadline [cfq]"},
		{"[none]", "none", false, "[none]"},
		{"none", "none", false, "none"},
	} {
		t.Run(c.file+"->"+c.want, func(t *testing.T) {
			root := sysfsTree(t, map[string]fakeDisk{"sda": {sched: c.file}})
			env, cnt := testEnv(t, t.TempDir())
			args := []any{"scheduler", c.want, "sysfs_root", root, "persist", false}
			r := runIosched(t, env, "", args...)
			if r.Failed || r.Changed != c.changed {
				t.Fatalf("changed=%v failed=%v msg=%q", r.Changed, r.Failed, r.Msg)
			}
			if got := queueFile(t, root, "sda", "scheduler"); got != c.after {
				t.Fatalf("scheduler file %q, want %q", got, c.after)
			}
			d := devResult(t, r, "sda")
			_, active := parseScheduler(c.file)
			if dget(d, "scheduler_before") != active || dget(d, "scheduler") != c.want || dget(d, "changed") != c.changed {
				t.Fatalf("device result %v", d)
			}
			if len(get(r, "notes").([]any)) != 0 {
				t.Fatalf("unexpected notes %v", get(r, "notes"))
			}
			cnt.Reset()
			if r := runIosched(t, env, "", args...); r.Changed || r.Failed || cnt.Count() != 1 {
				t.Fatalf("second run changed=%v failed=%v trips=%d", r.Changed, r.Failed, cnt.Count())
			}
		})
	}
}

// Legacy names map to their blk-mq successors when the device offers only
// those, with a note (also shown as a warning) naming the devices.
func TestIoschedLegacyMapping(t *testing.T) {
	for _, c := range []struct{ legacy, mq string }{{"deadline", "mq-deadline"}, {"noop", "none"}, {"cfq", "bfq"}} {
		t.Run(c.legacy, func(t *testing.T) {
			root := sysfsTree(t, map[string]fakeDisk{
				"vda": {sched: "[none] mq-deadline kyber bfq"},
				"vdb": {sched: "[none] mq-deadline kyber bfq"},
			})
			env, _ := testEnv(t, t.TempDir())
			r := runIosched(t, env, "", "scheduler", c.legacy, "sysfs_root", root, "persist", false)
			if r.Failed {
				t.Fatal(r.Msg)
			}
			for _, dev := range []string{"vda", "vdb"} {
				want := c.mq
				if c.mq == "none" {
					want = "[none] mq-deadline kyber bfq" // already active: untouched
				}
				if got := queueFile(t, root, dev, "scheduler"); got != want {
					t.Fatalf("%s: %q, want %q", dev, got, want)
				}
				if s := dget(devResult(t, r, dev), "scheduler"); s != c.mq {
					t.Fatalf("%s: result scheduler %v", dev, s)
				}
			}
			notes := get(r, "notes").([]any)
			want := "scheduler " + c.legacy + " is a legacy name that vda, vdb no longer offer; using its blk-mq successor " + c.mq
			if len(notes) != 1 || notes[0] != want {
				t.Fatalf("notes %q, want %q", notes, want)
			}
			if w := get(r, "warnings").([]any); len(w) != 1 || w[0] != want {
				t.Fatalf("warnings %q", w)
			}
		})
	}
}

var selectionTree = map[string]fakeDisk{
	"sda":     {sched: "[mq-deadline] none", readAhead: "128"},
	"sdb":     {sched: "[mq-deadline] none", readAhead: "128"},
	"vda":     {sched: "[mq-deadline] none", readAhead: "128"},
	"nvme0n1": {sched: "[none] mq-deadline", readAhead: "128"},
	"nvme1n1": {sched: "[none] mq-deadline", readAhead: "128"},
	"nvme0c0": {readAhead: "128"}, // no queue/scheduler: never a default pick
	"loop0":   {sched: "[none] mq-deadline", readAhead: "128"},
	"ram0":    {sched: "[none] mq-deadline", readAhead: "128"},
	"zram0":   {sched: "[none] mq-deadline", readAhead: "128"},
	"dm-0":    {sched: "[none] mq-deadline", readAhead: "128"},
	"md0":     {sched: "[none] mq-deadline", readAhead: "128"},
	"sr0":     {sched: "[none] mq-deadline", readAhead: "128"},
	"nbd0":    {sched: "[none] mq-deadline", readAhead: "128"},
}

// The default picks real disks with a scheduler and leaves virtual ones
// alone; globs, plain names and /dev/ paths pick what they name.
func TestIoschedDeviceSelection(t *testing.T) {
	for _, c := range []struct {
		name    string
		devices []any
		want    []string
	}{
		{"default", nil, []string{"nvme0n1", "nvme1n1", "sda", "sdb", "vda"}},
		{"globs", []any{"vd*", "nvme*n1"}, []string{"vda", "nvme0n1", "nvme1n1"}},
		{"names", []any{"/dev/sdb", "loop0"}, []string{"sdb", "loop0"}},
		{"overlap", []any{"sd?", "sda"}, []string{"sda", "sdb"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := sysfsTree(t, selectionTree)
			env, _ := testEnv(t, t.TempDir())
			args := []any{"read_ahead_kb", 4096, "sysfs_root", root, "persist", false}
			if c.devices != nil {
				args = append(args, "devices", c.devices)
			}
			r := runIosched(t, env, "", args...)
			if r.Failed || !r.Changed {
				t.Fatalf("failed=%v changed=%v %s", r.Failed, r.Changed, r.Msg)
			}
			if got := get(r, "devices").(*value.Map).Keys(); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("devices %v, want %v", got, c.want)
			}
			for name := range selectionTree {
				want := "128"
				if contains(c.want, name) {
					want = "4096"
				}
				if got := queueFile(t, root, name, "read_ahead_kb"); got != want {
					t.Errorf("%s read_ahead_kb %s, want %s", name, got, want)
				}
			}
		})
	}
}

// A change costs two round trips, no change one; the rules file, the
// sysctl file and the sysctl load happen only when something differs.
func TestIoschedIdempotent(t *testing.T) {
	root := sysfsTree(t, map[string]fakeDisk{
		"vda": {sched: "[none] mq-deadline", readAhead: "128", nrRequests: "256"},
		"vdb": {sched: "none [mq-deadline]", readAhead: "4096", nrRequests: "64"},
	})
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.d", "60-io.rules") // rules.d does not exist yet
	sysctlConf := filepath.Join(dir, "99-io.conf")
	apply, log := fakeApply(t, dir)
	env, cnt := testEnv(t, dir)
	args := []any{"devices", []any{"vd*"}, "scheduler", "mq-deadline", "read_ahead_kb", "4096", "nr_requests", 64,
		"sysfs_root", root, "udev_rules_file", rules, "sysctl_file", sysctlConf,
		"sysctl", value.MapOf("vm.swappiness", 1, "vm.dirty_ratio", "10")}

	r := runIosched(t, env, apply, args...)
	if !r.Changed || r.Failed || cnt.Count() != 2 {
		t.Fatalf("first run: changed=%v failed=%v trips=%d msg=%s", r.Changed, r.Failed, cnt.Count(), r.Msg)
	}
	for _, dev := range []string{"vda", "vdb"} {
		for attr, want := range map[string]string{"scheduler": "mq-deadline", "read_ahead_kb": "4096", "nr_requests": "64"} {
			if got := queueFile(t, root, dev, attr); got != want && !(dev == "vdb" && attr == "scheduler" && got == "none [mq-deadline]") {
				t.Errorf("%s %s = %q, want %q", dev, attr, got, want)
			}
		}
	}
	vda, vdb := devResult(t, r, "vda"), devResult(t, r, "vdb")
	if dget(vda, "scheduler_before") != "none" || dget(vda, "read_ahead_kb_before") != 128 || dget(vda, "nr_requests_before") != 256 ||
		dget(vda, "nr_requests") != 64 || dget(vda, "changed") != true || !reflect.DeepEqual(dget(vda, "available"), []any{"none", "mq-deadline"}) {
		t.Errorf("vda result %v", vda)
	}
	// vdb already had everything; its file was not even rewritten.
	if dget(vdb, "changed") != false || queueFile(t, root, "vdb", "scheduler") != "none [mq-deadline]" {
		t.Errorf("vdb result %v", vdb)
	}
	wantRules := ioschedRulesHeader +
		`ACTION=="add|change", SUBSYSTEM=="block", ENV{DEVTYPE}=="disk", KERNEL=="vd*", ATTR{queue/scheduler}="mq-deadline", ATTR{queue/nr_requests}="64", ATTR{queue/read_ahead_kb}="4096"` + "\n"
	if got := readFile(t, rules); got != wantRules {
		t.Errorf("rules file:\n%s\nwant:\n%s", got, wantRules)
	}
	if got, want := readFile(t, sysctlConf), ioschedSysctlHeader+"vm.swappiness = 1\nvm.dirty_ratio = 10\n"; got != want {
		t.Errorf("sysctl file %q, want %q", got, want)
	}
	if got := readFile(t, log); got != sysctlConf+"\n" {
		t.Errorf("apply log %q: the file should have been loaded once", got)
	}
	if get(r, "rules_file") != rules || get(r, "sysctl_file") != sysctlConf {
		t.Errorf("rules_file %v sysctl_file %v", get(r, "rules_file"), get(r, "sysctl_file"))
	}

	// Device settings and rules file alone are in place: one round trip.
	cnt.Reset()
	noSysctl := args[:len(args)-2]
	if r := runIosched(t, env, apply, noSysctl...); r.Changed || r.Failed || cnt.Count() != 1 {
		t.Fatalf("second run: changed=%v failed=%v trips=%d msg=%s", r.Changed, r.Failed, cnt.Count(), r.Msg)
	}

	// The fake apply left the kernel alone, so the running values still
	// differ from the file: the file stays, the load runs again.
	cnt.Reset()
	env.Diff = true
	r = runIosched(t, env, apply, args...)
	if !r.Changed || r.Failed || cnt.Count() != 2 || len(r.Diff) != 1 || r.Diff[0].BeforeHeader != "sysctl (running)" ||
		!strings.Contains(r.Diff[0].After, "vm.swappiness = 1\n") {
		t.Fatalf("running differs: changed=%v trips=%d diff=%+v", r.Changed, cnt.Count(), r.Diff)
	}
	if got := readFile(t, log); got != sysctlConf+"\n"+sysctlConf+"\n" {
		t.Errorf("apply log %q: want a second load", got)
	}

	// File and kernel agree (the dict asks for the running values): one
	// round trip, no load.
	cnt.Reset()
	r = runIosched(t, env, apply, withRunningSysctl(t, args)...)
	if r.Changed || r.Failed || cnt.Count() != 1 || len(r.Diff) != 0 {
		t.Fatalf("in agreement: changed=%v failed=%v trips=%d msg=%s diff=%+v", r.Changed, r.Failed, cnt.Count(), r.Msg, r.Diff)
	}
	if strings.Count(readFile(t, log), "\n") != 2 {
		t.Errorf("apply ran again: %q", readFile(t, log))
	}
}

// withRunningSysctl swaps the sysctl dict for the running values of the
// same keys and writes the file those values give, so a second run sees
// file and kernel in agreement without the test writing /proc/sys.
func withRunningSysctl(t *testing.T, args []any) []any {
	t.Helper()
	out := append([]any(nil), args...)
	running := value.NewMap(2)
	var file string
	for i := 0; i < len(out); i += 2 {
		switch out[i] {
		case "sysctl":
			for _, k := range out[i+1].(*value.Map).Keys() {
				running.Set(k, strings.TrimSpace(readFile(t, "/proc/sys/"+strings.ReplaceAll(k, ".", "/"))))
			}
			out[i+1] = running
		case "sysctl_file":
			file = out[i+1].(string)
		}
	}
	var b strings.Builder
	b.WriteString(ioschedSysctlHeader)
	for _, k := range running.Keys() {
		v, _ := running.Get(k)
		b.WriteString(k + " = " + v.(string) + "\n")
	}
	putFile(t, file, b.String(), 0o644)
	return out
}

// fakeApply is a stand-in for `sysctl -p` that logs the file it was given.
func fakeApply(t *testing.T, dir string) (cmd, log string) {
	t.Helper()
	log = filepath.Join(dir, "apply.log")
	cmd = filepath.Join(dir, "apply.sh")
	putFile(t, log, "", 0o644)
	putFile(t, cmd, "#!/bin/sh\necho \"$1\" >> "+connection.Quote(log)+"\n", 0o755)
	return cmd, log
}

// treeSnapshot reads every file under dir, to prove check mode wrote
// nothing.
func treeSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Check mode predicts the change, with diff shows the device lines and
// both files, and touches nothing; the real run then does what was shown.
func TestIoschedCheckDiff(t *testing.T) {
	dir := t.TempDir()
	root := sysfsTree(t, map[string]fakeDisk{
		"sda": {sched: "[none] mq-deadline", readAhead: "128"},
		"sdb": {sched: "none [mq-deadline]", readAhead: "128"},
	})
	rules := filepath.Join(dir, "60-io.rules")
	putFile(t, rules, "# old\n", 0o644)
	sysctlConf := filepath.Join(dir, "sysctl.d", "io.conf")
	apply, log := fakeApply(t, dir)
	before := treeSnapshot(t, filepath.Dir(root))
	beforeDir := treeSnapshot(t, dir)

	env, cnt := testEnv(t, dir)
	env.Check, env.Diff = true, true
	args := []any{"scheduler", "mq-deadline", "read_ahead_kb", 256, "sysfs_root", root, "udev_rules_file", rules,
		"sysctl_file", sysctlConf, "sysctl", value.MapOf("vm.swappiness", 1)}
	r := runIosched(t, env, apply, args...)
	if !r.Changed || r.Failed || cnt.Count() != 1 {
		t.Fatalf("check: changed=%v failed=%v trips=%d %s", r.Changed, r.Failed, cnt.Count(), r.Msg)
	}
	if got := treeSnapshot(t, filepath.Dir(root)); !reflect.DeepEqual(got, before) {
		t.Fatalf("check mode changed sysfs: %v", got)
	}
	if got := treeSnapshot(t, dir); !reflect.DeepEqual(got, beforeDir) {
		t.Fatalf("check mode changed files: %v", got)
	}
	if len(r.Diff) != 4 {
		t.Fatalf("want 4 diffs (devices, running sysctl, rules, sysctl file), got %+v", r.Diff)
	}
	blockDir := filepath.Join(root, "block")
	want := []Diff{
		{BeforeHeader: blockDir, AfterHeader: blockDir,
			Before: "sda: scheduler=none read_ahead_kb=128\nsdb: scheduler=mq-deadline read_ahead_kb=128\n",
			After:  "sda: scheduler=mq-deadline read_ahead_kb=256\nsdb: scheduler=mq-deadline read_ahead_kb=256\n"},
		{BeforeHeader: rules, AfterHeader: rules, Before: "# old\n", After: ioschedRulesHeader +
			`ACTION=="add|change", SUBSYSTEM=="block", ENV{DEVTYPE}=="disk", KERNEL=="sda", ATTR{queue/scheduler}="mq-deadline", ATTR{queue/read_ahead_kb}="256"` + "\n" +
			`ACTION=="add|change", SUBSYSTEM=="block", ENV{DEVTYPE}=="disk", KERNEL=="sdb", ATTR{queue/scheduler}="mq-deadline", ATTR{queue/read_ahead_kb}="256"` + "\n"},
		{BeforeHeader: sysctlConf, AfterHeader: sysctlConf, Before: "", After: ioschedSysctlHeader + "vm.swappiness = 1\n"},
	}
	got := []Diff{r.Diff[0], r.Diff[2], r.Diff[3]}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("diffs:\n%+v\nwant:\n%+v", got, want)
	}
	if r.Diff[1].BeforeHeader != "sysctl (running)" || r.Diff[1].After != "vm.swappiness = 1\n" {
		t.Fatalf("running diff %+v", r.Diff[1])
	}
	if d := devResult(t, r, "sda"); dget(d, "changed") != true || dget(d, "scheduler") != "mq-deadline" || dget(d, "read_ahead_kb") != 256 {
		t.Fatalf("predicted sda %v", d)
	}

	// The real run does what check mode predicted.
	env.Check = false
	r = runIosched(t, env, apply, args...)
	if !r.Changed || r.Failed {
		t.Fatalf("run: %s", r.Msg)
	}
	if readFile(t, rules) != want[1].After || readFile(t, sysctlConf) != want[2].After || readFile(t, log) != sysctlConf+"\n" {
		t.Fatal("files differ from the check-mode diff")
	}
	if queueFile(t, root, "sda", "scheduler") != "mq-deadline" || queueFile(t, root, "sdb", "read_ahead_kb") != "256" {
		t.Fatal("sysfs differs from the check-mode diff")
	}
}

// A device that does not exist, or lacks the scheduler, fails the task
// with a message naming it, but every other device is still done; with
// missing=ignore it is skipped instead.
func TestIoschedMissing(t *testing.T) {
	for _, missing := range []string{"fail", "ignore"} {
		t.Run(missing, func(t *testing.T) {
			root := sysfsTree(t, map[string]fakeDisk{
				"sda":  {sched: "[none] mq-deadline"},
				"sdb":  {sched: "[none] mq-deadline"},
				"sdc":  {sched: "[none] kyber"},
				"vda":  {readAhead: "128"},
				"vdb1": {}, // no queue at all
			})
			env, cnt := testEnv(t, t.TempDir())
			r := runIosched(t, env, "", "devices", []any{"sdz", "sd*", "vd*", "nvme*"}, "scheduler", "mq-deadline",
				"sysfs_root", root, "persist", false, "missing", missing)
			if cnt.Count() != 2 || !r.Changed {
				t.Fatalf("other devices not done: changed=%v trips=%d", r.Changed, cnt.Count())
			}
			for _, dev := range []string{"sda", "sdb"} {
				if queueFile(t, root, dev, "scheduler") != "mq-deadline" {
					t.Fatalf("%s not set", dev)
				}
			}
			if queueFile(t, root, "sdc", "scheduler") != "[none] kyber" {
				t.Fatal("sdc was written")
			}
			msgs := map[string]string{
				"sdz":   "device does not exist (no " + filepath.Join(root, "block", "sdz") + ")",
				"sdc":   "scheduler mq-deadline is not offered (available: none, kyber)",
				"vda":   "has no queue/scheduler",
				"vdb1":  "has no queue/scheduler",
				"nvme*": "no device matches nvme* in " + filepath.Join(root, "block"),
			}
			var parts []string
			for dev, msg := range msgs {
				d := devResult(t, r, dev)
				wantMsg := msg
				if missing == "ignore" {
					wantMsg = "skipped: " + msg
				}
				if dget(d, "msg") != wantMsg || dget(d, "failed") != (missing == "fail") || dget(d, "changed") != false {
					t.Errorf("%s: %v", dev, d)
				}
				parts = append(parts, dev+": "+msg)
			}
			if missing == "fail" {
				for _, p := range parts {
					if !r.Failed || !strings.Contains(r.Msg, p) {
						t.Errorf("msg %q lacks %q", r.Msg, p)
					}
				}
			} else if r.Failed || dget(devResult(t, r, "sdz"), "skipped") != true {
				t.Errorf("ignore: failed=%v %s", r.Failed, r.Msg)
			}
		})
	}
}

// A write the kernel refuses fails that device only; the others and the
// rules file are still written, and changed reports what happened.
func TestIoschedWriteFailure(t *testing.T) {
	if _, err := os.ReadFile("/proc/version"); err != nil {
		t.Skip("needs /proc/version, a file nobody may write")
	}
	root := sysfsTree(t, map[string]fakeDisk{
		"sda": {sched: "[none] mq-deadline", nrRequests: "64"},
		"sdb": {sched: "[none] mq-deadline"},
	})
	// sdb's nr_requests reads "Linux version ..." and refuses writes, even
	// from root.
	if err := os.Symlink("/proc/version", filepath.Join(root, "block", "sdb", "queue", "nr_requests")); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(t.TempDir(), "io.rules")
	env, cnt := testEnv(t, t.TempDir())
	r := runIosched(t, env, "", "scheduler", "mq-deadline", "nr_requests", 32, "sysfs_root", root, "udev_rules_file", rules)
	if !r.Failed || !r.Changed || cnt.Count() != 2 {
		t.Fatalf("failed=%v changed=%v trips=%d", r.Failed, r.Changed, cnt.Count())
	}
	t.Logf("msg: %s", r.Msg)
	if !strings.HasPrefix(r.Msg, "sdb: writing queue/nr_requests: ") {
		t.Fatalf("msg %q", r.Msg)
	}
	sdb := devResult(t, r, "sdb")
	if dget(sdb, "failed") != true || dget(sdb, "changed") != true || dget(sdb, "scheduler") != "mq-deadline" {
		t.Fatalf("sdb %v: scheduler written, nr_requests failed", sdb)
	}
	if queueFile(t, root, "sda", "nr_requests") != "32" || queueFile(t, root, "sdb", "scheduler") != "mq-deadline" {
		t.Fatal("the writes that could succeed were not done")
	}
	if !strings.Contains(readFile(t, rules), `KERNEL=="sdb"`) {
		t.Fatal("rules file not written")
	}
}

// persist=false leaves the rules file alone and does not report one.
func TestIoschedNoPersist(t *testing.T) {
	root := sysfsTree(t, map[string]fakeDisk{"sda": {sched: "[none] mq-deadline"}})
	rules := filepath.Join(t.TempDir(), "io.rules")
	env, _ := testEnv(t, t.TempDir())
	r := runIosched(t, env, "", "scheduler", "mq-deadline", "sysfs_root", root, "udev_rules_file", rules, "persist", false)
	if !r.Changed || r.Failed || get(r, "rules_file") != nil {
		t.Fatalf("changed=%v failed=%v rules_file=%v", r.Changed, r.Failed, get(r, "rules_file"))
	}
	if _, err := os.Stat(rules); !os.IsNotExist(err) {
		t.Fatalf("rules file written: %v", err)
	}
}

// The real `sysctl -p` loads the file, as root, with vm.swappiness at the
// value it already has: the kernel is written but not changed.
func TestIoschedSysctlApplyReal(t *testing.T) {
	const proc = "/proc/sys/vm/swappiness"
	cur, err := os.ReadFile(proc)
	if err == nil && os.Geteuid() == 0 {
		err = os.WriteFile(proc, cur, 0o644) // writable /proc/sys, not just root
	} else if err == nil {
		err = os.ErrPermission
	}
	if err != nil {
		testgate.Unavailable(t, "needs root and a writable %s: %v", proc, err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "60-io.conf")
	env, cnt := testEnv(t, dir)
	args := []any{"sysctl", value.MapOf("vm.swappiness", strings.TrimSpace(string(cur))), "sysctl_file", conf}
	r := runIosched(t, env, "", args...)
	if !r.Changed || r.Failed || cnt.Count() != 2 || get(r, "devices") != nil {
		t.Fatalf("first: changed=%v failed=%v trips=%d %s", r.Changed, r.Failed, cnt.Count(), r.Msg)
	}
	if !strings.Contains(strings.Join(cnt.Commands, "\n"), "sysctl -p "+connection.Quote(conf)) {
		t.Fatal("sysctl -p not run on the file")
	}
	cnt.Reset()
	if r := runIosched(t, env, "", args...); r.Changed || r.Failed || cnt.Count() != 1 {
		t.Fatalf("second: changed=%v failed=%v trips=%d", r.Changed, r.Failed, cnt.Count())
	}
	// A key the kernel does not have fails the load, with sysctl's words.
	args = []any{"sysctl", value.MapOf("vm.no_such_knob_fjord", 1), "sysctl_file", filepath.Join(dir, "bad.conf")}
	r = runIosched(t, env, "", args...)
	t.Logf("msg: %s", r.Msg)
	if !r.Failed || !strings.Contains(r.Msg, "loading "+filepath.Join(dir, "bad.conf")+": ") {
		t.Fatalf("bad key: failed=%v %s", r.Failed, r.Msg)
	}
}

func TestIoschedArgErrors(t *testing.T) {
	env, _ := testEnv(t, t.TempDir())
	for _, c := range []struct {
		args []any
		want string
	}{
		{[]any{"devices", "sda"}, "one of the following is required: scheduler, read_ahead_kb, nr_requests, sysctl"},
		{[]any{"scheduler", "anticipatory"}, "value of scheduler must be one of: mq-deadline, none, bfq, kyber, deadline, noop, cfq, got: anticipatory"},
		{[]any{"scheduler", "none", "missing", "warn"}, "value of missing must be one of: fail, ignore"},
		{[]any{"read_ahead_kb", -1}, "read_ahead_kb must be 0 or more"},
		{[]any{"nr_requests", 0}, "nr_requests must be 1 or more"},
		{[]any{"scheduler", "none", "devices", []any{"sd[a"}}, "syntax error in pattern"},
		{[]any{"scheduler", "none", "devices", []any{"sda/queue"}}, "is not a device name or glob"},
		{[]any{"scheduler", "none", "sysfs_root", "sys"}, "sysfs_root must be an absolute path"},
		{[]any{"scheduler", "none", "udev_rules_file", "x.rules"}, "udev_rules_file must be an absolute path"},
		{[]any{"sysctl", value.MapOf("vm swappiness", 1)}, "bad key or value"},
		{[]any{"scheduler", "none", "bogus", 1}, "Unsupported parameters for (ansible.legacy.sysctl_iosched) module: bogus"},
	} {
		if _, err := tryRun(env, "sysctl_iosched", c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
	var m SysctlIosched
	for _, c := range []struct{ in, want string }{
		{"60-fjord-iosched.conf", "/etc/sysctl.d/60-fjord-iosched.conf"},
		{"db", "/etc/sysctl.d/db.conf"},
		{"/etc/sysctl.conf", "/etc/sysctl.conf"},
	} {
		if m.SysctlFile = c.in; m.sysctlPath() != c.want {
			t.Errorf("sysctl_file %q: %q, want %q", c.in, m.sysctlPath(), c.want)
		}
	}
}

// A host with no real disks (a container) is no failure by default; a
// named device where sysfs has no block directory is, in those words.
func TestIoschedNoDisks(t *testing.T) {
	root := sysfsTree(t, map[string]fakeDisk{"loop0": {sched: "[none]"}})
	env, _ := testEnv(t, t.TempDir())
	r := runIosched(t, env, "", "scheduler", "mq-deadline", "sysfs_root", root, "persist", false)
	if r.Failed || r.Changed || r.Msg != "no disks found in "+filepath.Join(root, "block") {
		t.Fatalf("failed=%v changed=%v %q", r.Failed, r.Changed, r.Msg)
	}
	empty := t.TempDir()
	r = runIosched(t, env, "", "devices", "sda", "scheduler", "mq-deadline", "sysfs_root", empty, "persist", false)
	if !r.Failed || r.Msg != "sda: "+filepath.Join(empty, "block")+" does not exist" {
		t.Fatalf("failed=%v %q", r.Failed, r.Msg)
	}
}

// parseScheduler never loses a name, and the active one is one of them.
func FuzzParseScheduler(f *testing.F) {
	for _, s := range []string{"[mq-deadline] kyber bfq none\n", "none [mq-deadline]", "noop deadline [cfq]", "[none]", "none", "", "[]", "[a] [b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		avail, active := parseScheduler(s)
		if len(avail) != len(strings.Fields(s)) {
			t.Fatalf("%q: %d names from %d fields", s, len(avail), len(strings.Fields(s)))
		}
		if active != "" && !contains(avail, active) {
			t.Fatalf("%q: active %q not in %q", s, active, avail)
		}
	})
}
