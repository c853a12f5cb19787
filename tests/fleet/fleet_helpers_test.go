package fleet_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/lab"
	"github.com/fjord-run/fjord/lab/labtest"
)

// fleet is a converged lab and how to reach it.
type fleet struct {
	st   *lab.State
	bin  string
	vip  string
	addr map[string]string // lab address by host name
	pb   string            // the playbook fjord runs
	disk string            // db1's loop device, set by the base role
}

// ssh runs a shell command on a lab host with ssh(1) and returns its
// output and exit code (-1 when ssh did not run). It does not fail the
// test, so goroutines may call it.
func (f *fleet) ssh(timeout time.Duration, host, script string) (string, int) {
	return labtest.Try(timeout, "ssh", "-F", f.st.SSHConfig, "-o", "BatchMode=yes", host, script)
}

func (f *fleet) mustSSH(t *testing.T, host, script string) string {
	t.Helper()
	out, code := f.ssh(30*time.Second, host, script)
	if code != 0 {
		t.Fatalf("ssh %s %q: exit %d\n%s", host, script, code, out)
	}
	return out
}

// sitePlaybook is the shipped site playbook every fjord run converges.
func sitePlaybook() string {
	return filepath.Join(labtest.RepoRoot(), "playbooks", "hybrid", "site.yml")
}

// playbook runs fjord playbook with the site playbook on the lab's
// inventory and returns its output, its exit code and how long it took.
func (f *fleet) playbook(t *testing.T, args ...string) (string, int, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, f.bin, append([]string{"playbook", "-i", f.st.Inventory, f.pb}, args...)...)
	start := time.Now()
	out, code, err := labtest.Output(cmd)
	if err != nil {
		t.Fatalf("fjord playbook: %v", err)
	}
	return out, code, time.Since(start)
}

// recap parses PLAY RECAP lines: host -> counter -> value.
func recap(out string) map[string]map[string]int {
	res := map[string]map[string]int{}
	in := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "PLAY RECAP") {
			in = true
			continue
		}
		f := strings.Fields(line)
		if in && len(f) == 0 && len(res) > 0 {
			// The recap ends at its first blank line; what follows (the
			// dry run summary) may hold "NAME : ..." lines of its own.
			in = false
			continue
		}
		if !in || len(f) < 3 || f[1] != ":" {
			continue
		}
		m := map[string]int{}
		for _, kv := range f[2:] {
			k, v, ok := strings.Cut(kv, "=")
			if n, err := strconv.Atoi(v); ok && err == nil {
				m[k] = n
			}
		}
		res[f[0]] = m
	}
	return res
}

// checkRecap fails unless every lab host is in the recap without
// failures, and, when wantChanged >= 0, with that many changes.
func (f *fleet) checkRecap(t *testing.T, what, out string, wantChanged int) {
	t.Helper()
	rc := recap(out)
	var bad []string
	for _, h := range f.st.Hosts {
		c, ok := rc[h.Name]
		switch {
		case !ok:
			bad = append(bad, h.Name+" missing from PLAY RECAP")
		case c["failed"] != 0 || c["unreachable"] != 0:
			bad = append(bad, fmt.Sprintf("%s failed=%d unreachable=%d", h.Name, c["failed"], c["unreachable"]))
		case wantChanged >= 0 && c["changed"] != wantChanged:
			bad = append(bad, fmt.Sprintf("%s changed=%d, want %d", h.Name, c["changed"], wantChanged))
		}
	}
	if len(bad) > 0 {
		t.Fatalf("%s: %s; output:\n%s", what, strings.Join(bad, "; "), out)
	}
}

// vipHolders lists the lb hosts that have the VIP on an interface.
func (f *fleet) vipHolders(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, h := range []string{"lb1", "lb2"} {
		if strings.Contains(f.mustSSH(t, h, "ip -o -4 addr show"), " "+f.vip+"/") {
			out = append(out, h)
		}
	}
	return out
}

