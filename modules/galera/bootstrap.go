package galera

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

func init() {
	modules.Register(modules.Info{
		ID: "fjord.builtin.galera_bootstrap", Aliases: []string{"galera_bootstrap"},
		New: func() modules.Module { return &GaleraBootstrap{} }, CheckMode: true, Cluster: true,
	})
}

// GaleraBootstrap is the galera_bootstrap module's arguments.
type GaleraBootstrap struct {
	// State is the only state there is: the cluster runs.
	State string `arg:"state,default=bootstrapped,choices=bootstrapped"`
	// ClusterName must equal wsrep_cluster_name on every running node.
	ClusterName string `arg:"cluster_name"`
	// LoginUser is the client's user; by default root over the unix
	// socket (unix_socket authentication).
	LoginUser string `arg:"login_user"`
	// LoginPassword is the client's password.
	LoginPassword string `arg:"login_password"`
	// LoginUnixSocket is the server's socket; the client's default if "".
	LoginUnixSocket string `arg:"login_unix_socket"`
	// Datadir holds grastate.dat.
	Datadir string `arg:"datadir,default=/var/lib/mysql"`
	// ServiceName is the systemd unit of the server.
	ServiceName string `arg:"service_name,default=mariadb"`
	// WaitTimeout bounds each wait (a node reaching Synced), in seconds.
	WaitTimeout int `arg:"wait_timeout,default=300"`
	// BootstrapPreference orders nodes that tie, and names the node
	// that bootstraps a fresh cluster.
	BootstrapPreference []string `arg:"bootstrap_preference"`
	// Force proceeds despite a split state.
	Force bool `arg:"force"`
	// Hosts are the galera nodes: host names or patterns. Default: the
	// play's hosts in the current batch.
	Hosts []string `arg:"hosts"`
}

// Validate implements modules.Validator.
func (m *GaleraBootstrap) Validate() error {
	if m.WaitTimeout <= 0 {
		return errors.New("wait_timeout must be a positive number of seconds")
	}
	if m.ServiceName == "" || m.Datadir == "" {
		return errors.New("service_name and datadir must not be empty")
	}
	return nil
}

// host is one node as the module works on it.
type host struct {
	Node
	conn    connection.Conn
	become  *connection.Become
	active  string // the unit's ActiveState
	found   *value.Map
	actions []any
}

func (h *host) did(format string, a ...any) {
	h.actions = append(h.actions, fmt.Sprintf(format, a...))
}

// Run implements modules.Module.
func (m *GaleraBootstrap) Run(ctx context.Context, env *modules.Env) (*modules.Result, error) {
	if env.HostConn == nil {
		return modules.Failf("galera_bootstrap runs for a play's hosts and needs the engine's cluster support"), nil
	}
	names, err := m.hosts(env)
	if err != nil {
		return modules.Failf("galera_bootstrap: %v", err), nil
	}
	hosts := make([]*host, len(names))
	for i, n := range names {
		c, b, err := env.HostConn(ctx, n)
		if err != nil {
			return modules.Failf("galera_bootstrap: %s: %v", n, err), nil
		}
		hosts[i] = &host{Node: Node{Name: n}, conn: c, become: b}
	}
	// finish builds the result; a message is a failure, reported as the
	// task's and naming the node. The error return is kept for a
	// cancelled run.
	var plan *Plan
	changed := false
	finish := func(msg string) (*modules.Result, error) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r := m.result(hosts, plan, msg)
		r.Changed = changed
		return r, nil
	}
	// A node starting or stopping is waited for before anything is
	// decided: its state is about to change.
	deadline := time.Now().Add(m.timeout())
	for {
		if err := m.probeAll(ctx, hosts); err != nil {
			return finish(err.Error())
		}
		busy := ""
		for _, h := range hosts {
			if h.active == "activating" || h.active == "deactivating" || h.active == "reloading" {
				busy = h.Name
			}
		}
		if busy == "" {
			break
		}
		if time.Now().After(deadline) {
			return finish(fmt.Sprintf("%s: %s still %s after %ds", busy, m.ServiceName, hostByName(hosts, busy).active, m.WaitTimeout))
		}
		if err := sleep(ctx, 2*time.Second); err != nil {
			return nil, err
		}
	}
	for _, h := range hosts {
		h.found = describe(&h.Node)
	}
	o := Options{Preference: m.BootstrapPreference, Force: m.Force, ClusterName: m.ClusterName}
	nodes := func() []Node {
		out := make([]Node, len(hosts))
		for i, h := range hosts {
			out[i] = h.Node
		}
		return out
	}
	plan, err = Decide(nodes(), o)
	if err != nil {
		return finish(err.Error())
	}
	if plan.Action == Recover {
		if env.Check {
			changed = true
			return finish("")
		}
		if err := m.recoverAll(ctx, hosts, plan.Recover); err != nil {
			return finish(err.Error())
		}
		recovered := plan.Reason
		if plan, err = Decide(nodes(), o); err != nil {
			return finish(err.Error())
		}
		plan.Reason = recovered + "; " + plan.Reason
	}
	if plan.Action == None || env.Check {
		changed = plan.Action != None
		return finish("")
	}
	changed = true
	if plan.Action == Bootstrap {
		if msg, err := m.bootstrap(ctx, hostByName(hosts, plan.Bootstrap)); err != nil {
			return finish(err.Error())
		} else if msg != "" {
			return finish(msg)
		}
	}
	for _, n := range plan.Join {
		if msg, err := m.join(ctx, hostByName(hosts, n)); err != nil {
			return finish(err.Error())
		} else if msg != "" {
			return finish(msg)
		}
	}
	return finish("")
}

