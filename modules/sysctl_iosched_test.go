package modules

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

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
