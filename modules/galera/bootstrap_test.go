package galera

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// fakeCluster simulates mysqld and grastate.dat on nodes behind fake
// connections, and logs every command that changes something.
type fakeCluster struct {
	mu        sync.Mutex
	nodes     map[string]*fakeNode
	log       []string
	recovered map[string]bool // recoveries run at once, in no set order
}

type fakeNode struct {
	running bool
	seqno   int64 // in grastate.dat
	safe    bool
	crashed int64 // the position --wsrep-recover finds when seqno is -1
}

type fakeConn struct {
	c    *fakeCluster
	host string
}

func (f *fakeConn) Close() error { return nil }

func (f *fakeConn) Exec(ctx context.Context, cmd *connection.Cmd) (*connection.Result, error) {
	c := f.c
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nodes[f.host]
	s := cmd.Command
	out := ""
	switch {
	case strings.Contains(s, "@@active"):
		size := 0
		for _, x := range c.nodes {
			if x.running {
				size++
			}
		}
		out = "@@active\n"
		if n.running {
			out += "active\n@@pid\n42\n@@grastate\npresent\nuuid: " + uuidA + "\nseqno: -1\n@@status\n" +
				fmt.Sprintf("wsrep_cluster_size\t%d\nwsrep_cluster_state_uuid\t%s\nwsrep_cluster_conf_id\t3\n", size, uuidA) +
				"wsrep_local_state_comment\tSynced\nwsrep_cluster_status\tPrimary\nwsrep_last_committed\t20\nwsrep_on\tON\nwsrep_cluster_name\tc1\n"
		} else {
			safe := 0
			if n.safe {
				safe = 1
			}
			out += fmt.Sprintf("inactive\n@@pid\n@@grastate\npresent\nuuid: %s\nseqno: %d\nsafe_to_bootstrap: %d\n", uuidA, n.seqno, safe)
		}
	case strings.Contains(s, "--wsrep-recover"):
		c.recovered[f.host] = true
		out = fmt.Sprintf("[Note] WSREP: Recovered position: %s:%d\n", uuidA, n.crashed)
	case strings.Contains(s, "safe_to_bootstrap: 1"):
		c.log = append(c.log, f.host+": safe_to_bootstrap")
		n.safe = true
	case strings.Contains(s, "galera_new_cluster"):
		for _, x := range c.nodes {
			if x.running {
				return nil, fmt.Errorf("%s: bootstrap while a node runs", f.host)
			}
		}
		if !n.safe {
			return &connection.Result{RC: 1, Stderr: []byte("not safe_to_bootstrap")}, nil
		}
		c.log = append(c.log, f.host+": new cluster")
		n.running = true
	case strings.Contains(s, "start --no-block"):
		c.log = append(c.log, f.host+": start")
		n.running = true
	case strings.Contains(s, "journalctl"):
	default:
		return nil, fmt.Errorf("unexpected command %q", s)
	}
	return &connection.Result{Stdout: []byte(out)}, nil
}

func (c *fakeCluster) env(check bool) *modules.Env {
	hosts := []string{"db1", "db2", "db3"}
	return &modules.Env{Host: "db1", Check: check, Hosts: hosts, PlayHosts: hosts,
		HostConn: func(ctx context.Context, h string) (connection.Conn, *connection.Become, error) {
			if _, ok := c.nodes[h]; !ok {
				return nil, nil, fmt.Errorf("no host %s", h)
			}
			return &fakeConn{c: c, host: h}, nil, nil
		}}
}

func decodeArgs(t *testing.T, kv ...any) *GaleraBootstrap {
	t.Helper()
	info, _ := modules.Lookup("galera_bootstrap")
	m, err := modules.Decode(info, value.MapOf(kv...))
	if err != nil {
		t.Fatal(err)
	}
	return m.(*GaleraBootstrap)
}

func TestRunSequence(t *testing.T) {
	for _, c := range []struct {
		name  string
		nodes map[string]*fakeNode
		check bool
		want  string
	}{
		{"full outage", map[string]*fakeNode{"db1": {seqno: 10}, "db2": {seqno: 12, safe: true}, "db3": {seqno: 11}}, false,
			"db2: new cluster; db1: start; db3: start"},
		{"crash", map[string]*fakeNode{"db1": {seqno: -1, crashed: 10}, "db2": {seqno: -1, crashed: 9}, "db3": {seqno: -1, crashed: 11}}, false,
			"db3: safe_to_bootstrap; db3: new cluster; db1: start; db2: start"},
		{"partial", map[string]*fakeNode{"db1": {running: true}, "db2": {seqno: 15}, "db3": {running: true}}, false,
			"db2: start"},
		{"all running", map[string]*fakeNode{"db1": {running: true}, "db2": {running: true}, "db3": {running: true}}, false, ""},
		{"check mode", map[string]*fakeNode{"db1": {seqno: 10}, "db2": {seqno: 12}, "db3": {seqno: 11}}, true, ""},
		{"check mode, crash", map[string]*fakeNode{"db1": {seqno: -1}, "db2": {seqno: -1}, "db3": {seqno: -1}}, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			fc := &fakeCluster{nodes: c.nodes, recovered: map[string]bool{}}
			m := decodeArgs(t, "cluster_name", "c1", "wait_timeout", 5)
			r, err := m.Run(context.Background(), fc.env(c.check))
			if err != nil {
				t.Fatal(err)
			}
			if r.Failed {
				t.Fatalf("failed: %s", r.Msg)
			}
			for h, n := range c.nodes {
				if want := n.seqno < 0 && !c.check; fc.recovered[h] != want {
					t.Fatalf("%s: recovered %v, want %v", h, fc.recovered[h], want)
				}
			}
			if got := strings.Join(fc.log, "; "); got != c.want {
				t.Fatalf("commands %q, want %q (%s)", got, c.want, r.Msg)
			}
			if want := c.want != "" || c.check; r.Changed != want {
				t.Fatalf("changed %v, want %v", r.Changed, want)
			}
		})
	}
}

func TestHostsSerialBatch(t *testing.T) {
	m := decodeArgs(t)
	env := &modules.Env{Hosts: []string{"db1"}, PlayHosts: []string{"db1", "db2"}}
	if _, err := m.hosts(env); err == nil || !strings.Contains(err.Error(), "serial") {
		t.Fatalf("got %v, want a refusal of a partial batch", err)
	}
	m = decodeArgs(t, "hosts", []any{"db", "db2"})
	env.SelectHosts = func(p string) ([]string, error) {
		if p == "db" {
			return []string{"db1", "db2"}, nil
		}
		return []string{p}, nil
	}
	hs, err := m.hosts(env)
	if err != nil || strings.Join(hs, ",") != "db1,db2" {
		t.Fatalf("got %v, %v", hs, err)
	}
}