func (m *GaleraBootstrap) timeout() time.Duration { return time.Duration(m.WaitTimeout) * time.Second }

// hosts resolves the hosts parameter (names or patterns) or takes the
// batch.
func (m *GaleraBootstrap) hosts(env *modules.Env) ([]string, error) {
	if len(m.Hosts) == 0 {
		if len(env.Hosts) == 0 {
			return nil, errors.New("no hosts")
		}
		// A batch that is part of the cluster could see no node running
		// and bootstrap a second primary component.
		if len(env.Hosts) < len(env.PlayHosts) {
			return nil, fmt.Errorf("the play runs in batches (serial) and this batch has %d of its %d hosts: "+
				"name every galera node with the hosts parameter", len(env.Hosts), len(env.PlayHosts))
		}
		return env.Hosts, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range m.Hosts {
		hs, err := env.SelectHosts(p)
		if err != nil {
			return nil, err
		}
		if len(hs) == 0 {
			return nil, fmt.Errorf("hosts: %q matches no host", p)
		}
		for _, h := range hs {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out, nil
}

func hostByName(hs []*host, name string) *host {
	for _, h := range hs {
		if h.Name == name {
			return h
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// result builds the module result; msg set means failure. plan is nil
// before a decision.
func (m *GaleraBootstrap) result(hosts []*host, plan *Plan, msg string) *modules.Result {
	r := &modules.Result{}
	nodes := value.NewMap(len(hosts))
	for _, h := range hosts {
		e := value.NewMap(3)
		found := h.found
		if found == nil {
			found = describe(&h.Node)
		}
		e.Set("found", found)
		if h.Recovered != nil {
			e.Set("recovered_position", fmt.Sprintf("%s:%d", h.Recovered.UUID, h.Recovered.Seqno))
		} else if h.RecoverErr != "" {
			e.Set("recover_error", h.RecoverErr)
		}
		acts := h.actions
		if acts == nil {
			acts = []any{}
		}
		e.Set("actions", acts)
		nodes.Set(h.Name, e)
	}
	r.Set("nodes", nodes)
	if plan != nil {
		r.Set("action", string(plan.Action))
		r.Set("bootstrap_node", plan.Bootstrap)
		join := []any{}
		for _, n := range plan.Join {
			join = append(join, n)
		}
		r.Set("join", join)
		r.Set("reason", plan.Reason)
		r.Msg = plan.Reason
	}
	if msg != "" {
		r.Failed = true
		r.Msg = msg
	}
	return r
}

// describe is what was found on a node, for the result.
func describe(n *Node) *value.Map {
	f := value.NewMap(8)
	f.Set("running", n.Running)
	if n.Running {
		if st := n.Status; st != nil {
			f.Set("wsrep_cluster_size", st.ClusterSize)
			f.Set("wsrep_cluster_state_uuid", st.StateUUID)
			f.Set("wsrep_local_state_comment", st.LocalState)
			f.Set("wsrep_cluster_status", st.ClusterStatus)
			f.Set("wsrep_cluster_name", st.ClusterName)
			f.Set("wsrep_last_committed", int(st.LastCommitted))
		} else {
			f.Set("query_error", n.QueryErr)
		}
		return f
	}
	g := value.NewMap(4)
	g.Set("present", n.Grastate.Present)
	if n.Grastate.Present {
		g.Set("uuid", n.Grastate.UUID)
		g.Set("seqno", int(n.Grastate.Seqno))
		g.Set("safe_to_bootstrap", n.Grastate.SafeToBootstrap)
	}
	f.Set("grastate", g)
	return f
}

var _ modules.Module = (*GaleraBootstrap)(nil)
var _ modules.Validator = (*GaleraBootstrap)(nil)