// waitHolder polls every 100 ms until exactly want holds the VIP.
func (f *fleet) waitHolder(t *testing.T, want string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		h := f.vipHolders(t)
		if len(h) == 1 && h[0] == want {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("VIP %s held by %v after %s, want only %s", f.vip, h, timeout, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pages GETs the VIP n times on fresh connections and counts the bodies.
func (f *fleet) pages(t *testing.T, n int) map[string]int {
	t.Helper()
	c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	got := map[string]int{}
	for i := 0; i < n; i++ {
		resp, err := c.Get("http://" + f.vip + "/")
		if err != nil {
			t.Fatalf("GET http://%s/: %v", f.vip, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET http://%s/: %d %v %q", f.vip, resp.StatusCode, err, b)
		}
		got[strings.TrimSpace(string(b))]++
	}
	return got
}

func (f *fleet) wantBothWebs(t *testing.T, what string) {
	t.Helper()
	got := f.pages(t, 10)
	if len(got) != 2 || got["served by web1"] == 0 || got["served by web2"] == 0 {
		t.Fatalf("%s: 10 requests to the VIP got %v, want pages of web1 and web2", what, got)
	}
	t.Logf("%s: 10 requests to %s: %v", what, f.vip, got)
}

// upFleet boots the lab of spec, with the hosts of keep only when given,
// and prepares it as a user's freshly installed hosts would be.
func upFleet(t *testing.T, name string, keep ...string) *fleet {
	t.Helper()
	labtest.Require(t, "ssh")
	spec, err := lab.LoadSpec(filepath.Join("testdata", "lab.yml"))
	if err != nil {
		t.Fatal(err)
	}
	spec.Name = name
	if len(keep) > 0 {
		var hosts []lab.HostSpec
		for _, h := range spec.Hosts {
			if slices.Contains(keep, h.Name) {
				hosts = append(hosts, h)
			}
		}
		spec.Hosts = hosts
	}
	var disk string
	for i := range spec.Hosts {
		if spec.Hosts[i].Name == "db1" {
			disk = giveDisk(t, &spec.Hosts[i])
		}
	}
	f := upSpec(t, spec)
	f.disk = disk
	st := f.st

	// Every host has every package of the layer, and Debian starts what
	// it installs: nginx off the web group would hold port 80 before
	// HAProxy, MariaDB's socket unit port 3306, and a MariaDB on every
	// host only takes memory.
	for _, h := range st.Hosts {
		if strings.HasPrefix(h.Name, "db") {
			continue
		}
		off := "systemctl disable --now mariadb.socket mariadb"
		if !strings.HasPrefix(h.Name, "web") {
			off += " nginx"
		}
		f.mustSSH(t, h.Name, off)
	}
	return f
}

// upSpec boots the lab of spec and routes the tunnel's network as the
// core site's router would.
func upSpec(t *testing.T, spec *lab.Spec) *fleet {
	t.Helper()
	bin := labtest.BuildFjord(t)
	_, st := labtest.Up(t, spec)
	subnet, err := netip.ParsePrefix(st.Subnet)
	if err != nil {
		t.Fatal(err)
	}
	a := subnet.Addr().As4()
	a[3] = 200
	f := &fleet{st: st, bin: bin, vip: netip.AddrFrom4(a).String(), addr: map[string]string{}, pb: sitePlaybook()}
	for _, h := range st.Hosts {
		f.addr[h.Name] = h.Address
	}
	for _, h := range []string{"db1", "db2", "lb1", "lb2"} {
		f.routeTunnel(t, h)
	}
	return f
}

// routeTunnel gives host the route the core LAN's router would: the
// tunnel's network through the tunnel's server. In the lab every core
// host that talks to db3 has it; a host booted again needs it again.
func (f *fleet) routeTunnel(t *testing.T, host string) {
	t.Helper()
	vpn, ok := f.addr["vpn-oslo"]
	if _, in := f.addr[host]; ok && in {
		f.mustSSH(t, host, "ip route replace 10.8.0.0/24 via "+vpn)
	}
}

// ansiblePlaybook runs ansible-playbook with pb on the lab's inventory
// and returns its output; it skips (or fails under FJORD_TEST_REQUIRE)
// without ansible-playbook and the ansible.posix collection.
func (f *fleet) ansiblePlaybook(t *testing.T, pb string, args ...string) (string, int, time.Duration) {
	t.Helper()
	ap := labtest.Tool(t, "ansible-playbook", "ansible-core")
	if err := exec.Command("ansible-doc", "-t", "module", "ansible.posix.sysctl").Run(); err != nil {
		labtest.Unavailable(t, "the ansible.posix collection (apt-get install -y ansible): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ap, append([]string{"-i", f.st.Inventory, pb}, args...)...)
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_HOST_KEY_CHECKING=True")
	start := time.Now()
	out, code, err := labtest.Output(cmd)
	if err != nil {
		t.Fatalf("ansible-playbook: %v", err)
	}
	return out, code, time.Since(start)
}

// ansibleYML is the site playbook without its databases: the galera role
// uses galera_bootstrap, which ansible-playbook does not have.
func ansibleYML() string {
	return filepath.Join(labtest.RepoRoot(), "tests", "fleet", "testdata", "ansible.yml")
}

// stateScript prints what a run could change on a host: every file under
// /etc and /var/www with its mode, owner, size and mtime, the state of
// the services the roles manage, the sysctls they set and the addresses.
const stateScript = `find /etc /var/www -xdev -printf '%p %m %u:%g %s %T@ %l\n' 2>/dev/null | sort
for u in nginx haproxy keepalived mariadb mariadb.socket openvpn-server@server openvpn-client@client; do
  echo "$u $(systemctl is-active $u) $(systemctl is-enabled $u 2>/dev/null)"
done
sysctl net.core.somaxconn net.ipv4.ip_forward net.ipv4.ip_nonlocal_bind net.ipv4.tcp_fin_timeout
ip -o addr show | awk '{print $2, $4}'
ls -a /var/lib/mysql`

// snapshot records stateScript's output on every host.
func (f *fleet) snapshot(t *testing.T) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, h := range f.st.Hosts {
		m[h.Name] = f.mustSSH(t, h.Name, stateScript)
	}
	return m
}

// lineDiff lists the lines only in a (-) and only in b (+).
func lineDiff(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ina, inb := in(a), in(b)
	var out strings.Builder
	for _, l := range strings.Split(a, "\n") {
		if !inb[l] {
			out.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if !ina[l] {
			out.WriteString("+ " + l + "\n")
		}
	}
	return out.String()
}

// sql runs statements with the mysql client as root on a db host.
func (f *fleet) sql(t *testing.T, host, q string) string {
	t.Helper()
	return f.mustSSH(t, host, "mysql -Nse "+connection.Quote(q))
}

// vcpus is the host's processor count as facts give it
// (ansible_processor_vcpus), what worker_processes should be.
func vcpus(t *testing.T, f *fleet, host string) int {
	n, err := strconv.Atoi(strings.TrimSpace(f.mustSSH(t, host, "grep -c ^processor /proc/cpuinfo")))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
