package modtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"
)

// setupLab boots a one-host lab of its own name (and subnet, "" for the
// next free one), with extra Debian packages on the host, so that the
// tests of this package can run side by side.
func setupLab(t *testing.T, name, subnet string, packages ...string) *env {
	labtest.Require(t, "ssh", "dpkg-deb")
	dir := t.TempDir()
	bin := labtest.BuildFjord(t)
	m := &lab.Manager{}
	if _, err := m.Open(name); err == nil {
		labtest.Run(t, time.Minute, bin, "lab", "down", "--name", name)
	}
	args := []string{"lab", "up", "--name", name, "--hosts", "h1"}
	if subnet != "" {
		args = append(args, "--subnet", subnet)
	}
	for _, p := range packages {
		args = append(args, "-p", p)
	}
	if out, code := labtest.Run(t, 10*time.Minute, bin, args...); code != 0 {
		t.Fatalf("fjord lab up: exit %d\n%s", code, out)
	}
	t.Cleanup(func() { labtest.Run(t, time.Minute, bin, "lab", "down", "--name", name) })
	st, err := m.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	return &env{bin: bin, inv: st.Inventory, sshConfig: st.SSHConfig, dir: dir}
}

// TestFileModules proves cron, authorized_key, known_hosts, hostname,
// mount, find, assemble and tempfile on a lab host: each play changes the
// host on its first run, --check changes nothing, a second run changes
// nothing.
func TestFileModules(t *testing.T) {
	e := setupLab(t, "modfiles", "10.213.41.0/24", "cron")

	t.Run("cron", func(t *testing.T) {
		probe := "crontab -l 2>/dev/null; cat /etc/cron.d/fjord-backup 2>/dev/null; true"
		e.converge(t, "cron", `- hosts: lab
  gather_facts: false
  tasks:
    - cron: {name: PATH, env: true, job: "/usr/local/bin:/usr/bin:/bin"}
    - cron: {name: nightly, minute: "5", hour: "2", job: /usr/local/bin/nightly}
      register: c
    - assert: {that: ['c.jobs == ["nightly"]', 'c.envs == ["PATH"]']}
      when: not ansible_check_mode
    - ansible.builtin.cron: {name: backup, special_time: daily, user: root, job: /usr/local/bin/backup, cron_file: fjord-backup}
`, probe, "", "PATH=\"/usr/local/bin:/usr/bin:/bin\"\n#Ansible: nightly\n5 2 * * * /usr/local/bin/nightly\n#Ansible: backup\n@daily root /usr/local/bin/backup\n")
		e.converge(t, "cron-absent", `- hosts: lab
  gather_facts: false
  tasks:
    - cron: {name: nightly, state: absent}
    - cron: {name: backup, cron_file: fjord-backup, state: absent}
`, probe, "PATH=\"/usr/local/bin:/usr/bin:/bin\"\n#Ansible: nightly\n5 2 * * * /usr/local/bin/nightly\n#Ansible: backup\n@daily root /usr/local/bin/backup\n", "PATH=\"/usr/local/bin:/usr/bin:/bin\"\n")
	})

	t.Run("authorized_key", func(t *testing.T) {
		key := filepath.Join(e.dir, "fjkey")
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fjord-test", "-f", key).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
		pub, err := os.ReadFile(key + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		e.ssh(t, "useradd -m -s /bin/sh -p '*' fjkey")
		probe := "stat -c '%a %U' /home/fjkey/.ssh /home/fjkey/.ssh/authorized_keys 2>/dev/null; cut -d' ' -f1,4 /home/fjkey/.ssh/authorized_keys 2>/dev/null; true"
		e.converge(t, "authorized_key", fmt.Sprintf(`- hosts: lab
  gather_facts: false
  tasks:
    - authorized_key:
        user: fjkey
        key: %q
        key_options: no-port-forwarding
`, strings.TrimSpace(string(pub))), probe, "", "700 fjkey\n600 fjkey\nno-port-forwarding fjord-test\n")
		// The key lets fjkey in.
		out, code := labtest.Run(t, time.Minute, "ssh", "-F", e.sshConfig, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
			"-i", key, "-l", "fjkey", "h1", "id -un")
		if code != 0 || strings.TrimSpace(out) != "fjkey" {
			t.Fatalf("ssh as fjkey with the new key: exit %d\n%s", code, out)
		}
		e.converge(t, "authorized_key-absent", fmt.Sprintf(`- hosts: lab
  gather_facts: false
  tasks:
    - ansible.posix.authorized_key: {user: fjkey, key: %q, state: absent}
`, strings.TrimSpace(string(pub))), probe, "700 fjkey\n600 fjkey\nno-port-forwarding fjord-test\n", "700 fjkey\n600 fjkey\n")
	})

	t.Run("known_hosts", func(t *testing.T) {
		hostKey := strings.TrimSpace(e.ssh(t, "cat /etc/ssh/ssh_host_ed25519_key.pub"))
		f := strings.Fields(hostKey)
		e.converge(t, "known_hosts", fmt.Sprintf(`- hosts: lab
  gather_facts: false
  tasks:
    - known_hosts: {path: /root/kh, name: h1.lab.test, key: "h1.lab.test %s %s"}
`, f[0], f[1]), "ssh-keygen -F h1.lab.test -f /root/kh 2>/dev/null | grep -v '^#' | cut -d' ' -f1,2; true", "", "h1.lab.test "+f[0]+"\n")
	})

	t.Run("hostname", func(t *testing.T) {
		probe := "hostname; cat /etc/hostname"
		before := e.ssh(t, probe)
		e.converge(t, "hostname", `- hosts: lab
  gather_facts: false
  tasks:
    - hostname: {name: fjord-h1}
      register: h
    - assert: {that: [h.ansible_facts.ansible_hostname == "fjord-h1", ansible_hostname == "fjord-h1", ansible_facts.nodename == "fjord-h1"]}
`, probe, before, "fjord-h1\nfjord-h1\n")
	})

	t.Run("mount", func(t *testing.T) {
		probe := "grep fjord /etc/fstab; findmnt -n -o FSTYPE /mnt/fjord; true"
		e.converge(t, "mount-present", `- hosts: lab
  gather_facts: false
  tasks:
    - ansible.posix.mount: {path: /mnt/fjord, src: tmpfs, fstype: tmpfs, opts: size=1m, state: present}
`, probe, "", "tmpfs /mnt/fjord tmpfs size=1m 0 0\n")
		e.converge(t, "mount-mounted", `- hosts: lab
  gather_facts: false
  tasks:
    - mount: {path: /mnt/fjord, src: tmpfs, fstype: tmpfs, opts: size=2m, state: mounted}
`, probe, "tmpfs /mnt/fjord tmpfs size=1m 0 0\n", "tmpfs /mnt/fjord tmpfs size=2m 0 0\ntmpfs\n")
		e.converge(t, "mount-absent", `- hosts: lab
  gather_facts: false
  tasks:
    - mount: {path: /mnt/fjord, state: absent}
`, probe, "tmpfs /mnt/fjord tmpfs size=2m 0 0\ntmpfs\n", "")
	})

	t.Run("find assemble tempfile", func(t *testing.T) {
		probe := "cat /srv/fjord.conf 2>/dev/null; true"
		e.converge(t, "find", `- hosts: lab
  gather_facts: false
  tasks:
    - file: {path: /srv/conf.d, state: directory}
    - copy: {dest: "/srv/conf.d/{{ item }}", content: "{{ item }}\n"}
      loop: [10-a.conf, 20-b.conf, 30-c.txt]
    - find: {paths: /srv/conf.d, patterns: "*.conf", contains: "^[0-9]+-[ab]"}
      register: f
    - assert:
        that:
          - f.matched == 2
          - f.examined == 3
          - f.files | map(attribute='path') | sort == ["/srv/conf.d/10-a.conf", "/srv/conf.d/20-b.conf"]
      when: not ansible_check_mode
    - assemble: {src: /srv/conf.d, dest: /srv/fjord.conf, regexp: '\.conf$', delimiter: "# --"}
    - tempfile: {state: directory, suffix: .fjord}
      register: tmp
      changed_when: false
    - assert: {that: [tmp.path is match("/tmp/ansible\\..*\\.fjord")]}
      when: not ansible_check_mode
`, probe, "", "10-a.conf\n# --\n20-b.conf\n")
	})
}
