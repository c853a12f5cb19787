// Package fleet_test converges playbooks/hybrid/site.yml, the shipped
// roles (base, openvpn, nginx, galera, haproxy_keepalived) as a user runs
// them, on a lab of eight real Debian hosts laid out as the example
// inventory (a core site and a failover database across an OpenVPN
// tunnel), and checks what they are for: HTTP and MySQL through the VIP,
// the VIP failing over when HAProxy stops, a Galera cluster of three whose
// third node replicates through the tunnel, a second run and a --check
// --diff run that change nothing, a --check --diff run on the fresh fleet
// that shows its diffs and touches nothing, and ansible-playbook finding
// nothing to change in what fjord converged, and collection modules run
// from their Python code (the lab layer carries python3 for those).
package fleet_test

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab/labtest"
)

func TestFleet(t *testing.T) {
	f := upFleet(t, "fleet")
	st := f.st

	// --check --diff on the fresh fleet: every host reports changes and
	// shows diffs, and nothing on any host changes.
	t.Run("check-diff-fresh", func(t *testing.T) {
		before := f.snapshot(t)
		out, code, d := f.playbook(t, "--check", "--diff")
		if code != 0 {
			t.Fatalf("--check --diff on the fresh fleet: exit %d\n%s", code, out)
		}
		f.checkRecap(t, "--check --diff (fresh)", out, -1)
		for h, c := range recap(out) {
			if c["changed"] == 0 {
				t.Errorf("--check --diff on the fresh fleet: %s changed=0, want changes", h)
			}
		}
		// A template's diff ends its header with the template's path.
		for _, want := range []string{"nginx/templates/nginx.conf.j2", "haproxy_keepalived/templates/haproxy.cfg.j2",
			"haproxy_keepalived/templates/keepalived.conf.j2", "galera/templates/galera.cnf.j2",
			"openvpn/templates/server.conf.j2", "openvpn/templates/client.conf.j2"} {
			if !regexp.MustCompile(`(?m)^\+\+\+ after: \S*/` + regexp.QuoteMeta(want) + `\n@@ `).MatchString(out) {
				t.Errorf("--check --diff on the fresh fleet shows no diff of %s", want)
			}
		}
		after := f.snapshot(t)
		for h, b := range before {
			if after[h] != b {
				t.Errorf("%s changed under --check:\n%s", h, lineDiff(b, after[h]))
			}
		}
		if t.Failed() {
			t.Fatalf("output:\n%s", out)
		}
		t.Logf("--check --diff on the fresh fleet: %s, nothing touched", d.Round(time.Millisecond))
	})

	diskBefore := queue(t, f.disk)
	out, code, d1 := f.playbook(t)
	f.logRetried(t, out)
	if code != 0 {
		f.logFailedHosts(t, out)
		t.Fatalf("first converge: exit %d\n%s", code, out)
	}
	f.checkRecap(t, "first converge", out, -1)
	out, code, d2 := f.playbook(t)
	if code != 0 {
		f.logFailedHosts(t, out)
		t.Fatalf("second converge: exit %d\n%s", code, out)
	}
	f.checkRecap(t, "second converge", out, 0)
	t.Logf("converge of %d hosts: first run %s, second run %s (changed=0 on every host)",
		len(st.Hosts), d1.Round(time.Millisecond), d2.Round(time.Millisecond))

	// ansible-playbook finds nothing to change on what fjord converged:
	// same files, modes, links, services and sysctls.
	t.Run("ansible-agrees", func(t *testing.T) {
		// db1's I/O scheduler is fjord's own module, which
		// ansible-playbook does not have.
		out, code, d := f.ansiblePlaybook(t, ansibleYML(), "-e", "base_iosched_enabled=false")
		if code != 0 {
			f.logFailedHosts(t, out)
			t.Fatalf("ansible-playbook on the converged fleet: exit %d\n%s", code, out)
		}
		f.checkRecap(t, "ansible-playbook", out, 0)
		t.Logf("ansible-playbook on the fleet fjord converged: changed=0 on all hosts in %s", d.Round(time.Millisecond))
	})

	t.Run("check-diff", func(t *testing.T) {
		out, code, d := f.playbook(t, "--check", "--diff")
		if code != 0 {
			t.Fatalf("--check --diff: exit %d\n%s", code, out)
		}
		f.checkRecap(t, "--check --diff", out, 0)
		if strings.Contains(out, "--- before") || strings.Contains(out, "+++ after") {
			t.Fatalf("--check --diff on the converged fleet shows a diff:\n%s", out)
		}
		t.Logf("--check --diff on the converged fleet: changed=0 in %s", d.Round(time.Millisecond))
	})

	// The base role set db1's disk, a loop device of this machine whose
	// sysfs directory the host sees: through the kernel, not a built
	// tree. The --check runs before left it as it was.
	t.Run("iosched", func(t *testing.T) {
		after := queue(t, f.disk)
		t.Logf("db1's disk %s: before the converge %s; after %s", f.disk, diskBefore, after)
		if !strings.HasPrefix(diskBefore, "scheduler=[none] ") || !strings.Contains(diskBefore, " read_ahead_kb=128 ") {
			t.Errorf("%s after the --check run on the fresh fleet: %s, want it untouched", f.disk, diskBefore)
		}
		if !strings.Contains(after, "[mq-deadline]") || !strings.Contains(after, " read_ahead_kb=4096 ") {
			t.Errorf("%s after the converge: %s, want mq-deadline and read_ahead_kb 4096", f.disk, after)
		}
		rule := `KERNEL=="` + f.disk + `", ATTR{queue/scheduler}="mq-deadline", ATTR{queue/read_ahead_kb}="4096"`
		if rules := f.mustSSH(t, "db1", "cat /etc/udev/rules.d/60-fjord-iosched.rules"); !strings.Contains(rules, rule) {
			t.Errorf("db1's udev rules lack %s:\n%s", rule, rules)
		}
	})

	t.Run("nginx", func(t *testing.T) {
		for _, h := range []string{"web1", "web2"} {
			conf := f.mustSSH(t, h, "nginx -T 2>/dev/null")
			for _, want := range []string{"server_tokens off;", "gzip on;", "sendfile on;", "tcp_nopush on;",
				"worker_processes " + strconv.Itoa(vcpus(t, f, h)) + ";"} {
				if !strings.Contains(conf, want) {
					t.Errorf("%s: nginx -T lacks %q", h, want)
				}
			}
			if out, code := f.ssh(10*time.Second, h, "test -e /etc/nginx/sites-enabled/default"); code == 0 {
				t.Errorf("%s: the default site is still enabled %s", h, out)
			}
		}
	})

	t.Run("vip", func(t *testing.T) {
		// Highest priority (first in the lb group) holds it.
		f.waitHolder(t, "lb1", 15*time.Second)
		f.wantBothWebs(t, "through the VIP from the controller")
		out := f.mustSSH(t, "web1", "curl -fsS --max-time 3 http://"+f.vip+"/ http://"+f.vip+"/")
		if !strings.Contains(out, "served by web1") || !strings.Contains(out, "served by web2") {
			t.Fatalf("curl to the VIP from web1: %q, want both pages", out)
		}
	})

	// The seed's figure: the VIP on the backup in under a second when
	// HAProxy dies, never on both load balancers, back on the first
	// without flapping.
	t.Run("failover", func(t *testing.T) { f.testVIPFailover(t, 10, 3) })

	t.Run("tunnel", func(t *testing.T) {
		out := f.mustSSH(t, "db3", "ip -o -4 addr show dev tun0")
		if !strings.Contains(out, " 10.8.0.5/24 ") {
			t.Fatalf("db3 tun0: %q, want 10.8.0.5/24 from the server's client-config-dir", out)
		}
		f.mustSSH(t, "db3", "ping -c 3 -i 0.2 -W 2 10.8.0.1")
		f.mustSSH(t, "vpn-oslo", "ping -c 3 -i 0.2 -W 2 10.8.0.5")
		// The core databases and load balancers reach db3 through the
		// tunnel server, and db3 reaches them through tun0 (pushed routes).
		for _, h := range []string{"db1", "db2", "lb1", "lb2"} {
			f.mustSSH(t, h, "ping -c 2 -i 0.2 -W 2 10.8.0.5")
			if out := f.mustSSH(t, "db3", "ip route get "+f.addr[h]); !strings.Contains(out, " dev tun0 ") {
				t.Errorf("db3 reaches %s (%s) outside the tunnel: %q", h, f.addr[h], out)
			}
		}
		if out := f.mustSSH(t, "vpn-oslo", "journalctl -u openvpn-server@server --no-pager"); !strings.Contains(out, "AES-256-GCM") {
			t.Errorf("server log does not show the AES-256-GCM data channel")
		}
	})

	t.Run("galera", func(t *testing.T) {
		for _, n := range []string{"db1", "db2", "db3"} {
			got := f.sql(t, n, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"+
				" WHERE VARIABLE_NAME IN ('WSREP_CLUSTER_SIZE', 'WSREP_CLUSTER_STATUS', 'WSREP_LOCAL_STATE_COMMENT') ORDER BY VARIABLE_NAME")
			if strings.Fields(got)[0] != "3" || !strings.Contains(got, "Primary") || !strings.Contains(got, "Synced") {
				t.Fatalf("%s: size/status/state %q, want 3 Primary Synced", n, got)
			}
			if opts := f.sql(t, n, "SELECT @@wsrep_provider_options"); !strings.Contains(opts, "socket.ssl_cert = ") {
				t.Errorf("%s: replication without TLS: %s", n, opts)
			}
		}
		// db3's replication connections are those of its tunnel address.
		peers := f.mustSSH(t, "db3", "ss -Htn state established '( sport = :4567 or dport = :4567 )'")
		for _, h := range []string{"db1", "db2"} {
			if !regexp.MustCompile(`10\.8\.0\.5:\d+\s+` + regexp.QuoteMeta(f.addr[h]) + `:\d+`).MatchString(peers) {
				t.Errorf("db3 has no Galera connection from 10.8.0.5 to %s (%s):\n%s", h, f.addr[h], peers)
			}
		}
		// A row written on either side is read on every node, and the
		// writes cross the tunnel: its byte counters move.
		tunBytes := func() int {
			n, err := strconv.Atoi(strings.TrimSpace(f.mustSSH(t, "db3", "cat /sys/class/net/tun0/statistics/rx_bytes")))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		rx := tunBytes()
		f.sql(t, "db1", "CREATE DATABASE IF NOT EXISTS fleet; CREATE TABLE IF NOT EXISTS fleet.t (id INT PRIMARY KEY, v VARCHAR(32));"+
			" REPLACE INTO fleet.t VALUES (1, 'written on db1')")
		f.sql(t, "db3", "REPLACE INTO fleet.t VALUES (3, 'written on db3')")
		for _, n := range []string{"db1", "db2", "db3"} {
			if got := f.sql(t, n, "SELECT GROUP_CONCAT(v ORDER BY id) FROM fleet.t WHERE id IN (1, 3)"); strings.TrimSpace(got) != "written on db1,written on db3" {
				t.Errorf("%s reads %q", n, got)
			}
		}
		if got := tunBytes() - rx; got < 500 {
			t.Errorf("db3's tun0 received %d bytes during the writes", got)
		} else {
			t.Logf("writes on db1 and db3 read on all three nodes; db3's tun0 received %d bytes meanwhile", got)
		}
	})

	// A configuration change reaches running nodes by a restart of one
	// node at a time, each Synced again before the next goes down: the
	// cluster never has fewer than two members, and keeps its data.
	t.Run("galera-rolling-restart", func(t *testing.T) {
		// db2 samples the cluster size every 100 ms while the run goes.
		done := make(chan string, 1)
		go func() {
			out, _ := f.ssh(5*time.Minute, "db2", `while [ ! -e /tmp/stop-sampling ]; do
  mysql -Nse "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'" 2>/dev/null || echo down
  sleep 0.1; done; rm -f /tmp/stop-sampling`)
			done <- out
		}()
		out, code, d := f.playbook(t, "-l", "db", "-e", "galera_innodb_io_capacity=1500")
		f.mustSSH(t, "db2", "touch /tmp/stop-sampling")
		samples := <-done
		if code != 0 {
			t.Fatalf("converge with a new io_capacity: exit %d\n%s", code, out)
		}
		f.logRetried(t, out)
		if n := strings.Count(out, "TASK [galera : Restart nodes whose configuration changed, one at a time]"); n != 1 {
			t.Fatalf("restart task ran %d times:\n%s", n, out)
		}
		for _, n := range []string{"db1", "db2", "db3"} {
			if got := strings.TrimSpace(f.sql(t, n, "SELECT @@innodb_io_capacity")); got != "1500" {
				t.Errorf("%s: innodb_io_capacity %s after the run, want 1500", n, got)
			}
		}
		sizes := map[string]int{}
		for _, l := range strings.Fields(samples) {
			sizes[l]++
		}
		// db2's own restart shows as "down", or as size 0 in the moment
		// its server answers queries before it has connected to the
		// group (wsrep reports 0 only for a node in no component; a node
		// cut off from the others reports 1). The other two restarts
		// show as size 2.
		if sizes["1"] > 0 || sizes["2"] == 0 {
			t.Errorf("cluster sizes seen from db2 during the rolling restart: %v, want 2s and 3s only", sizes)
		}
		t.Logf("rolling restart of db1, db2, db3 in %s; cluster sizes seen from db2: %v", d.Round(time.Millisecond), sizes)
		if got := f.sql(t, "db3", "SELECT v FROM fleet.t WHERE id = 1"); strings.TrimSpace(got) != "written on db1" {
			t.Errorf("db3 after the rolling restart reads %q", got)
		}
		// Back to the inventory's configuration.
		out, code, _ = f.playbook(t, "-l", "db")
		f.logRetried(t, out)
		if code != 0 {
			t.Fatalf("converge back: exit %d\n%s", code, out)
		}
	})

	// HAProxy's mysql frontend on the VIP sends clients to one writer
	// (db1), and its mysql-check logs in as the galera role's check user.
	t.Run("mysql-via-vip", func(t *testing.T) {
		f.waitHolder(t, "lb1", 15*time.Second)
		var got string
		for i := 0; i < 20; i++ {
			out, code := f.ssh(10*time.Second, "web1", "mysql -h "+f.vip+" -u haproxy_check -Nse 'SELECT @@hostname'")
			if got = strings.TrimSpace(out); code == 0 && got == "db1" {
				break
			}
			time.Sleep(time.Second)
		}
		if got != "db1" {
			t.Fatalf("mysql through the VIP: %q, want db1 (the writer)", got)
		}
		// Every node passes the check, db3 through the tunnel included.
		// A node may still be rising (two passed checks) when this starts:
		// the converge back above restarts the nodes one by one, and lb1
		// was killed and booted again by the failover test before its
		// route to the tunnel was back.
		var down []string
		var csv string
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
			csv = f.mustSSH(t, "lb1", "curl -fsS --max-time 3 'http://127.0.0.1:8404/stats;csv'")
			down = down[:0]
			for _, n := range []string{"db1", "db2", "db3"} {
				if !regexp.MustCompile(`(?m)^mysql,` + n + `,([^,]*,){15}UP,`).MatchString(csv) {
					down = append(down, n)
				}
			}
			if len(down) == 0 || time.Now().After(deadline) {
				break
			}
		}
		if len(down) > 0 {
			t.Errorf("HAProxy on lb1 does not see %v UP after 30s:\n%s", down, csv)
		}
	})

	// A site nginx rejects fails the run at "Validate nginx configuration"
	// and is never loaded: the running nginx keeps serving.
	t.Run("nginx-validates-before-reload", func(t *testing.T) {
		web1, err := st.Host("web1")
		if err != nil {
			t.Fatal(err)
		}
		bad := `{"nginx_sites": [{"name": "fleet", "default_server": true, "root": "/var/www/fleet",` +
			` "index_content": "served by {{ inventory_hostname }}\n", "extra": ["no_such_directive on;"]}]}`
		out, code, _ := f.playbook(t, "-l", "web1", "-e", bad)
		if code == 0 || recap(out)["web1"]["failed"] != 1 {
			t.Fatalf("a site nginx -t rejects: exit %d, want web1 failed=1:\n%s", code, out)
		}
		if !regexp.MustCompile(`(?s)RUNNING HANDLER \[nginx : Validate nginx configuration\][^\n]*\n(fatal|failed): \[web1\]`).MatchString(out) {
			t.Fatalf("web1 did not fail at the validate handler:\n%s", out)
		}
		if strings.Contains(out, "RUNNING HANDLER [nginx : Reload nginx]") {
			t.Fatalf("nginx reloaded after a failed check:\n%s", out)
		}
		c := &http.Client{Timeout: 3 * time.Second}
		resp, err := c.Get("http://" + web1.Address + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.TrimSpace(string(b)) != "served by web1" {
			t.Fatalf("web1 after the rejected site: %d %q", resp.StatusCode, b)
		}
		// The inventory's sites converge again.
		out, code, _ = f.playbook(t, "-l", "web1")
		if code != 0 || recap(out)["web1"]["changed"] == 0 {
			t.Fatalf("reconverge web1: exit %d, want changes:\n%s", code, out)
		}
		if conf := f.mustSSH(t, "web1", "nginx -T 2>&1"); strings.Contains(conf, "no_such_directive") {
			t.Fatal("the rejected directive is still in nginx's configuration")
		}
	})
}

// TestAnsibleConverges converges the roles that use only Ansible's modules
// (base, openvpn, nginx, haproxy_keepalived) with ansible-playbook 2.14 on
// fresh lab hosts: they converge, a second ansible-playbook run changes
// nothing, fjord finds nothing to change in what ansible-playbook made,
// and what they made works (HTTP through the VIP, the tunnel).
func TestAnsibleConverges(t *testing.T) {
	f := upFleet(t, "ansfleet", "web1", "lb1", "lb2", "vpn-oslo", "db3")
	f.pb = ansibleYML()
	out, code, d1 := f.ansiblePlaybook(t, f.pb)
	f.logRetried(t, out)
	if code != 0 {
		f.logFailedHosts(t, out)
		t.Fatalf("ansible-playbook on fresh hosts: exit %d\n%s", code, out)
	}
	f.checkRecap(t, "ansible-playbook (fresh)", out, -1)
	out, code, d2 := f.ansiblePlaybook(t, f.pb)
	if code != 0 {
		f.logFailedHosts(t, out)
		t.Fatalf("second ansible-playbook: exit %d\n%s", code, out)
	}
	f.checkRecap(t, "second ansible-playbook", out, 0)
	out, code, d3 := f.playbook(t)
	if code != 0 {
		t.Fatalf("fjord on what ansible-playbook converged: exit %d\n%s", code, out)
	}
	f.checkRecap(t, "fjord after ansible-playbook", out, 0)
	t.Logf("ansible-playbook converged %d fresh hosts in %s, then changed=0 in %s; fjord changed=0 in %s",
		len(f.st.Hosts), d1.Round(time.Millisecond), d2.Round(time.Millisecond), d3.Round(time.Millisecond))

	f.waitHolder(t, "lb1", 15*time.Second)
	if got := f.pages(t, 4); got["served by web1"] != 4 {
		t.Fatalf("through the VIP: %v, want web1's page 4 times", got)
	}
	f.mustSSH(t, "db3", "ping -c 3 -i 0.2 -W 2 10.8.0.1")

	// Collection modules fjord does not have natively run from their
	// Python code in Debian's ansible package on these hosts (they have
	// python3): fjord on web1 and ansible-playbook on lb2 converge the
	// same playbook with the same recaps and the same file.
	t.Run("collection-modules", func(t *testing.T) {
		pb := filepath.Join(t.TempDir(), "ini.yml")
		if err := os.WriteFile(pb, []byte(`- hosts: all
  gather_facts: false
  tasks:
    - community.general.ini_file:
        path: /tmp/fjord-ini.conf
        section: main
        option: listen
        value: "8080"
        mode: "0640"
    - community.general.ini_file:
        path: /tmp/fjord-ini.conf
        section: extra
        option: workers
        value: "4"
    - community.general.ini_file:
        path: /tmp/fjord-ini.conf
        section: extra
        option: debug
        state: absent
`), 0o644); err != nil {
			t.Fatal(err)
		}
		ap := labtest.Tool(t, "ansible-playbook", "ansible-core")
		run := func(tool, host string) map[string]int {
			t.Helper()
			args := []string{"-i", f.st.Inventory, pb, "-l", host}
			cmd := exec.Command(ap, args...)
			if tool == "fjord" {
				cmd = exec.Command(f.bin, append([]string{"playbook"}, args...)...)
			}
			cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1")
			out, code, err := labtest.Output(cmd)
			if err != nil || code != 0 {
				t.Fatalf("%s on %s: exit %d (%v)\n%s", tool, host, code, err, out)
			}
			return recap(out)[host]
		}
		for i, want := range []int{2, 0} {
			fj, an := run("fjord", "web1"), run("ansible", "lb2")
			if fj["changed"] != want || an["changed"] != want || fj["ok"] != an["ok"] {
				t.Errorf("run %d: fjord recap %v, ansible-playbook recap %v, want changed=%d on both", i+1, fj, an, want)
			}
		}
		stat := "stat -c '%a %U %s' /tmp/fjord-ini.conf && cat /tmp/fjord-ini.conf"
		if a, b := f.mustSSH(t, "web1", stat), f.mustSSH(t, "lb2", stat); a != b {
			t.Errorf("the ini file differs:\nfjord (web1):\n%s\nansible-playbook (lb2):\n%s", a, b)
		}
	})
}

// logFailedHosts logs, for each host a run reported failed, the host's
// failed units and the end of its journal: a failure in CI is then
// explained by the run that had it.
func (f *fleet) logFailedHosts(t *testing.T, out string) {
	f.logHosts(t, out, failedRe, "systemctl --failed --no-pager; journalctl -n 80 --no-pager", "failed; its failed units and journal")
}

// logRetried logs the journal of each host a task of the roles had to
// try again (a galera restart has failed in CI with "a fatal signal was
// delivered to the control process", an haproxy reload with "Job for
// haproxy.service failed"; neither cause is known yet).
func (f *fleet) logRetried(t *testing.T, out string) {
	f.logHosts(t, out, retriedRe, "journalctl -n 100 --no-pager", "was tried again; its journal")
}

var (
	failedRe  = regexp.MustCompile(`(?m)^(?:fatal|failed): \[([^\]\s]+)()`)
	retriedRe = regexp.MustCompile(`FAILED - RETRYING: \[([^\]\s]+)\]: ([^(]*)`)
)

// logHosts runs script on each host re's first group names in out, once
// a host, and logs what it printed; re's second group (a task) goes into
// the line.
func (f *fleet) logHosts(t *testing.T, out string, re *regexp.Regexp, script, what string) {
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		if h := m[1]; !seen[h] {
			seen[h] = true
			j, _ := f.ssh(20*time.Second, h, script)
			line := h + " " + what
			if task := strings.TrimSpace(m[2]); task != "" {
				line = h + "'s " + strconv.Quote(task) + " " + what
			}
			t.Logf("%s:\n%s", line, j)
		}
	}
}
