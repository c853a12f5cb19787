// Package galera proves the galera_bootstrap module on three real
// MariaDB+Galera hosts booted by the lab: a fresh cluster, a rerun, a
// node that stopped, a full outage with different seqnos, a crash of
// every node (seqno -1), check mode and a refused split state. It needs root and
// systemd-nspawn; without them it skips, unless FJORD_TEST_REQUIRE=1
// makes that a failure.
package galera

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"

	// The fjord under test is built by `go build`, which go test's cache
	// does not see: linking the engine in makes a change to it (or to
	// galera_bootstrap) a new test binary, so a result is never reused
	// for other code.
	_ "github.com/fjord-run/fjord/modules/galera"
	_ "github.com/fjord-run/fjord/runner"
)

var nodes = []string{"db1", "db2", "db3"}

// cluster is the lab under test.
type cluster struct {
	t   *testing.T
	st  *lab.State
	bin string
	dir string
}

func TestGaleraBootstrap(t *testing.T) {
	labtest.Require(t)
	bin := labtest.BuildFjord(t)
	spec := &lab.Spec{
		Name:     "galera",
		Packages: []string{"mariadb-server", "galera-4", "mariadb-client", "rsync"},
	}
	for _, n := range nodes {
		spec.Hosts = append(spec.Hosts, lab.HostSpec{Name: n, Groups: []string{"db"}})
	}
	_, st := labtest.Up(t, spec)
	c := &cluster{t: t, st: st, bin: bin, dir: t.TempDir()}
	c.prepare()

	// Each step depends on the state the one before left.
	steps := []struct {
		name string
		f    func(t *testing.T)
	}{
		{"fresh", c.fresh},
		{"rerun", c.rerun},
		{"one-stopped", c.oneStopped},
		{"check-mode", c.checkMode},
		{"full-outage", c.fullOutage},
		{"crash", c.crash},
		{"split-refused", c.splitRefused},
	}
	for _, s := range steps {
		start := time.Now()
		ok := t.Run(s.name, s.f)
		t.Logf("%s: %s", s.name, time.Since(start).Round(100*time.Millisecond))
		if !ok {
			t.FailNow()
		}
	}
}

// prepare writes the galera config on every node and leaves mariadb
// stopped and disabled, with no galera state: a fresh cluster.
func (c *cluster) prepare() {
	t := c.t
	var addrs []string
	for _, h := range c.st.Hosts {
		addrs = append(addrs, h.Address)
	}
	pb := fmt.Sprintf(`- hosts: db
  gather_facts: false
  tasks:
    # Socket activation would start mysqld on any connection, SST
    # included, and holds port 3306 that --wsrep-recover binds.
    - name: no socket activation
      systemd: {name: mariadb.socket, state: stopped, enabled: false}
    - name: mariadb stopped
      systemd: {name: mariadb, state: stopped, enabled: false}
    - name: galera config
      copy:
        dest: /etc/mysql/mariadb.conf.d/60-galera.cnf
        content: |
          [galera]
          wsrep_on = ON
          wsrep_provider = /usr/lib/galera/libgalera_smm.so
          wsrep_cluster_address = gcomm://%s
          wsrep_cluster_name = fjordtest
          wsrep_node_address = {{ ansible_host }}
          wsrep_node_name = {{ inventory_hostname }}
          wsrep_sst_method = rsync
          binlog_format = ROW
          default_storage_engine = InnoDB
          innodb_autoinc_lock_mode = 2
          bind-address = 0.0.0.0
    - name: no galera state yet
      file: {path: /var/lib/mysql/grastate.dat, state: absent}
`, strings.Join(addrs, ","))
	start := time.Now()
	out, code := c.playbook("prepare.yml", pb)
	if code != 0 {
		t.Fatalf("prepare: exit %d\n%s", code, out)
	}
	t.Logf("prepare: %s", time.Since(start).Round(100*time.Millisecond))
	c.wantStopped(t)
}

const bootstrapPlay = `- hosts: db
  gather_facts: false
  tasks:
    - name: galera cluster up
      galera_bootstrap:
        cluster_name: fjordtest
        wait_timeout: 240
      register: gb
    - name: show the decision
      debug:
        msg: "GB action={{ gb.action }} bootstrap_node={{ gb.bootstrap_node }} join={{ gb.join | join(',') }} reason: {{ gb.reason }}"
      run_once: true
`

