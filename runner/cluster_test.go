package runner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
)

func init() {
	modules.Register(modules.Info{ID: "fjord_test_cluster", New: func() modules.Module { return &testCluster{} }, Cluster: true})
}

// testCluster touches dir/<host> on every host it is given, through
// that host's connection.
type testCluster struct {
	Dir   string   `arg:"dir,required"`
	Hosts []string `arg:"hosts"`
	// WantPlay, when set, must equal env.PlayHosts.
	WantPlay string `arg:"want_play"`
}

func (m *testCluster) Run(ctx context.Context, env *modules.Env) (*modules.Result, error) {
	if m.WantPlay != "" && strings.Join(env.PlayHosts, ",") != m.WantPlay {
		return modules.Failf("PlayHosts %v, want %s", env.PlayHosts, m.WantPlay), nil
	}
	hosts := env.Hosts
	if len(m.Hosts) > 0 {
		hosts = nil
		for _, p := range m.Hosts {
			hs, err := env.SelectHosts(p)
			if err != nil {
				return nil, err
			}
			hosts = append(hosts, hs...)
		}
	}
	for _, h := range hosts {
		c, b, err := env.HostConn(ctx, h)
		if err != nil {
			return nil, err
		}
		if _, err := c.Exec(ctx, &connection.Cmd{Command: "touch " + connection.Quote(filepath.Join(m.Dir, h)), Become: b}); err != nil {
			return nil, err
		}
	}
	r := &modules.Result{Changed: true}
	r.Set("ran_on", env.Host).Set("hosts", strings.Join(hosts, ","))
	return r, nil
}

// TestClusterModule: a cluster module runs once for the batch, reaches
// every host, and its registered result is every host's.
func TestClusterModule(t *testing.T) {
	for _, c := range []struct {
		name, args, want string
	}{
		{"batch", "", "h1,h2,h3"},
		{"hosts", "hosts: [g2]", "h2,h3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			os.Mkdir(out, 0o755)
			pb := fmt.Sprintf(`- hosts: all
  gather_facts: false
  tasks:
    - fjord_test_cluster:
        dir: %s
        %s
      register: r
    - assert:
        that: r.ran_on == "h1" and r.hosts == %q
`, out, c.args, c.want)
			inv := "h1 ansible_connection=local\n[g2]\nh2 ansible_connection=local\nh3 ansible_connection=local\n"
			os.WriteFile(filepath.Join(dir, "site.yml"), []byte(pb), 0o644)
			os.WriteFile(filepath.Join(dir, "inv"), []byte(inv), 0o644)
			var stdout bytes.Buffer
			code := Run(context.Background(), &Options{Playbooks: []string{filepath.Join(dir, "site.yml")},
				Inventory: []string{filepath.Join(dir, "inv")}, Forks: 5, Stdout: &stdout, Stderr: &stdout})
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stdout.String())
			}
			if n := strings.Count(stdout.String(), "changed: ["); n != 1 {
				t.Fatalf("%d result lines for the cluster task, want 1 (run once):\n%s", n, stdout.String())
			}
			ents, _ := os.ReadDir(out)
			var got []string
			for _, e := range ents {
				got = append(got, e.Name())
			}
			if strings.Join(got, ",") != c.want {
				t.Fatalf("touched %v, want %s", got, c.want)
			}
		})
	}
}

// TestClusterModuleSerial: under serial the batch is part of the play;
// the engine says so through PlayHosts.
func TestClusterModuleSerial(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	pb := fmt.Sprintf(`- hosts: all
  gather_facts: false
  serial: 2
  tasks:
    - fjord_test_cluster: {dir: %s, want_play: "h1,h2,h3"}
`, out)
	os.WriteFile(filepath.Join(dir, "site.yml"), []byte(pb), 0o644)
	os.WriteFile(filepath.Join(dir, "inv"), []byte("h1 ansible_connection=local\nh2 ansible_connection=local\nh3 ansible_connection=local\n"), 0o644)
	var stdout bytes.Buffer
	code := Run(context.Background(), &Options{Playbooks: []string{filepath.Join(dir, "site.yml")},
		Inventory: []string{filepath.Join(dir, "inv")}, Forks: 5, Stdout: &stdout, Stderr: &stdout})
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stdout.String())
	}
	if n := strings.Count(stdout.String(), "changed: ["); n != 2 {
		t.Fatalf("%d result lines, want one per batch:\n%s", n, stdout.String())
	}
}

var _ modules.Module = (*testCluster)(nil)
