package galera

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"
)

// TestGaleraRole converges the shipped roles/galera on three fresh hosts
// whose packages started MariaDB on its own, as a user's would be: the
// role must stop that server, form the cluster over TLS, and a second run
// must change nothing. A row written on one node is read on the others.
func TestGaleraRole(t *testing.T) {
	labtest.Require(t)
	bin := labtest.BuildFjord(t)
	spec := &lab.Spec{
		Name:     "galrole",
		Packages: []string{"mariadb-server", "galera-4", "mariadb-client", "rsync"},
	}
	for _, n := range nodes {
		spec.Hosts = append(spec.Hosts, lab.HostSpec{Name: n, Groups: []string{"db"}})
	}
	_, st := labtest.Up(t, spec)
	c := &cluster{t: t, st: st, bin: bin, dir: t.TempDir()}
	_, file, _, _ := runtime.Caller(0)
	role := filepath.Join(filepath.Dir(file), "..", "..", "roles", "galera")
	play := `- name: Galera from the shipped role
  hosts: db
  roles:
    - role: ` + role + `
      galera_update_cache: false
      galera_cluster_name: fjord_role_test
      galera_buffer_pool_ratio: 0.05
`
	start := time.Now()
	out, code := c.playbook("site.yml", play)
	t.Logf("first converge: %s", time.Since(start).Round(100*time.Millisecond))
	if code != 0 {
		t.Fatalf("converge: exit %d\n%s", code, out)
	}
	c.wantCluster(t)
	for _, n := range nodes {
		opts := c.sql(t, n, "SELECT @@wsrep_provider_options")
		if !strings.Contains(opts, "socket.ssl_cert = /etc/mysql/galera-tls/node-cert.pem") {
			t.Errorf("%s: replication TLS not in force: %s", n, opts)
		}
		if got := strings.TrimSpace(c.sql(t, n, "SELECT @@wsrep_cluster_name")); got != "fjord_role_test" {
			t.Errorf("%s: wsrep_cluster_name %q", n, got)
		}
	}
	c.sql(t, "db1", "CREATE DATABASE fj; CREATE TABLE fj.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO fj.t VALUES (1, 'from-db1')")
	c.wantRow(t, 1, "from-db1")

	start = time.Now()
	out, code = c.playbook("site.yml", play)
	t.Logf("second converge: %s", time.Since(start).Round(100*time.Millisecond))
	if code != 0 {
		t.Fatalf("second converge: exit %d\n%s", code, out)
	}
	for _, n := range nodes {
		wantRecap(t, out, n, "changed=0")
	}
	out, code = c.playbook("site.yml", play, "--check", "--diff")
	if code != 0 {
		t.Fatalf("check mode: exit %d\n%s", code, out)
	}
	for _, n := range nodes {
		wantRecap(t, out, n, "changed=0")
	}
	c.wantCluster(t)
}
