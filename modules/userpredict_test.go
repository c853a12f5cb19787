package modules

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/dryrun"
)

// checkEnv is testEnv in a check run: a predicted state, and the
// connection that answers from it.
func checkEnv(t *testing.T, dir string) *Env {
	env, _ := testEnv(t, dir)
	env.Check, env.Diff, env.Sim = true, true, dryrun.New()
	env.Conn = &dryrun.Conn{Conn: env.Conn, S: env.Sim}
	return env
}

// absentName is an account or group name the host does not have.
func absentName(t *testing.T, prefix string) string {
	n := fmt.Sprintf("%s%d", prefix, os.Getpid()%100000)
	for _, db := range []string{"passwd", "group"} {
		if exec.Command("getent", db, n).Run() == nil {
			t.Skipf("the host has %s %s", db, n)
		}
	}
	return n
}

func TestCheckPredictsAccounts(t *testing.T) {
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	env := checkEnv(t, t.TempDir())
	u, g := absentName(t, "fjdu"), absentName(t, "fjdg")
	home := "/home/" + u

	if r := run(t, env, "user", "name", u, "group", g); !r.Failed || r.Msg != "Group "+g+" does not exist" {
		t.Fatalf("user in a group nothing creates: %+v", r)
	}
	if r := run(t, env, "group", "name", g); !r.Changed {
		t.Fatalf("group: %+v", r)
	}
	if r := run(t, env, "group", "name", g); r.Changed {
		t.Errorf("the predicted group again: %+v", r)
	}
	if r := run(t, env, "user", "name", u, "group", g, "shell", "/bin/sh"); !r.Changed || r.Failed {
		t.Fatalf("user in the predicted group: %+v", r)
	}
	pu, ok := env.Sim.User(u)
	if !ok || pu == nil || pu.Group != g || pu.Home != home || pu.Shell != "/bin/sh" || !pu.New || len(pu.Groups) != 0 {
		t.Fatalf("predicted account: %+v %v", pu, ok)
	}
	if fi, _, ok := env.Sim.Stat(home); !ok || fi.Type != "directory" || fi.Owner != u || fi.Group != g {
		t.Errorf("predicted home: %+v %v", fi, ok)
	}
	r := run(t, env, "user", "name", u, "group", g, "shell", "/bin/sh")
	if r.Changed || r.Failed || get(r, "predicted") != true || get(r, "home") != home {
		t.Errorf("the predicted account again: %+v", r)
	}
	if r := run(t, env, "user", "name", u, "shell", "/bin/bash"); !r.Changed {
		t.Errorf("another shell: %+v", r)
	}
	for i, want := range []bool{true, false} {
		if r := run(t, env, "user", "name", u, "groups", []any{g}, "append", true); r.Changed != want || r.Failed {
			t.Errorf("groups, time %d: %+v", i+1, r)
		}
	}
	if pu, _ := env.Sim.User(u); pu.Shell != "/bin/bash" || strings.Join(pu.Groups, ",") != g {
		t.Errorf("the changed account: %+v", pu)
	}

	// authorized_key finds the home, and a second key goes after the first
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0i8FHmXx2hz4f8g5QiG0BtL3h5eFjzG0z1tM7n8g8p t@x"
	key2 := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM8UVQ0olpa8uNt6AtqLPO4tVstA7yIEUBLjmlTKyyFx a@x"
	for i, want := range []bool{true, false} {
		if r := run(t, env, "authorized_key", "user", u, "key", key); r.Changed != want || r.Failed {
			t.Errorf("authorized_key, time %d: %+v", i+1, r)
		}
	}
	r = run(t, env, "authorized_key", "user", u, "key", key2)
	if !r.Changed || len(r.Diff) != 1 || r.Diff[0].Before != key+"\n" || r.Diff[0].After != key+"\n"+key2+"\n" {
		t.Errorf("a second key: %+v", r)
	}
	if fi, _, ok := env.Sim.Stat(home + "/.ssh"); !ok || fi.Mode != 0o700 || fi.Owner != u {
		t.Errorf("predicted .ssh: %+v %v", fi, ok)
	}

	// the new account's crontab is empty, then what an earlier task
	// would write (crontab(1) is there, or comes with a package the run
	// installs)
	env.Sim.Package("cron", true)
	for i, want := range []bool{true, false} {
		r := run(t, env, "cron", "name", "j", "minute", "7", "job", "/bin/true", "user", u)
		if r.Changed != want || r.Failed {
			t.Errorf("crontab, time %d: %+v", i+1, r)
		}
	}
	if ct, ok := env.Sim.Crontab(u); !ok || ct != "#Ansible: j\n7 * * * * /bin/true\n" {
		t.Errorf("predicted crontab %q %v", ct, ok)
	}

	// no group given: useradd makes one named after the account
	u2 := absentName(t, "fjdv")
	if r := run(t, env, "user", "name", u2, "create_home", false); !r.Changed {
		t.Fatalf("user without a group: %+v", r)
	}
	if pg, ok := env.Sim.Group(u2); !ok || pg == nil {
		t.Errorf("the account's own group is not predicted: %+v %v", pg, ok)
	}
	if _, _, ok := env.Sim.Stat("/home/" + u2); ok {
		t.Error("a home without create_home is predicted")
	}

	// removals
	if r := run(t, env, "user", "name", u, "state", "absent", "remove", true); !r.Changed {
		t.Fatalf("userdel: %+v", r)
	}
	if fi, _, ok := env.Sim.Stat(home + "/.ssh/authorized_keys"); !ok || fi.Exists {
		t.Errorf("the removed home's keys: %+v %v", fi, ok)
	}
	if r := run(t, env, "user", "name", u, "state", "absent"); r.Changed {
		t.Errorf("a removed account removed again: %+v", r)
	}
	if r := run(t, env, "authorized_key", "user", u, "key", key); !r.Failed {
		t.Errorf("a key for a removed account: %+v", r)
	}
	if r := run(t, env, "group", "name", g, "state", "absent"); !r.Changed {
		t.Errorf("groupdel: %+v", r)
	}
	if r := run(t, env, "user", "name", u2, "groups", []any{g}); !r.Failed {
		t.Errorf("a removed group: %+v", r)
	}
}

