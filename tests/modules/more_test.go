package modtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab/labtest"
)

// moreLab is this file's lab, apart from modules_test.go's.
const moreLab = "modmore"

// twice runs pb and wants changes, then runs it again and wants none.
func (e *env) twice(t *testing.T, name, pb string) string {
	t.Helper()
	out, code := e.playbook(t, name, pb)
	if code != 0 || changed(t, out) == "0" {
		t.Fatalf("%s first run: exit %d, want changes:\n%s", name, code, out)
	}
	out, code = e.playbook(t, name, pb)
	if code != 0 || changed(t, out) != "0" {
		t.Fatalf("%s second run: exit %d, want changed=0:\n%s", name, code, out)
	}
	return out
}

// quiet runs pb, which must succeed without changes.
func (e *env) quiet(t *testing.T, name, pb string) string {
	t.Helper()
	out, code := e.playbook(t, name, pb)
	if code != 0 || changed(t, out) != "0" {
		t.Fatalf("%s: exit %d, want ok and changed=0:\n%s", name, code, out)
	}
	return out
}

func TestMoreModules(t *testing.T) {
	e := setupLab(t, moreLab, "")

	t.Run("service_facts", func(t *testing.T) {
		e.quiet(t, "service-facts", `- hosts: lab
  gather_facts: false
  tasks:
    - service_facts:
    - assert:
        that:
          - ansible_facts.services['ssh.service'].state == 'running'
          - ansible_facts.services['ssh.service'].status == 'enabled'
          - ansible_facts.services['ssh.service'].source == 'systemd'
          - ansible_facts.services['ssh.service'].name == 'ssh.service'
`)
	})

	t.Run("package_facts", func(t *testing.T) {
		e.quiet(t, "package-facts", `- hosts: lab
  gather_facts: false
  tasks:
    - package_facts: {manager: auto}
    - assert:
        that:
          - "'openssh-server' in ansible_facts.packages"
          - ansible_facts.packages['openssh-server'][0].source == 'apt'
          - ansible_facts.packages['openssh-server'][0].version | length > 0
`)
	})

	t.Run("wait_for", func(t *testing.T) {
		e.quiet(t, "wait-for", `- hosts: lab
  gather_facts: false
  tasks:
    - wait_for: {port: 22, timeout: 10}
      register: w
    - assert: {that: [w.state == 'started', w.port == 22, w.elapsed < 10]}
    - wait_for: {port: 22, host: "{{ ansible_host | default(inventory_hostname) }}", timeout: 10}
    - wait_for: {path: /etc/os-release, search_regex: 'VERSION_CODENAME=(?P<codename>\w+)', timeout: 10}
      register: osr
    - assert: {that: ["osr.match_groupdict.codename == 'bookworm'", "osr.match_groups == ['bookworm']"]}
    - wait_for: {port: 1, timeout: 2}
      register: closed
      ignore_errors: true
    - assert:
        that:
          - closed is failed
          - closed.msg == 'Timeout when waiting for 127.0.0.1:1'
          - closed.elapsed >= 2
    - wait_for: {port: 1, state: stopped, timeout: 5}
`)
	})

	t.Run("fetch", func(t *testing.T) {
		e.ssh(t, "printf 'fetched by fjord\\n' > /etc/fjord-fetch.conf")
		out := e.twice(t, "fetch", `- hosts: lab
  gather_facts: false
  tasks:
    - fetch: {src: /etc/fjord-fetch.conf, dest: fetched}
    - fetch: {src: /etc/fjord-fetch.conf, dest: flat/, flat: true}
`)
		for _, p := range []string{filepath.Join(e.dir, "fetched", "h1", "etc", "fjord-fetch.conf"), filepath.Join(e.dir, "flat", "fjord-fetch.conf")} {
			b, err := os.ReadFile(p)
			if err != nil || string(b) != "fetched by fjord\n" {
				t.Errorf("%s: %q %v\n%s", p, b, err, out)
			}
		}
	})

	t.Run("script", func(t *testing.T) {
		files := filepath.Join(e.dir, "files")
		if err := os.MkdirAll(files, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(files, "mark.sh"), []byte("#!/bin/sh\nset -e\necho \"$1\" > /var/tmp/fjord-script.out\necho wrote \"$1\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		e.twice(t, "script", `- hosts: lab
  gather_facts: false
  tasks:
    - script: mark.sh "from fjord" creates=/var/tmp/fjord-script.out
      register: s
    - assert: {that: ["s is skipped or s.stdout_lines == ['wrote from fjord']"]}
`)
		if got := e.ssh(t, "cat /var/tmp/fjord-script.out; ls /tmp/.fjord_script.* 2>/dev/null; true"); got != "from fjord\n" {
			t.Errorf("host after script: %q", got)
		}
	})

	t.Run("apt_repository", func(t *testing.T) {
		probe := "cat /etc/apt/sources.list.d/fjord_more.list 2>/dev/null; true"
		e.converge(t, "aptrepo", `- hosts: lab
  gather_facts: false
  tasks:
    - apt_repository: {repo: "deb [trusted=yes] file:/srv/fjord-more ./", filename: fjord_more, update_cache: false}
`, probe, "", "deb [trusted=yes] file:/srv/fjord-more ./\n")
		e.converge(t, "aptrepo-absent", `- hosts: lab
  gather_facts: false
  tasks:
    - apt_repository: {repo: "deb [trusted=yes] file:/srv/fjord-more ./", state: absent, update_cache: false}
`, "test -e /etc/apt/sources.list.d/fjord_more.list && echo yes; true", "yes\n", "")
	})

	t.Run("unarchive", func(t *testing.T) {
		tree := filepath.Join(e.dir, "tree", "site")
		if err := os.MkdirAll(tree, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tree, "index.html"), []byte("<h1>fjord</h1>\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(e.dir, "files"), 0o755); err != nil {
			t.Fatal(err)
		}
		if out, code := labtest.Run(t, time.Minute, "tar", "-czf", filepath.Join(e.dir, "files", "site.tar.gz"), "-C", filepath.Dir(tree), "site"); code != 0 {
			t.Fatalf("tar: %s", out)
		}
		e.converge(t, "unarchive", `- hosts: lab
  gather_facts: false
  tasks:
    - file: {path: /srv/www, state: directory}
      check_mode: false
    - unarchive: {src: site.tar.gz, dest: /srv/www, owner: www-data, group: www-data}
`, "cat /srv/www/site/index.html 2>/dev/null; stat -c %U /srv/www/site/index.html 2>/dev/null; true", "", "<h1>fjord</h1>\nwww-data\n")
	})

	t.Run("get_url and uri without curl", func(t *testing.T) {
		e.converge(t, "get-url-file", `- hosts: lab
  gather_facts: false
  tasks:
    - get_url: {url: "file:///etc/os-release", dest: /var/tmp/os-release.copy, mode: "0600"}
`, "stat -c %a /var/tmp/os-release.copy 2>/dev/null; true", "", "600\n")
		out, code := e.playbook(t, "uri-nocurl", "- hosts: lab\n  gather_facts: false\n  tasks:\n    - uri: {url: 'http://127.0.0.1:22/'}\n")
		if code != 2 || !strings.Contains(out, "curl is not installed on the host") {
			t.Fatalf("uri without curl: exit %d\n%s", code, out)
		}
	})
}
