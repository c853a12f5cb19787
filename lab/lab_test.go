package lab

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	for _, c := range []struct {
		name, in, err string
		hosts         int
	}{
		{"list", "hosts: [a, b]\n", "", 2},
		{"full", "name: web\nsubnet: 10.213.9.0/24\npackages: [nginx]\nhosts:\n  - name: w1\n    groups: [web]\n    vars: {port: 80}\ngroups:\n  web:\n    vars: {x: 1}\n", "", 1},
		{"unknown field", "hosts: [a]\nhostz: 1\n", "hostz", 0},
		{"unknown host field", "hosts:\n  - name: a\n    group: [x]\n", "group", 0},
		{"no hosts", "name: x\n", "no hosts", 0},
		{"dup", "hosts: [a, a]\n", "twice", 0},
		{"bad name", "hosts: [A_1]\n", "host name", 0},
		{"long lab name", "name: abcdefghij\nhosts: [a]\n", "lab name", 0},
		{"not a /24", "subnet: 10.213.0.0/16\nhosts: [a]\n", "/24", 0},
		{"public", "subnet: 8.8.8.0/24\nhosts: [a]\n", "private", 0},
		{"bad package", "packages: ['nginx; rm -rf /']\nhosts: [a]\n", "package", 0},
		{"vars not a map", "hosts:\n  - name: a\n    vars: [1]\n", "mapping", 0},
		{"binds", "hosts:\n  - name: a\n    binds: [/srv/x, '/sys/devices/virtual/block/loop0:/run/sysfs/block/loop0']\n", "", 1},
		{"bind under /sys", "hosts:\n  - name: a\n    binds: ['/sys/x:/sys/x']\n", "mounted over binds", 0},
		{"relative bind", "hosts:\n  - name: a\n    binds: [srv/x]\n", "absolute", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSpec([]byte(c.in))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Hosts) != c.hosts {
				t.Fatalf("%d hosts, want %d", len(s.Hosts), c.hosts)
			}
		})
	}
}

func TestAccessFiles(t *testing.T) {
	dir := t.TempDir()
	spec, err := ParseSpec([]byte(`hosts:
  - name: db1
    groups: [db, galera]
    vars: {server_id: 1}
  - name: db2
    groups: [db]
  - solo
groups:
  cluster:
    children: [db]
    vars: {cluster_name: c1}
vars: {motd: hi}
`))
	if err != nil {
		t.Fatal(err)
	}
	st := &State{Name: "x", Key: "/k", Inventory: filepath.Join(dir, "inv", "hosts"),
		SSHConfig: filepath.Join(dir, "ssh_config"), KnownHosts: filepath.Join(dir, "known_hosts")}
	subnet := netip.MustParsePrefix(DefaultSubnet)
	for i, h := range spec.Hosts {
		st.Hosts = append(st.Hosts, &HostState{Name: h.Name, Address: hostAddr(subnet, i).String(),
			HostKey: "ssh-ed25519 AAAAC3Nza root@" + h.Name})
	}
	if err := writeAccess(st, spec); err != nil {
		t.Fatal(err)
	}
	inv, _ := os.ReadFile(st.Inventory)
	for _, want := range []string{
		"solo ansible_host=10.213.7.13\n", "[db]\ndb1 ansible_host=10.213.7.11\ndb2 ansible_host=10.213.7.12\n",
		"[galera]\ndb1\n", "[cluster:children]\ndb\n",
		"ansible_ssh_common_args='-o UserKnownHostsFile=" + st.KnownHosts + " -o StrictHostKeyChecking=yes",
	} {
		if !strings.Contains(string(inv), want) {
			t.Errorf("inventory lacks %q:\n%s", want, inv)
		}
	}
	for p, want := range map[string]string{
		"inv/host_vars/db1.yml":      "server_id: 1",
		"inv/group_vars/cluster.yml": "cluster_name: c1",
		"inv/group_vars/all.yml":     "motd: hi",
		"known_hosts":                "db2,10.213.7.12 ssh-ed25519 AAAAC3Nza\n",
		"ssh_config":                 "Host solo 10.213.7.13\n  HostName 10.213.7.13\n",
	} {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q (%v):\n%s", p, want, err, b)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "inv/host_vars/db2.yml")); err == nil {
		t.Error("host_vars for a host without vars")
	}
}

func TestChangedTasks(t *testing.T) {
	doc := `[WARNING]: something
{"plays": [{"play": {"name": "p"}, "tasks": [
  {"task": {"name": "a", "path": "c.yml:3"}, "hosts": {"h2": {"changed": true}, "h1": {"changed": true}}},
  {"task": {"name": "b"}, "hosts": {"h1": {"changed": false}}}]}],
 "stats": {"h1": {"changed": 1}, "h2": {"changed": 1}}}`
	got, err := changedTasks([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Task != "a" || strings.Join(got[0].Hosts, ",") != "h1,h2" {
		t.Fatalf("got %+v", got)
	}
	got, err = changedTasks([]byte(`{"plays": [], "stats": {"h1": {"changed": 0}}}`))
	if err != nil || len(got) != 0 {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestNames(t *testing.T) {
	if n := vethName(machineName("abcdefghi", "a-very-long-host-name-indeed")); len(n) > 15 {
		t.Fatalf("veth name %q longer than IFNAMSIZ-1", n)
	}
	if n := bridgeName("abcdefghi"); len(n) > 15 {
		t.Fatalf("bridge name %q too long", n)
	}
	if machineName("a", "h1") == machineName("b", "h1") {
		t.Fatal("machine names collide across labs")
	}
	if a, err := hexAddr("0007D50A"); err != nil || a.String() != "10.213.7.0" {
		t.Fatalf("hexAddr: %v %v", a, err)
	}
}

func TestScenarioRolesPath(t *testing.T) {
	root := t.TempDir()
	sc := filepath.Join(root, "roles", "nginx", "molecule", "default")
	for _, d := range []string{sc, filepath.Join(root, "roles", "nginx", "tasks")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got := scenarioRolesPath(sc)
	if len(got) != 1 || got[0] != filepath.Join(root, "roles") {
		t.Fatalf("got %v", got)
	}
}
