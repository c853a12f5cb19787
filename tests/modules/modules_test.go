// Package modtest proves the system modules (service, systemd, apt,
// package, user, group, sysctl) on real `fjord lab` hosts: Debian
// bookworm under systemd-nspawn with systemd as PID 1. Lab hosts have no
// route off the lab, so apt is proved against a file: repository of
// .debs built here with dpkg-deb and copied to the host. Without root,
// systemd-nspawn or dpkg-deb the tests skip, unless FJORD_TEST_REQUIRE=1.
package modtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab/labtest"
)

const labName = "modtest"

// env is one lab host and a built fjord.
type env struct {
	bin, inv, sshConfig, dir string
}

func setup(t *testing.T) *env { return setupLab(t, labName, "") }

func (e *env) ssh(t *testing.T, script string) string {
	t.Helper()
	out, code := labtest.Run(t, time.Minute, "ssh", "-F", e.sshConfig, "-o", "BatchMode=yes", "h1", script)
	if code != 0 {
		t.Fatalf("ssh h1 %q: exit %d\n%s", script, code, out)
	}
	return out
}

// playbook writes pb and runs fjord on it with extra flags.
func (e *env) playbook(t *testing.T, name, pb string, flags ...string) (string, int) {
	t.Helper()
	p := filepath.Join(e.dir, name+".yml")
	if err := os.WriteFile(p, []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"playbook", "-i", e.inv}, flags...)
	return labtest.Run(t, 3*time.Minute, e.bin, append(args, p)...)
}