func TestCheckPredictsCronAndSysctlFiles(t *testing.T) {
	dir := t.TempDir()
	env := checkEnv(t, dir)
	cf := filepath.Join(dir, "cron")
	run(t, env, "cron", "name", "a", "minute", "5", "job", "/bin/true", "cron_file", cf, "user", "root")
	r := run(t, env, "cron", "name", "b", "minute", "6", "job", "/bin/false", "cron_file", cf, "user", "root")
	if !r.Changed || len(r.Diff) != 1 || r.Diff[0].Before != "#Ansible: a\n5 * * * * root /bin/true\n" {
		t.Errorf("the second job's diff: %+v", r)
	}
	if r := run(t, env, "cron", "name", "a", "minute", "5", "job", "/bin/true", "cron_file", cf, "user", "root"); r.Changed {
		t.Errorf("the first job again: %+v", r)
	}
	run(t, env, "cron", "name", "a", "cron_file", cf, "state", "absent")
	run(t, env, "cron", "name", "b", "cron_file", cf, "state", "absent")
	if fi, _, ok := env.Sim.Stat(cf); !ok || fi.Exists {
		t.Errorf("a cron file left without jobs: %+v %v", fi, ok)
	}
	if _, err := os.Stat(cf); err == nil {
		t.Fatal("the check run wrote the cron file")
	}

	b, err := os.ReadFile("/proc/sys/vm/swappiness")
	if err != nil {
		t.Skip(err)
	}
	cur, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	want := strconv.Itoa(cur%100 + 1)
	sf := filepath.Join(dir, "sysctl.conf")
	args := []any{"name", "vm.swappiness", "value", want, "sysctl_file", sf, "sysctl_set", true, "reload", false}
	for i, changes := range []bool{true, false} {
		if r := run(t, env, "sysctl", args...); r.Changed != changes || r.Failed {
			t.Errorf("sysctl_set, time %d: %+v", i+1, r)
		}
	}
	if v, ok := env.Sim.Kernel("vm.swappiness"); !ok || v != want {
		t.Errorf("predicted running value %q %v, want %s", v, ok, want)
	}
	// a reload loads every key of the file
	r = run(t, env, "sysctl", "name", "vm.dirty_ratio", "value", "21", "sysctl_file", sf)
	if !r.Changed || len(r.Diff) != 1 || r.Diff[0].Before != "vm.swappiness="+want+"\n" {
		t.Errorf("a second key: %+v", r)
	}
	if v, ok := env.Sim.Kernel("vm.dirty_ratio"); !ok || v != "21" {
		t.Errorf("the reloaded key: %q %v", v, ok)
	}
	if got := readFile(t, "/proc/sys/vm/swappiness"); strings.TrimSpace(got) != strconv.Itoa(cur) {
		t.Fatalf("the check run set vm.swappiness to %s", got)
	}
}