// bootstrap runs galera_bootstrap (with extra fjord flags) and returns
// its output, the decided action, bootstrap node and nodes to join.
func (c *cluster) bootstrap(t *testing.T, flags ...string) (out, action, node, join string) {
	out, code := c.playbook("galera.yml", bootstrapPlay, flags...)
	t.Logf("galera_bootstrap %s:\n%s", strings.Join(flags, " "), out)
	if code != 0 {
		t.Fatalf("galera_bootstrap: exit %d", code)
	}
	m := regexp.MustCompile(`GB action=(\w+) bootstrap_node=(\w*) join=([\w,]*)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no decision in the output")
	}
	return out, m[1], m[2], m[3]
}

func (c *cluster) fresh(t *testing.T) {
	out, action, node, join := c.bootstrap(t)
	if action != "bootstrap" || node != "db1" || join != "db2,db3" {
		t.Fatalf("fresh cluster: action %s on %q, join %s; want bootstrap on db1, join db2,db3", action, node, join)
	}
	wantRecap(t, out, "db1", "changed=1")
	c.wantCluster(t)
}

func (c *cluster) rerun(t *testing.T) {
	out, action, _, _ := c.bootstrap(t)
	if action != "none" {
		t.Fatalf("rerun: action %s, want none", action)
	}
	// The task runs once: the recap counts it for db1 only.
	wantRecap(t, out, "db1", "changed=0")
	if regexp.MustCompile(`changed=[1-9]`).MatchString(out) {
		t.Fatal("a host changed on the rerun")
	}
}

func (c *cluster) oneStopped(t *testing.T) {
	c.sql(t, "db1", "CREATE DATABASE IF NOT EXISTS fj; CREATE TABLE IF NOT EXISTS fj.t (id INT PRIMARY KEY, v VARCHAR(32)); INSERT INTO fj.t VALUES (1, 'first')")
	c.ssh(t, "db2", "systemctl stop mariadb")
	out, action, _, join := c.bootstrap(t)
	if action != "join" || join != "db2" {
		t.Fatalf("one node stopped: action %s, join %s; want join db2", action, join)
	}
	wantRecap(t, out, "db1", "changed=1")
	c.wantCluster(t)
	c.wantRow(t, 1, "first")
}

// checkMode stops the cluster gracefully in the order db3, db1, db2, with
// a write before each stop, so that db2 holds the highest seqno; check
// mode must name db2 and change nothing.
func (c *cluster) checkMode(t *testing.T) {
	c.sql(t, "db3", "INSERT INTO fj.t VALUES (2, 'before db3 stops')")
	c.ssh(t, "db3", "systemctl stop mariadb")
	c.sql(t, "db1", "INSERT INTO fj.t VALUES (3, 'before db1 stops')")
	c.ssh(t, "db1", "systemctl stop mariadb")
	c.sql(t, "db2", "INSERT INTO fj.t VALUES (4, 'last write, on db2')")
	c.ssh(t, "db2", "systemctl stop mariadb")
	before := c.grastates(t)
	t.Logf("grastate.dat after the stops:\n%s", before)
	out, action, node, _ := c.bootstrap(t, "--check")
	if action != "bootstrap" || node != "db2" {
		t.Fatalf("check mode: action %s on %q, want bootstrap on db2", action, node)
	}
	wantRecap(t, out, "db1", "changed=1")
	c.wantStopped(t)
	if after := c.grastates(t); after != before {
		t.Fatalf("check mode changed grastate.dat:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// fullOutage bootstraps the cluster check mode left stopped: db2, with
// the last write, must be chosen, and the last write read everywhere.
func (c *cluster) fullOutage(t *testing.T) {
	out, action, node, join := c.bootstrap(t)
	if action != "bootstrap" || node != "db2" || join != "db1,db3" {
		t.Fatalf("full outage: action %s on %q, join %s; want bootstrap on db2, join db1,db3", action, node, join)
	}
	wantRecap(t, out, "db1", "changed=1")
	c.wantCluster(t)
	c.wantRow(t, 4, "last write, on db2")
}

// crash kills mysqld with SIGKILL: first on db1, then, after a write on
// the two left, on db2 and db3 together. grastate.dat keeps seqno -1
// everywhere; --wsrep-recover must find db2 and db3 ahead of db1.
func (c *cluster) crash(t *testing.T) {
	kill := "systemctl kill -s KILL mariadb; sleep 1; systemctl stop mariadb; systemctl reset-failed mariadb; true"
	c.ssh(t, "db1", kill)
	c.waitSize(t, "db2", 2)
	c.sql(t, "db2", "INSERT INTO fj.t VALUES (5, 'after db1 crashed')")
	var wg sync.WaitGroup
	for _, n := range []string{"db2", "db3"} {
		wg.Add(1)
		go func() { defer wg.Done(); c.ssh(t, n, kill) }()
	}
	wg.Wait()
	c.wantStopped(t)
	g := c.grastates(t)
	t.Logf("grastate.dat after the crash:\n%s", g)
	if strings.Count(g, "seqno:   -1") != 3 {
		t.Fatalf("want seqno -1 on every node after SIGKILL")
	}
	out, action, node, _ := c.bootstrap(t)
	if action != "bootstrap" || node != "db2" {
		t.Fatalf("crash: action %s on %q, want bootstrap on db2 (db2 and db3 tie ahead of db1)", action, node)
	}
	if !strings.Contains(out, "recover") {
		t.Fatal("the output does not mention recovery")
	}
	c.wantCluster(t)
	c.wantRow(t, 4, "last write, on db2")
	c.wantRow(t, 5, "after db1 crashed")
}

// splitRefused gives stopped db3 another cluster's uuid: joining it
// would replace its data, so the module must refuse and start nothing.
func (c *cluster) splitRefused(t *testing.T) {
	c.ssh(t, "db3", "systemctl stop mariadb && sed -i 's/^uuid:.*/uuid:    11111111-2222-3333-4444-555555555555/' /var/lib/mysql/grastate.dat")
	out, code := c.playbook("galera.yml", bootstrapPlay)
	t.Logf("galera_bootstrap:\n%s", out)
	if code == 0 || !strings.Contains(out, "split state: db3 has cluster uuid 11111111-2222-3333-4444-555555555555") {
		t.Fatalf("exit %d, want a refusal naming db3's uuid", code)
	}
	if out, _ := c.sshCode("db3", "systemctl is-active mariadb"); strings.TrimSpace(out) == "active" {
		t.Fatal("db3 was started despite the refusal")
	}
}

// wantCluster checks every node: wsrep_cluster_size 3, Primary, Synced.
func (c *cluster) wantCluster(t *testing.T) {
	t.Helper()
	for _, n := range nodes {
		out := c.sql(t, n, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_cluster_status','wsrep_local_state_comment')")
		for _, want := range []string{"wsrep_cluster_size\t3", "wsrep_cluster_status\tPrimary", "wsrep_local_state_comment\tSynced"} {
			if !strings.Contains(out, want) {
				t.Fatalf("%s: want %q in\n%s", n, want, out)
			}
		}
	}
}

// wantRow checks that every node reads row id with value v.
func (c *cluster) wantRow(t *testing.T, id int, v string) {
	t.Helper()
	for _, n := range nodes {
		out := c.sql(t, n, fmt.Sprintf("SELECT v FROM fj.t WHERE id = %d", id))
		if strings.TrimSpace(out) != v {
			t.Fatalf("%s: row %d is %q, want %q", n, id, strings.TrimSpace(out), v)
		}
	}
}

func (c *cluster) waitSize(t *testing.T, node string, size int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := c.sql(t, node, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_cluster_status')")
		if strings.Contains(out, fmt.Sprintf("wsrep_cluster_size\t%d\n", size)) && strings.Contains(out, "Primary") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: cluster size not %d after 60s:\n%s", node, size, out)
		}
		time.Sleep(time.Second)
	}
}

func (c *cluster) wantStopped(t testing.TB) {
	t.Helper()
	for _, n := range nodes {
		out, _ := c.sshCode(n, "systemctl is-active mariadb; pidof mariadbd || echo no-mariadbd")
		if !strings.Contains(out, "no-mariadbd") || strings.HasPrefix(out, "active") {
			t.Fatalf("%s: want mariadb stopped, got %q", n, out)
		}
	}
}

// grastates is every node's grastate.dat, labelled.
func (c *cluster) grastates(t *testing.T) string {
	var b strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&b, "== %s\n%s", n, c.ssh(t, n, "grep -v '^#' /var/lib/mysql/grastate.dat"))
	}
	return b.String()
}

func (c *cluster) sql(t *testing.T, node, q string) string {
	t.Helper()
	return c.ssh(t, node, "mariadb -N -B -e "+connection.Quote(q))
}

func (c *cluster) ssh(t *testing.T, node, cmd string) string {
	t.Helper()
	out, code := c.sshCode(node, cmd)
	if code != 0 {
		t.Fatalf("ssh %s %q: exit %d\n%s", node, cmd, code, out)
	}
	return out
}

func (c *cluster) sshCode(node, cmd string) (string, int) {
	return labtest.Try(2*time.Minute, "ssh", "-F", c.st.SSHConfig, "-o", "BatchMode=yes", node, cmd)
}

func (c *cluster) playbook(name, text string, flags ...string) (string, int) {
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		c.t.Fatal(err)
	}
	args := append([]string{"playbook", "-i", c.st.Inventory}, flags...)
	return labtest.Try(10*time.Minute, c.bin, append(args, p)...)
}

func wantRecap(t *testing.T, out, host, want string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[0] == host && f[1] == ":" && strings.Contains(line, want+" ") {
			return
		}
	}
	t.Fatalf("want %s %s in the PLAY RECAP", host, want)
}
