package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fjord-run/fjord/connection"
)

// probeDialer records the connection options the engine dials with and
// refuses every connection.
type probeDialer struct {
	mu   sync.Mutex
	seen map[string]connection.Options
}

func (p *probeDialer) Dial(_ context.Context, o connection.Options) (connection.Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen[o.Host] = o
	return nil, errors.New("probe: not dialling")
}

var probe = &probeDialer{seen: map[string]connection.Options{}}

func init() { connection.Register("fjordtest-probe", probe) }

func probeRun(t *testing.T, o *Options, files map[string]string) map[string]connection.Options {
	t.Helper()
	dir := writeFiles(t, files)
	probe.mu.Lock()
	probe.seen = map[string]connection.Options{}
	probe.mu.Unlock()
	var out bytes.Buffer
	o.Playbooks = []string{filepath.Join(dir, "site.yml")}
	o.Inventory = []string{filepath.Join(dir, "hosts")}
	o.Connection = "fjordtest-probe"
	o.Stdout, o.Stderr = &out, &out
	Run(context.Background(), o)
	probe.mu.Lock()
	defer probe.mu.Unlock()
	return probe.seen
}

// The ssh arguments of the command line and ansible.cfg reach the
// connection as Options, without any environment variable; a host's own
// ansible_ssh_*_args win.
func TestOptionsSSHArgsReachConnection(t *testing.T) {
	seen := probeRun(t, &Options{SSHArgs: "-o ConnectTimeout=3", SSHCommonArgs: "-o ProxyJump=bastion", SSHExtraArgs: "-o Port=2222"},
		map[string]string{
			"hosts":    "h1\nh2 ansible_ssh_common_args='-o ProxyJump=other'\n",
			"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n",
		})
	for host, want := range map[string]map[string]string{
		"h1": {"ansible_ssh_args": "-o ConnectTimeout=3", "ansible_ssh_common_args": "-o ProxyJump=bastion", "ansible_ssh_extra_args": "-o Port=2222"},
		"h2": {"ansible_ssh_args": "-o ConnectTimeout=3", "ansible_ssh_common_args": "-o ProxyJump=other", "ansible_ssh_extra_args": "-o Port=2222"},
	} {
		o, ok := seen[host]
		if !ok {
			t.Fatalf("%s was not dialled (dialled: %v)", host, seen)
		}
		for k, v := range want {
			if o.Extra[k] != v {
				t.Errorf("%s: Extra[%s] = %q, want %q", host, k, o.Extra[k], v)
			}
		}
	}
}

// gathering=explicit from ansible.cfg reaches the engine as
// Options.Gathering: a play that does not say gather_facts gathers none.
func TestOptionsGathering(t *testing.T) {
	t.Setenv("ANSIBLE_GATHERING", "") // the engine must not need it
	files := map[string]string{
		"hosts":    "h1\n",
		"site.yml": "- hosts: all\n  tasks:\n    - debug: {msg: hi}\n",
	}
	if seen := probeRun(t, &Options{Gathering: "explicit"}, files); len(seen) != 0 {
		t.Errorf("gathering=explicit dialled %v", seen)
	}
	if seen := probeRun(t, &Options{}, files); len(seen) != 1 {
		t.Errorf("gathering=implicit dialled %v, want h1 for facts", seen)
	}
}

// ansible_managed in a template is Options.ManagedStr.
func TestOptionsManagedStr(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"t.j2": "# {{ ansible_managed }}\n",
		"site.yml": `- hosts: localhost
  gather_facts: false
  tasks:
    - template: {src: t.j2, dest: "{{ playbook_dir }}/out"}
`,
	})
	var out bytes.Buffer
	code := Run(context.Background(), &Options{
		Playbooks:  []string{filepath.Join(dir, "site.yml")},
		Inventory:  []string{"localhost,"},
		Connection: "local",
		ManagedStr: "managed by fjord",
		Stdout:     &out,
		Stderr:     &out,
	})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "# managed by fjord\n" {
		t.Errorf("out = %q", b)
	}
}

// remote_port is the port of hosts that do not set ansible_port.
func TestOptionsRemotePort(t *testing.T) {
	seen := probeRun(t, &Options{RemotePort: 2222}, map[string]string{
		"hosts":    "h1\nh2 ansible_port=2200\n",
		"site.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n",
	})
	if seen["h1"].Port != 2222 || seen["h2"].Port != 2200 {
		t.Errorf("ports h1 %d, h2 %d", seen["h1"].Port, seen["h2"].Port)
	}
}

// HideSkipped reaches the default callback: no "skipping:" line.
func TestOptionsHideSkipped(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug: {msg: hi}\n      when: false\n",
	})
	for _, hide := range []bool{false, true} {
		var out bytes.Buffer
		code := Run(context.Background(), &Options{
			Playbooks:   []string{filepath.Join(dir, "site.yml")},
			Inventory:   []string{"localhost,"},
			Connection:  "local",
			HideSkipped: hide,
			Stdout:      &out,
			Stderr:      &out,
		})
		if code != 0 {
			t.Fatalf("exit %d: %s", code, out.String())
		}
		if shown := strings.Contains(out.String(), "skipping: [localhost]"); shown == hide {
			t.Errorf("HideSkipped %v: skipping shown %v:\n%s", hide, shown, out.String())
		}
	}
}
