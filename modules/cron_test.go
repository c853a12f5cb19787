package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeCrontab puts a crontab(1) stand-in first on PATH: it keeps each
// user's crontab in dir/spool/USER, as crontab -l, crontab [-u U] FILE do.
func fakeCrontab(t *testing.T, env *Env, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	spool := filepath.Join(dir, "spool")
	os.MkdirAll(bin, 0o755)
	os.MkdirAll(spool, 0o755)
	script := `#!/bin/sh
u=$(id -un)
if [ "$1" = -u ]; then u=$2; shift 2; fi
f=` + spool + `/$u
case $1 in
-l) [ -f "$f" ] || { echo "no crontab for $u" >&2; exit 1; }; cat "$f";;
-l*|-*|'') echo "usage" >&2; exit 1;;
*) cat -- "$1" > "$f";;
esac
`
	putFile(t, filepath.Join(bin, "crontab"), script, 0o755)
	env.Environment = map[string]string{"PATH": bin + ":" + os.Getenv("PATH")}
	return spool
}

func TestCronUserCrontab(t *testing.T) {
	dir := t.TempDir()
	env, cnt := testEnv(t, dir)
	spool := fakeCrontab(t, env, dir)
	tab := filepath.Join(spool, "alice")
	steps := []struct {
		name    string
		args    []any
		changed bool
		want    string
	}{
		{"add", []any{"name", "check dirs", "minute", "0", "hour", "5,2", "job", "ls -alh > /dev/null"}, true,
			"#Ansible: check dirs\n0 5,2 * * * ls -alh > /dev/null\n"},
		{"same", []any{"name", "check dirs", "minute", "0", "hour", "5,2", "job", "ls -alh > /dev/null"}, false,
			"#Ansible: check dirs\n0 5,2 * * * ls -alh > /dev/null\n"},
		{"update", []any{"name", "check dirs", "minute", "1", "hour", "5,2", "job", "ls -alh > /dev/null"}, true,
			"#Ansible: check dirs\n1 5,2 * * * ls -alh > /dev/null\n"},
		{"special", []any{"name", "boot", "special_time", "reboot", "job", "/some/job.sh", "disabled", true}, true,
			"#Ansible: check dirs\n1 5,2 * * * ls -alh > /dev/null\n#Ansible: boot\n#@reboot /some/job.sh\n"},
		{"env top", []any{"name", "PATH", "env", true, "job", "/opt/bin"}, true,
			"PATH=\"/opt/bin\"\n#Ansible: check dirs\n1 5,2 * * * ls -alh > /dev/null\n#Ansible: boot\n#@reboot /some/job.sh\n"},
		{"env after", []any{"name", "APP_HOME", "env", true, "value", "/srv/app", "insertafter", "PATH"}, true,
			"PATH=\"/opt/bin\"\nAPP_HOME=\"/srv/app\"\n#Ansible: check dirs\n1 5,2 * * * ls -alh > /dev/null\n#Ansible: boot\n#@reboot /some/job.sh\n"},
		{"env same", []any{"name", "APP_HOME", "env", true, "value", "/srv/app", "insertafter", "PATH"}, false,
			"PATH=\"/opt/bin\"\nAPP_HOME=\"/srv/app\"\n#Ansible: check dirs\n1 5,2 * * * ls -alh > /dev/null\n#Ansible: boot\n#@reboot /some/job.sh\n"},
		{"env absent", []any{"name", "PATH", "env", true, "state", "absent"}, true,
			"APP_HOME=\"/srv/app\"\n#Ansible: check dirs\n1 5,2 * * * ls -alh > /dev/null\n#Ansible: boot\n#@reboot /some/job.sh\n"},
		{"absent", []any{"name", "check dirs", "state", "absent"}, true,
			"APP_HOME=\"/srv/app\"\n#Ansible: boot\n#@reboot /some/job.sh\n"},
		{"absent again", []any{"name", "check dirs", "state", "absent"}, false,
			"APP_HOME=\"/srv/app\"\n#Ansible: boot\n#@reboot /some/job.sh\n"},
	}
	for _, s := range steps {
		before, _ := os.ReadFile(tab)
		args := append([]any{"user", "alice"}, s.args...)
		for _, check := range []bool{true, false} {
			env.Check, env.Diff = check, true
			cnt.Reset()
			r := run(t, env, "cron", args...)
			if r.Failed || r.Changed != s.changed {
				t.Fatalf("%s check=%v: %+v", s.name, check, r)
			}
			trips := 1
			if s.changed && !check {
				trips = 2
			}
			if cnt.Count() != trips {
				t.Errorf("%s check=%v: %d trips, want %d", s.name, check, cnt.Count(), trips)
			}
			if s.changed && (len(r.Diff) != 1 || r.Diff[0].Before != string(before) || r.Diff[0].After != s.want) {
				t.Errorf("%s: diff %+v", s.name, r.Diff)
			}
			if check {
				if now, _ := os.ReadFile(tab); string(now) != string(before) {
					t.Fatalf("%s: check mode wrote the crontab", s.name)
				}
			}
		}
		if got := readFile(t, tab); got != s.want {
			t.Fatalf("%s:\ngot  %q\nwant %q", s.name, got, s.want)
		}
	}
	r := run(t, env, "cron", "user", "alice", "name", "boot", "special_time", "reboot", "job", "/some/job.sh", "disabled", true)
	if j, _ := get(r, "jobs").([]any); len(j) != 1 || j[0] != "boot" {
		t.Errorf("jobs %v", get(r, "jobs"))
	}
	if e, _ := get(r, "envs").([]any); len(e) != 1 || e[0] != "APP_HOME" {
		t.Errorf("envs %v", get(r, "envs"))
	}

	// A job written by hand without a marker is adopted; a missing final
	// newline is a change; backup keeps the old text.
	putFile(t, tab, "MAILTO=x\n*/5 * * * * /bin/true", 0o600)
	r = run(t, env, "cron", "user", "alice", "name", "legacy", "minute", "*/5", "job", "/bin/true", "backup", true)
	if !r.Changed || readFile(t, tab) != "MAILTO=x\n#Ansible: legacy\n*/5 * * * * /bin/true\n" {
		t.Errorf("adopt: %+v %q", r, readFile(t, tab))
	}
	if bk, _ := get(r, "backup_file").(string); !strings.HasPrefix(bk, "/tmp/crontab") || readFile(t, bk) != "MAILTO=x\n*/5 * * * * /bin/true\n" {
		t.Errorf("backup %v", get(r, "backup_file"))
	} else {
		os.Remove(bk)
	}
	putFile(t, tab, "MAILTO=x", 0o600)
	if r = run(t, env, "cron", "user", "alice", "name", "MAILTO", "env", true, "state", "absent"); !r.Changed || readFile(t, tab) != "" {
		t.Errorf("env removed: %+v %q", r, readFile(t, tab))
	}

	// No crontab at all: reading it is not an error.
	r = run(t, env, "cron", "user", "bob", "name", "x", "state", "absent")
	if r.Failed || r.Changed {
		t.Errorf("no crontab: %+v", r)
	}
	env.Environment = map[string]string{"PATH": "/nonexistent"}
	if r = run(t, env, "cron", "user", "bob", "name", "x", "job", "y"); !r.Failed {
		t.Errorf("no crontab command: %+v", r)
	}
	for _, bad := range [][]any{
		{"name", "x"},
		{"name", "x", "job", "y", "cron_file", "f"},
		{"name", "x", "job", "y", "hour", "1", "special_time", "daily"},
		{"name", "x", "job", "y", "insertafter", "PATH"},
		{"name", "A B", "job", "y", "env", true},
	} {
		if _, err := tryRun(env, "cron", bad...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestCronFile(t *testing.T) {
	dir := t.TempDir()
	env, _ := testEnv(t, dir)
	f := filepath.Join(dir, "cron.d", "fjord-job")
	args := []any{"name", "yum autoupdate", "weekday", "2", "minute", "0", "hour", "12", "user", "root",
		"job", "YUMINTERACTIVE=0 /usr/sbin/yum-autoupdate", "cron_file", f}
	r := run(t, env, "cron", args...)
	want := "#Ansible: yum autoupdate\n0 12 * * 2 root YUMINTERACTIVE=0 /usr/sbin/yum-autoupdate\n"
	if !r.Changed || readFile(t, f) != want || modeOf(t, f) != 0o644 || get(r, "cron_file") != f {
		t.Fatalf("create: %+v %q", r, readFile(t, f))
	}
	if r = run(t, env, "cron", args...); r.Changed {
		t.Errorf("second run changed")
	}
	env.Check = true
	r = run(t, env, "cron", "name", "yum autoupdate", "cron_file", f, "state", "absent")
	if !r.Changed || readFile(t, f) != want {
		t.Errorf("check absent: %+v", r)
	}
	env.Check = false
	r = run(t, env, "cron", "name", "yum autoupdate", "cron_file", f, "state", "absent")
	if _, err := os.Stat(f); !r.Changed || err == nil {
		t.Errorf("absent: the emptied cron file stays: %+v", r)
	}
	if r = run(t, env, "cron", "name", "yum autoupdate", "cron_file", f, "state", "absent"); r.Changed || r.Failed {
		t.Errorf("absent again: %+v", r)
	}
}

func TestCronWarnings(t *testing.T) {
	dir := t.TempDir()
	env, _ := testEnv(t, dir)
	env.Check = true
	r := run(t, env, "cron", "name", "x", "user", "root", "job", "a\nb", "cron_file", filepath.Join(dir, "bad.name"))
	w, _ := get(r, "warnings").([]any)
	if len(w) != 2 || !strings.HasPrefix(w[0].(string), `Filename portion of cron_file ("bad.name")`) || w[1] != "Job should not contain line breaks" {
		t.Errorf("warnings %v", w)
	}
}

func TestCronDuplicateMarkers(t *testing.T) {
	dir := t.TempDir()
	env, _ := testEnv(t, dir)
	f := filepath.Join(dir, "dup")
	putFile(t, f, "#Ansible: j\n1 * * * * root a\nX=1\n#Ansible: j\n2 * * * * root a\n", 0o644)
	r := run(t, env, "cron", "name", "j", "user", "root", "minute", "3", "job", "a", "cron_file", f)
	if !r.Changed || readFile(t, f) != "#Ansible: j\n3 * * * * root a\nX=1\n#Ansible: j\n3 * * * * root a\n" {
		t.Errorf("update: %q", readFile(t, f))
	}
	r = run(t, env, "cron", "name", "j", "cron_file", f, "state", "absent")
	if !r.Changed || readFile(t, f) != "X=1\n" {
		t.Errorf("remove: %q", readFile(t, f))
	}
}
