package galera

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	return modules.Execute(ctx, env, m)
}

// cluster is what Plan found: the nodes, the decision and how it was
// made, for Apply.
type cluster struct {
	hosts []*host
	plan  *Plan
	opts  Options
}

func (c *cluster) nodes() []Node {
	out := make([]Node, len(c.hosts))
	for i, h := range c.hosts {
		out[i] = h.Node
	}
	return out
}

// finish builds the result; a message is a failure, reported as the
// task's and naming the node. The error return is kept for a cancelled
// run.
func (m *GaleraBootstrap) finish(ctx context.Context, c *cluster, changed bool, msg string) (*modules.Result, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	r := m.result(c.hosts, c.plan, msg)
	r.Changed = changed
	return r, nil
}

// Plan implements modules.Planner: every node is probed (waiting for one
// starting or stopping) and Decide says what to do. A cluster that needs
// its positions recovered plans as a change; what follows the recovery
// is decided again in Apply.
func (m *GaleraBootstrap) Plan(ctx context.Context, env *modules.Env) (*modules.Plan, error) {
	if env.HostConn == nil {
		return &modules.Plan{Result: modules.Failf("galera_bootstrap runs for a play's hosts and needs the engine's cluster support")}, nil
	}
	names, err := m.hosts(env)
	if err != nil {
		return &modules.Plan{Result: modules.Failf("galera_bootstrap: %v", err)}, nil
	}
	c := &cluster{hosts: make([]*host, len(names))}
	for i, n := range names {
		hc, b, err := env.HostConn(ctx, n)
		if err != nil {
			return &modules.Plan{Result: modules.Failf("galera_bootstrap: %s: %v", n, err)}, nil
		}
		c.hosts[i] = &host{Node: Node{Name: n}, conn: hc, become: b}
	}
	failed := func(msg string) (*modules.Plan, error) {
		r, err := m.finish(ctx, c, false, msg)
		if err != nil {
			return nil, err
		}
		return &modules.Plan{Result: r}, nil
	}
	// A node starting or stopping is waited for before anything is
	// decided: its state is about to change.
	deadline := time.Now().Add(m.timeout())
	for {
		if err := m.probeAll(ctx, c.hosts); err != nil {
			var nc *noClientError
			if errors.As(err, &nc) && env.Check && len(env.Sim.Installed()) > 0 {
				// A check run that would install the server first: the
				// cluster would be brought up from nothing.
				r := &modules.Result{Changed: true, Msg: fmt.Sprintf("the cluster of %s would be bootstrapped once the packages this run installs are on the nodes",
					strings.Join(names, ", "))}
				r.Set("msg", r.Msg).Set("predicted", true)
				return &modules.Plan{Result: r, Changed: true}, nil
			}
			return failed(err.Error())
		}
		busy := ""
		for _, h := range c.hosts {
			if h.active == "activating" || h.active == "deactivating" || h.active == "reloading" {
				busy = h.Name
			}
		}
		if busy == "" {
			break
		}
		if time.Now().After(deadline) {
			return failed(fmt.Sprintf("%s: %s still %s after %ds", busy, m.ServiceName, hostByName(c.hosts, busy).active, m.WaitTimeout))
		}
		if err := sleep(ctx, 2*time.Second); err != nil {
			return nil, err
		}
	}
	for _, h := range c.hosts {
		h.found = describe(&h.Node)
	}
	c.opts = Options{Preference: m.BootstrapPreference, Force: m.Force, ClusterName: m.ClusterName}
	if c.plan, err = Decide(c.nodes(), c.opts); err != nil {
		return failed(err.Error())
	}
	changed := c.plan.Action != None
	r, err := m.finish(ctx, c, changed, "")
	if err != nil {
		return nil, err
	}
	return &modules.Plan{Changed: changed, Result: r, Detail: c}, nil
}

// Apply implements modules.Planner: recover the positions and decide
// again if the plan says so, then bootstrap a node and join the others.
func (m *GaleraBootstrap) Apply(ctx context.Context, env *modules.Env, p *modules.Plan) (*modules.Result, error) {
	c := p.Detail.(*cluster)
	var err error
	if c.plan.Action == Recover {
		if err := m.recoverAll(ctx, c.hosts, c.plan.Recover); err != nil {
			return m.finish(ctx, c, false, err.Error())
		}
		recovered := c.plan.Reason
		if c.plan, err = Decide(c.nodes(), c.opts); err != nil {
			return m.finish(ctx, c, false, err.Error())
		}
		c.plan.Reason = recovered + "; " + c.plan.Reason
		if c.plan.Action == None {
			return m.finish(ctx, c, false, "")
		}
	}
	if c.plan.Action == Bootstrap {
		if msg, err := m.bootstrap(ctx, hostByName(c.hosts, c.plan.Bootstrap)); err != nil {
			return m.finish(ctx, c, true, err.Error())
		} else if msg != "" {
			return m.finish(ctx, c, true, msg)
		}
	}
	for _, n := range c.plan.Join {
		if msg, err := m.join(ctx, hostByName(c.hosts, n)); err != nil {
			return m.finish(ctx, c, true, err.Error())
		} else if msg != "" {
			return m.finish(ctx, c, true, msg)
		}
	}
	return m.finish(ctx, c, true, "")
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
var _ modules.Planner = (*GaleraBootstrap)(nil)
