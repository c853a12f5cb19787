package modules

// sysctl_iosched in check and diff mode, failures, persistence and
// argument errors.

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/internal/testgate"
	"github.com/fjord-run/fjord/value"
)

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
