package modules

import (
	"testing"

	"github.com/fjord-run/fjord/value"
)

func TestParseServicesSystemd(t *testing.T) {
	sec := map[string]string{
		"units": `ssh.service                 loaded    active   running OpenBSD Secure Shell server
cron.service                loaded    inactive dead    Regular background program processing daemon
broken.service              loaded    failed   failed  A broken one
ghost.service               not-found inactive dead    ghost.service
`,
		"files": `ssh.service                            enabled         enabled
cron.service                           disabled        enabled
broken.service                         enabled         enabled
getty@.service                         enabled         enabled
systemd-fsck-root.service              static          -
`,
		"show": "Id=getty@.service\nActiveState=inactive\n\nId=systemd-fsck-root.service\nActiveState=active\n",
	}
	got := parseServices(sec)
	want := map[string][2]string{
		"ssh.service":               {"running", "enabled"},
		"cron.service":              {"stopped", "disabled"},
		"broken.service":            {"stopped", "failed"},
		"ghost.service":             {"stopped", "not-found"},
		"getty@.service":            {"inactive", "enabled"},
		"systemd-fsck-root.service": {"active", "static"},
	}
	if got.Len() != len(want) {
		t.Errorf("services: %v", got.Keys())
	}
	for n, w := range want {
		v, _ := got.Get(n)
		m, _ := v.(*value.Map)
		if m == nil {
			t.Errorf("%s missing", n)
			continue
		}
		st, _ := m.Get("state")
		status, _ := m.Get("status")
		src, _ := m.Get("source")
		name, _ := m.Get("name")
		if st != w[0] || status != w[1] || src != "systemd" || name != n {
			t.Errorf("%s = %v, want state %s status %s", n, jsonOf(m), w[0], w[1])
		}
	}
}

func TestServiceFactsLocal(t *testing.T) {
	env, c := testEnv(t, t.TempDir())
	r := run(t, env, "service_facts")
	if r.Failed || r.Changed || c.Count() != 1 {
		t.Fatalf("%+v (%d round trips)", r, c.Count())
	}
	f, _ := get(r, "ansible_facts").(*value.Map)
	if f == nil {
		t.Fatal("no ansible_facts")
	}
	if _, ok := f.Get("services"); !ok {
		t.Error("no services")
	}
}

func TestPackageFacts(t *testing.T) {
	env, c := testEnv(t, t.TempDir())
	r := run(t, env, "package_facts", "manager", "auto")
	if r.Failed || r.Changed || c.Count() != 1 {
		t.Fatalf("%+v (%d round trips)", r, c.Count())
	}
	f, _ := get(r, "ansible_facts").(*value.Map)
	p, _ := f.Get("packages")
	pkgs, _ := p.(*value.Map)
	if pkgs == nil {
		t.Fatal("no packages")
	}
	v, ok := pkgs.Get("coreutils")
	if !ok {
		t.Skip("coreutils not installed through dpkg here")
	}
	l := v.([]any)
	e := l[0].(*value.Map)
	name, _ := e.Get("name")
	src, _ := e.Get("source")
	ver, _ := e.Get("version")
	if name != "coreutils" || src != "apt" || ver == "" {
		t.Errorf("coreutils = %v", jsonOf(e))
	}
	if _, err := tryRun(env, "package_facts", "strategy", "some"); err == nil {
		t.Error("bad strategy accepted")
	}
	r = run(t, env, "package_facts", "manager", "rpm")
	if !r.Failed {
		t.Error("rpm manager accepted")
	}
}