var recapRe = regexp.MustCompile(`(?m)^h1\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)

func changed(t *testing.T, out string) string {
	t.Helper()
	m := recapRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no recap for h1:\n%s", out)
	}
	if m[4] != "0" || m[3] != "0" {
		t.Fatalf("h1 failed or unreachable:\n%s", out)
	}
	return m[2]
}

// converge runs pb: a check run that changes nothing on the host (after
// must still report the old state), a real run that changes, a second
// that does not.
func (e *env) converge(t *testing.T, name, pb, probe, wantBefore, wantAfter string) {
	t.Helper()
	if got := e.ssh(t, probe); got != wantBefore {
		t.Fatalf("%s: before: probe says %q, want %q", name, got, wantBefore)
	}
	out, code := e.playbook(t, name, pb, "--check", "--diff")
	if code != 0 || changed(t, out) == "0" {
		t.Fatalf("%s --check: exit %d, want changes reported:\n%s", name, code, out)
	}
	if got := e.ssh(t, probe); got != wantBefore {
		t.Fatalf("%s: --check changed the host: probe says %q\n%s", name, got, out)
	}
	out, code = e.playbook(t, name, pb, "--diff")
	if code != 0 || changed(t, out) == "0" {
		t.Fatalf("%s first run: exit %d, want changes:\n%s", name, code, out)
	}
	if got := e.ssh(t, probe); got != wantAfter {
		t.Fatalf("%s: after: probe says %q, want %q\n%s", name, got, wantAfter, out)
	}
	out, code = e.playbook(t, name, pb)
	if code != 0 || changed(t, out) != "0" {
		t.Fatalf("%s second run: exit %d, want changed=0:\n%s", name, code, out)
	}
}

// deb builds a trivial package with dpkg-deb and returns its path and
// its Packages stanza.
func deb(t *testing.T, dir, name, version, extra string) (string, string) {
	t.Helper()
	root := filepath.Join(dir, name+"-"+version)
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: fjord tests <tests@fjord.invalid>\n%sDescription: fjord test package\n", name, version, extra)
	for p, c := range map[string]string{"DEBIAN/control": control, "usr/share/" + name + "/VERSION": version + "\n"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, fmt.Sprintf("%s_%s_all.deb", name, version))
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "-b", root, file).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v\n%s", err, out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	stanza := strings.TrimSuffix(control, "Description: fjord test package\n") +
		fmt.Sprintf("Filename: ./%s\nSize: %d\nSHA256: %s\nDescription: fjord test package\n\n", filepath.Base(file), len(b), hex.EncodeToString(sum[:]))
	return file, stanza
}

func TestSystemModules(t *testing.T) {
	e := setup(t)

	t.Run("load errors", func(t *testing.T) {
		out, code := e.playbook(t, "bad", "- hosts: lab\n  gather_facts: false\n  tasks:\n    - service: {name: ssh, state: started, bogus: 1}\n")
		if code != 4 || !strings.Contains(out, "Unsupported parameters for (ansible.legacy.service) module: bogus") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		out, code = e.playbook(t, "bad2", "- hosts: lab\n  gather_facts: false\n  tasks:\n    - user: {shell: /bin/sh}\n")
		if code != 4 || !strings.Contains(out, "missing required arguments: name") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})

	t.Run("service", func(t *testing.T) {
		e.ssh(t, "printf '[Unit]\\nDescription=fjord demo\\n[Service]\\nExecStart=/bin/sleep infinity\\nExecReload=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n' > /usr/lib/systemd/system/fjdemo.service && systemctl daemon-reload")
		probe := "systemctl is-active fjdemo; systemctl is-enabled fjdemo; true"
		e.converge(t, "svc-on", `- hosts: lab
  gather_facts: false
  tasks:
    - service: {name: fjdemo, state: started, enabled: true}
      register: s
    - assert:
        that: [s.state == "started", s.enabled, s.name == "fjdemo", s.status.Id == "fjdemo.service"]
`, probe, "inactive\ndisabled\n", "active\nenabled\n")
		e.converge(t, "svc-off", `- hosts: lab
  gather_facts: false
  tasks:
    - systemd: {name: fjdemo, state: stopped, enabled: false}
`, probe, "active\nenabled\n", "inactive\ndisabled\n")
		e.converge(t, "svc-mask", `- hosts: lab
  gather_facts: false
  tasks:
    - systemd: {name: fjdemo, masked: true}
`, probe, "inactive\ndisabled\n", "inactive\nmasked\n")
		e.converge(t, "svc-unmask", `- hosts: lab
  gather_facts: false
  tasks:
    - systemd_service: {name: fjdemo, masked: false, daemon_reload: true}
`, probe, "inactive\nmasked\n", "inactive\ndisabled\n")
		// restarted always changes; a missing unit fails with Ansible's words.
		out, code := e.playbook(t, "svc-restart", `- hosts: lab
  gather_facts: false
  tasks:
    - service: {name: fjdemo, state: restarted}
      register: r
    - assert: {that: [r.changed, r.state == "started"]}
    - service: {name: fjord-no-such, state: started}
`)
		if code != 2 || !strings.Contains(out, "Could not find the requested service fjord-no-such: host") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})

	t.Run("apt", func(t *testing.T) {
		dir := t.TempDir()
		h10, s10 := deb(t, dir, "fjord-hello", "1.0", "Recommends: fjord-extra\n")
		x10, sx := deb(t, dir, "fjord-extra", "1.0", "")
		h11, s11 := deb(t, dir, "fjord-hello", "1.1", "Recommends: fjord-extra\n")
		repo := filepath.Join(dir, "repo")
		os.MkdirAll(repo, 0o755)
		write := func(files []string, stanzas ...string) {
			for _, f := range files {
				b, _ := os.ReadFile(f)
				os.WriteFile(filepath.Join(repo, filepath.Base(f)), b, 0o644)
			}
			os.WriteFile(filepath.Join(repo, "Packages"), []byte(strings.Join(stanzas, "")), 0o644)
		}
		write([]string{h10, x10}, s10, sx)
		sync := fmt.Sprintf(`- hosts: lab
  gather_facts: false
  tasks:
    - file: {path: /srv/fjord-repo, state: directory}
    - copy: {src: "%s/{{ item }}", dest: "/srv/fjord-repo/{{ item }}"}
      loop: [Packages, fjord-hello_1.0_all.deb, fjord-extra_1.0_all.deb, fjord-hello_1.1_all.deb]
      failed_when: false
    - copy: {dest: /etc/apt/sources.list.d/fjord.list, content: "deb [trusted=yes] file:/srv/fjord-repo ./\n"}
    - apt: {update_cache: true}
`, repo)
		if out, code := e.playbook(t, "apt-sync", sync); code != 0 {
			t.Fatalf("repo sync: %d\n%s", code, out)
		}
		probe := `dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' fjord-hello fjord-extra 2>/dev/null | awk '$1=="ii" {print $2, $3}'`
		e.converge(t, "apt-present", `- hosts: lab
  gather_facts: false
  tasks:
    - apt: {name: fjord-hello, update_cache: true, cache_valid_time: 3600, install_recommends: false}
      register: a
    - assert: {that: [a.cache_update_time > 0]}
      when: not ansible_check_mode
`, probe, "", "fjord-hello 1.0\n")
		// latest after the repository gains 1.1; package dispatches to apt.
		write([]string{h10, x10, h11}, s10, sx, s11)
		if out, code := e.playbook(t, "apt-sync2", sync); code != 0 {
			t.Fatalf("repo sync: %d\n%s", code, out)
		}
		e.converge(t, "apt-latest", `- hosts: lab
  gather_facts: false
  tasks:
    - package: {name: [fjord-hello, fjord-extra], state: latest, update_cache: true, cache_valid_time: 0}
`, probe, "fjord-hello 1.0\n", "fjord-extra 1.0\nfjord-hello 1.1\n")
		e.converge(t, "apt-absent", `- hosts: lab
  gather_facts: false
  tasks:
    - apt: {name: [fjord-hello, fjord-extra], state: absent, purge: true}
`, probe, "fjord-extra 1.0\nfjord-hello 1.1\n", "")
		e.converge(t, "apt-deb", `- hosts: lab
  gather_facts: false
  tasks:
    - apt: {deb: /srv/fjord-repo/fjord-extra_1.0_all.deb}
`, probe, "", "fjord-extra 1.0\n")
		out, code := e.playbook(t, "apt-missing", "- hosts: lab\n  gather_facts: false\n  tasks:\n    - apt: {name: fjord-no-such-package}\n")
		if code != 2 || !strings.Contains(out, "No package matching 'fjord-no-such-package' is available") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})

	t.Run("user and group", func(t *testing.T) {
		probe := "getent passwd fjuser | cut -d: -f1,3,4,5,6,7; id -Gn fjuser 2>/dev/null; test -d /home/fjuser && echo home; getent shadow fjuser | cut -d: -f2; true"
		e.converge(t, "group", `- hosts: lab
  gather_facts: false
  tasks:
    - group: {name: fjgrp, gid: 2345}
    - group: {name: fjsys, system: true}
      register: g
    - assert: {that: [g.system, g.gid < 1000]}
      when: not ansible_check_mode
`, "getent group fjgrp | cut -d: -f1,3; true", "", "fjgrp:2345\n")
		e.converge(t, "user", `- hosts: lab
  gather_facts: false
  tasks:
    - user:
        name: fjuser
        uid: 2345
        group: fjgrp
        groups: [fjsys, sudo]
        shell: /bin/bash
        comment: Fjord User
        password: "$6$fjord$notarealhash"
      register: u
    - assert: {that: [u.uid == 2345, u.group == 2345, u.home == "/home/fjuser", u.shell == "/bin/bash"]}
      when: not ansible_check_mode
`, probe, "", "fjuser:2345:2345:Fjord User:/home/fjuser:/bin/bash\nfjgrp sudo fjsys\nhome\n$6$fjord$notarealhash\n")
		got := e.ssh(t, probe)
		for _, want := range []string{"fjuser:2345:2345:Fjord User:/home/fjuser:/bin/bash\n", "home\n", "$6$fjord$notarealhash\n"} {
			if !strings.Contains(got, want) {
				t.Errorf("after user play, want %q in\n%s", want, got)
			}
		}
		if !strings.Contains(got, "fjgrp") || !strings.Contains(got, "sudo") || !strings.Contains(got, "fjsys") {
			t.Errorf("groups: %s", got)
		}
		// password ageing with chage where the shadow entry differs
		e.converge(t, "user-expire", `- hosts: lab
  gather_facts: false
  tasks:
    - user: {name: fjuser, password_expire_max: 30, password_expire_min: 2}
`, "getent shadow fjuser | cut -d: -f4,5", "0:99999\n", "2:30\n")
		e.converge(t, "user-expire-max", `- hosts: lab
  gather_facts: false
  tasks:
    - user: {name: fjuser, password_expire_max: 60, password_expire_min: 2}
`, "getent shadow fjuser | cut -d: -f4,5", "2:30\n", "2:60\n")
		// a new account: its entry is read after useradd made it
		e.converge(t, "user-new-expire", `- hosts: lab
  gather_facts: false
  tasks:
    - user: {name: fjage, create_home: false, password_expire_max: 40}
`, "getent shadow fjage | cut -d: -f4,5; true", "", "0:40\n")
		e.ssh(t, "userdel fjage")
		e.converge(t, "user-remove", `- hosts: lab
  gather_facts: false
  tasks:
    - user: {name: fjuser, state: absent, remove: true}
    - group: {name: fjgrp, state: absent}
`, "getent passwd fjuser | cut -d: -f1; getent group fjgrp | cut -d: -f1; test -d /home/fjuser && echo home; true", "fjuser\nfjgrp\nhome\n", "")
	})

	// ansible.posix.sysctl's order and words where the kernel refuses
	// (a lab host may not write the kernel's own sysctls, only its
	// network namespace's): the value is set before the file is
	// written, so a refused set leaves the file alone; a reload loads the
	// whole file, ignoreerrors or not; messages are sysctl's stdout and
	// stderr as they came (observed with ansible-playbook 2.14 and
	// ansible.posix 1.5.4 on these hosts).
	t.Run("sysctl-refused", func(t *testing.T) {
		f := "/etc/sysctl.d/91-fjord-refused.conf"
		t.Cleanup(func() { e.ssh(t, "rm -f /tmp/fjord-sysctl-refused "+f+"; sysctl -qw net.ipv4.ip_forward=0") })
		out, code := e.playbook(t, "sysctl-refused", `- hosts: lab
  gather_facts: false
  vars:
    f: `+f+`
  tasks:
    - command: cat /proc/sys/kernel/core_uses_pid
      register: cur
    # refused: the file is not written
    - ansible.posix.sysctl: {name: kernel.core_uses_pid, value: "{{ 1 - (cur.stdout | int) }}", sysctl_set: true, sysctl_file: "{{ f }}", ignoreerrors: true}
      register: set
      ignore_errors: true
    - stat: {path: "{{ f }}"}
      register: after_set
    - ansible.posix.sysctl: {name: net.ipv4.ip_forward, value: "1", sysctl_set: true, sysctl_file: "{{ f }}"}
    # its running value already: no set; the file changes, and loading
    # the whole file again is refused this key
    - ansible.posix.sysctl: {name: kernel.core_uses_pid, value: "{{ cur.stdout }}", sysctl_set: true, sysctl_file: "{{ f }}", ignoreerrors: true}
      register: reload
      ignore_errors: true
    - copy:
        dest: /tmp/fjord-sysctl-refused
        content: "{{ set.msg }}|{{ after_set.stat.exists }}|{{ reload.msg }}"
`)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		got := e.ssh(t, "cat /tmp/fjord-sysctl-refused; echo; cat "+f+"; sysctl -n net.ipv4.ip_forward")
		want := "setting kernel.core_uses_pid failed: sysctl: permission denied on key \"kernel.core_uses_pid\"\n" +
			"|False|Failed to reload sysctl: net.ipv4.ip_forward = 1\nsysctl: permission denied on key \"kernel.core_uses_pid\"\n\n" +
			"net.ipv4.ip_forward=1\nkernel.core_uses_pid="
		if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "\n1\n") {
			t.Errorf("got\n%q\nwant it to start with\n%q and ip_forward 1", got, want)
		}
	})

	t.Run("sysctl", func(t *testing.T) {
		probe := "sysctl -n net.ipv4.ip_forward; grep ip_forward /etc/sysctl.d/90-fjord.conf 2>/dev/null; true"
		e.converge(t, "sysctl", `- hosts: lab
  gather_facts: false
  tasks:
    - ansible.posix.sysctl: {name: net.ipv4.ip_forward, value: "1", sysctl_file: /etc/sysctl.d/90-fjord.conf, sysctl_set: true}
`, probe, "0\n", "1\nnet.ipv4.ip_forward=1\n")
	})
}
