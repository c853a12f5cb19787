package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/internal/testgate"
)

func TestMountFstab(t *testing.T) {
	dir := t.TempDir()
	env, cnt := testEnv(t, dir)
	fstab := filepath.Join(dir, "etc", "fstab")
	mnt := filepath.Join(dir, "my data")
	head := "# static\nUUID=abc / ext4 errors=remount-ro 0 1\n"
	os.MkdirAll(filepath.Dir(fstab), 0o755)
	putFile(t, fstab, head, 0o644)
	esc := strings.ReplaceAll(mnt, " ", `\040`)
	step := func(name string, changed bool, want string, args ...any) *Result {
		t.Helper()
		var r *Result
		for _, check := range []bool{true, false} {
			before := readFile(t, fstab)
			env.Check, env.Diff = check, true
			cnt.Reset()
			r = run(t, env, "ansible.posix.mount", append([]any{"path", mnt, "fstab", fstab}, args...)...)
			if r.Failed || r.Changed != changed {
				t.Fatalf("%s check=%v: %+v", name, check, r)
			}
			trips := 1
			if changed && !check {
				trips = 2
			}
			if cnt.Count() != trips {
				t.Errorf("%s: %d trips, want %d", name, cnt.Count(), trips)
			}
			if check && readFile(t, fstab) != before {
				t.Fatalf("%s: check mode wrote", name)
			}
		}
		if got := readFile(t, fstab); got != want {
			t.Fatalf("%s:\ngot  %q\nwant %q", name, got, want)
		}
		return r
	}
	line := "tmpfs " + esc + " tmpfs size=1m,noauto 0 0\n"
	r := step("present", true, head+line, "src", "tmpfs", "fstype", "tmpfs", "opts", "size=1m", "boot", false, "state", "present")
	if get(r, "opts") != "size=1m,noauto" || get(r, "dump") != "0" {
		t.Errorf("result %v", r.Data)
	}
	step("present again", false, head+line, "src", "tmpfs", "fstype", "tmpfs", "opts", "size=1m", "boot", false, "state", "present")
	line2 := "tmpfs " + esc + " tmpfs size=2m 0 2\n"
	step("update in place", true, head+line2, "src", "tmpfs", "fstype", "tmpfs", "opts", "size=2m", "passno", "2", "state", "present", "backup", true)
	step("absent_from_fstab", true, head, "state", "absent_from_fstab")
	step("absent_from_fstab again", false, head, "state", "absent_from_fstab")
	// absent also removes the mount point directory, as Ansible does.
	step("present", true, head+"/dev/sdz1 "+esc+" ext4 defaults 0 0\n", "src", "/dev/sdz1", "fstype", "ext4", "state", "present")
	os.Mkdir(mnt, 0o755)
	step("absent", true, head, "state", "absent")
	if _, err := os.Stat(mnt); err == nil {
		t.Error("absent left the mount point")
	}
	step("unmounted, not mounted", false, head, "state", "unmounted")

	// A line without dump and passno is rewritten with them, as Ansible.
	putFile(t, fstab, head+"/dev/sdb1 "+esc+" xfs defaults\n", 0o644)
	step("four fields", true, head+"/dev/sdb1 "+esc+" xfs defaults 0 0\n", "src", "/dev/sdb1", "fstype", "xfs", "state", "present")

	// A new fstab is created.
	nf := filepath.Join(dir, "new", "fstab")
	r = run(t, env, "mount", "path", "/srv/x", "src", "LABEL=x", "fstype", "xfs", "state", "present", "fstab", nf)
	if !r.Changed || readFile(t, nf) != "LABEL=x /srv/x xfs defaults 0 0\n" {
		t.Errorf("new fstab: %+v %q", r, readFile(t, nf))
	}
	if _, err := tryRun(env, "mount", "path", "/srv/x", "state", "mounted"); err == nil || err.Error() != "state is mounted but all of the following are missing: src, fstype" {
		t.Errorf("missing src: %v", err)
	}
}

// TestMountTmpfs mounts for real; it needs root and a kernel that lets
// this process mount tmpfs.
func TestMountTmpfs(t *testing.T) {
	dir := t.TempDir()
	probe := filepath.Join(dir, "probe")
	os.Mkdir(probe, 0o755)
	if os.Geteuid() != 0 || exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe).Run() != nil {
		testgate.Unavailable(t, "cannot mount tmpfs here (needs root)")
	}
	exec.Command("umount", probe).Run()
	env, _ := testEnv(t, dir)
	fstab := filepath.Join(dir, "fstab")
	mnt := filepath.Join(dir, "mnt")
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	isMounted := func() bool { return exec.Command("mountpoint", "-q", mnt).Run() == nil }
	args := []any{"path", mnt, "src", "tmpfs", "fstype", "tmpfs", "opts", "size=1m", "fstab", fstab}
	r := run(t, env, "mount", append(args, "state", "mounted")...)
	if r.Failed || !r.Changed || !isMounted() {
		t.Fatalf("mounted: %+v", r)
	}
	if r = run(t, env, "mount", append(args, "state", "mounted")...); r.Changed {
		t.Errorf("mounted again changed")
	}
	if r = run(t, env, "mount", append(args, "state", "remounted")...); r.Failed || !r.Changed || !isMounted() {
		t.Errorf("remounted: %+v", r)
	}
	if r = run(t, env, "mount", append(args, "state", "unmounted")...); r.Failed || !r.Changed || isMounted() {
		t.Errorf("unmounted: %+v", r)
	}
	if r = run(t, env, "mount", append(args, "state", "unmounted")...); r.Changed {
		t.Errorf("unmounted again changed")
	}
	run(t, env, "mount", append(args, "state", "mounted")...)
	if r = run(t, env, "mount", "path", mnt, "fstab", fstab, "state", "absent"); r.Failed || !r.Changed || isMounted() || readFile(t, fstab) != "" {
		t.Errorf("absent: %+v", r)
	}
	// ephemeral mounts without touching the fstab, remounts when mounted,
	// and refuses a different source.
	eph := []any{"path", mnt, "src", "tmpfs", "fstype", "tmpfs", "opts", "size=1m", "state", "ephemeral"}
	if r = run(t, env, "mount", eph...); r.Failed || !r.Changed || !isMounted() || readFile(t, fstab) != "" {
		t.Errorf("ephemeral: %+v", r)
	}
	if r = run(t, env, "mount", eph...); r.Failed || !r.Changed {
		t.Errorf("ephemeral remount: %+v", r)
	}
	if r = run(t, env, "mount", "path", mnt, "src", "/dev/nonexistent", "fstype", "ext4", "state", "ephemeral"); !r.Failed || !strings.Contains(r.Msg, "different source") {
		t.Errorf("ephemeral other src: %+v", r)
	}
	run(t, env, "mount", "path", mnt, "state", "unmounted")
	os.Remove(mnt)

	// A failing mount leaves the fstab as it was.
	bad := []any{"path", mnt, "src", "nosuchdev", "fstype", "nosuchfs", "fstab", fstab, "state", "mounted"}
	if r = run(t, env, "mount", bad...); !r.Failed || !strings.Contains(r.Msg, "Error mounting") || readFile(t, fstab) != "" {
		t.Errorf("failed mount: %+v %q", r, readFile(t, fstab))
	}
	if _, err := os.Stat(mnt); err == nil {
		t.Error("failed mount left the directory it made")
	}
}
