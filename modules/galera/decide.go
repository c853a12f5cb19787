package galera

import (
	"fmt"
	"sort"
	"strings"
)

// Node is what was found on one node. Running nodes carry Status (nil
// when mysqld runs but did not answer); stopped nodes carry Grastate and,
// once --wsrep-recover ran, Recovered or RecoverErr.
type Node struct {
	Name       string
	Running    bool
	Status     *Status
	QueryErr   string // why a running node's status could not be read
	Grastate   Grastate
	Recovered  *Position
	RecoverErr string
}

// position is the node's last committed position when stopped: the
// grastate seqno, or the recovered one when grastate says -1.
func (n *Node) position() (uuid string, seqno int64) {
	uuid, seqno = n.Grastate.UUID, n.Grastate.Seqno
	if seqno < 0 && n.Recovered != nil {
		if n.Recovered.UUID != "" && n.Recovered.UUID != ZeroUUID {
			uuid = n.Recovered.UUID
		}
		seqno = n.Recovered.Seqno
	}
	return uuid, seqno
}

func (n *Node) needsRecovery() bool {
	return !n.Running && !n.Grastate.Fresh() && n.Grastate.Seqno < 0 && n.Recovered == nil && n.RecoverErr == ""
}

// Options are the module parameters the decision depends on.
type Options struct {
	// Preference orders candidates that tie, and picks the node that
	// bootstraps a fresh cluster.
	Preference []string
	// Force proceeds despite a split state (see Decide).
	Force bool
	// ClusterName, when set, must equal each running node's
	// wsrep_cluster_name.
	ClusterName string
}

// Action is what a plan does.
type Action string

// Plans.
const (
	// None: every node runs in one Primary component.
	None Action = "none"
	// Join: a Primary component runs; the stopped nodes join it one at a
	// time.
	Join Action = "join"
	// Recover: no node runs and some crashed (seqno -1): their positions
	// must be recovered with --wsrep-recover before deciding.
	Recover Action = "recover"
	// Bootstrap: no node runs; Plan.Bootstrap starts a new primary
	// component and the rest join it one at a time.
	Bootstrap Action = "bootstrap"
)

// Plan is the decision.
type Plan struct {
	Action    Action
	Bootstrap string   // Bootstrap: the node that starts the component
	Join      []string // Join, Bootstrap: nodes to start, in order
	Recover   []string // Recover: nodes whose position is unknown
	Reason    string
}

// RefusedError is a decision not to act: the state is split or unclear
// and acting could lose writes or make two primary components.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

func refuse(force bool, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	if force {
		return nil
	}
	return &RefusedError{Msg: msg + " (force: true proceeds anyway)"}
}

// Decide chooses what to do with nodes (in inventory order). It is pure:
// the caller probes the nodes and carries the plan out.
//
// With a Primary component running, stopped nodes join it; a stopped
// node of another cluster uuid, or ahead of the component (its writes
// would be lost to a state transfer), is refused, as are two Primary
// components and running nodes outside the Primary one. With no node
// running, the node with the highest seqno of the cluster's uuid
// bootstraps (ties: safe_to_bootstrap=1, then Preference, then inventory
// order); nodes with seqno -1 first need Recover. Two cluster uuids are
// refused. Force overrides the refusals: the largest Primary component
// or the most advanced node of any uuid wins.
func Decide(nodes []Node, o Options) (*Plan, error) {
	if len(nodes) == 0 {
		return nil, fmt.Errorf("no galera hosts")
	}
	var running, stopped []*Node
	for i := range nodes {
		n := &nodes[i]
		if n.Running {
			running = append(running, n)
		} else {
			stopped = append(stopped, n)
		}
	}
	for _, n := range running {
		if n.Status == nil {
			return nil, &RefusedError{Msg: fmt.Sprintf("%s: mysqld runs but its wsrep status could not be read: %s", n.Name, n.QueryErr)}
		}
		if !n.Status.WsrepOn {
			return nil, &RefusedError{Msg: fmt.Sprintf("%s: mysqld runs with wsrep_on=OFF: not a Galera node", n.Name)}
		}
		if o.ClusterName != "" && n.Status.ClusterName != "" && n.Status.ClusterName != o.ClusterName {
			return nil, &RefusedError{Msg: fmt.Sprintf("%s: wsrep_cluster_name is %q, not %q", n.Name, n.Status.ClusterName, o.ClusterName)}
		}
	}
	if len(running) > 0 {
		return decideRunning(running, stopped, o)
	}
	return decideStopped(nodes, o)
}

// component is a set of running nodes that see the same primary
// component: same state uuid and configuration.
type component struct {
	uuid  string
	conf  int64
	size  int
	nodes []*Node
}

func (c *component) names() string { return names(c.nodes) }

func names(ns []*Node) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.Name
	}
	return strings.Join(s, ", ")
}

func decideRunning(running, stopped []*Node, o Options) (*Plan, error) {
	var comps []*component
	var outside []*Node
	for _, n := range running {
		st := n.Status
		if !st.Primary() {
			outside = append(outside, n)
			continue
		}
		var c *component
		for _, x := range comps {
			if x.uuid == st.StateUUID && x.conf == st.ConfID && x.size == st.ClusterSize {
				c = x
			}
		}
		if c == nil {
			c = &component{uuid: st.StateUUID, conf: st.ConfID, size: st.ClusterSize}
			comps = append(comps, c)
		}
		c.nodes = append(c.nodes, n)
	}
	if len(comps) == 0 {
		var desc []string
		for _, n := range outside {
			desc = append(desc, fmt.Sprintf("%s: %s", n.Name, n.Status.ClusterStatus))
		}
		return nil, &RefusedError{Msg: fmt.Sprintf("mysqld runs on %s but no node is in a Primary component (%s); "+
			"fjord does not bootstrap while mysqld runs: stop it there and rerun", names(outside), strings.Join(desc, "; "))}
	}
	if len(comps) > 1 {
		var desc []string
		for _, c := range comps {
			desc = append(desc, fmt.Sprintf("%s (uuid %s, size %d)", c.names(), c.uuid, c.size))
		}
		if err := refuse(o.Force, "split cluster: %d Primary components run: %s", len(comps), strings.Join(desc, " and ")); err != nil {
			return nil, err
		}
	}
	// The largest component is the cluster; ties go to inventory order,
	// which comps already follows.
	main := comps[0]
	for _, c := range comps[1:] {
		if c.size > main.size {
			main = c
		}
	}
	if len(outside) > 0 {
		if err := refuse(o.Force, "%s runs but is not in the Primary component of %s (%s); restart it there and rerun",
			names(outside), main.names(), outside[0].Status.ClusterStatus); err != nil {
			return nil, err
		}
	}
	var lastCommitted int64 = -1
	for _, n := range main.nodes {
		if n.Status.LastCommitted > lastCommitted {
			lastCommitted = n.Status.LastCommitted
		}
	}
	for _, n := range stopped {
		if n.Grastate.Fresh() {
			continue
		}
		uuid, seqno := n.position()
		if uuid != main.uuid {
			if err := refuse(o.Force, "split state: %s has cluster uuid %s, the running cluster (%s) has %s; joining would replace its data",
				n.Name, uuid, main.names(), main.uuid); err != nil {
				return nil, err
			}
			continue
		}
		if lastCommitted >= 0 && seqno > lastCommitted {
			if err := refuse(o.Force, "%s is ahead of the running cluster (seqno %d > %d on %s): joining would discard its writes",
				n.Name, seqno, lastCommitted, main.names()); err != nil {
				return nil, err
			}
		}
	}
	desc := fmt.Sprintf("%s in a Primary component (uuid %s, size %d)", main.names(), main.uuid, main.size)
	if len(stopped) == 0 {
		return &Plan{Action: None, Reason: "all nodes run: " + desc}, nil
	}
	p := &Plan{Action: Join, Reason: fmt.Sprintf("%s; %s stopped: starting one at a time", desc, names(stopped))}
	for _, n := range stopped {
		p.Join = append(p.Join, n.Name)
	}
	return p, nil
}

func decideStopped(nodes []Node, o Options) (*Plan, error) {
	rank := map[string]int{}
	for i, n := range o.Preference {
		if _, dup := rank[n]; !dup {
			rank[n] = i
		}
	}
	var history []*Node
	for i := range nodes {
		if !nodes[i].Grastate.Fresh() {
			history = append(history, &nodes[i])
		}
	}
	if len(history) == 0 {
		first := &nodes[0]
		best := len(nodes)
		for i := range nodes {
			if r, ok := rank[nodes[i].Name]; ok && r < best {
				first, best = &nodes[i], r
			}
		}
		return plan(nodes, first, "fresh cluster: no node has a cluster uuid in grastate.dat"), nil
	}
	uuids := map[string][]*Node{}
	var order []string
	for _, n := range history {
		u := n.Grastate.UUID
		if _, ok := uuids[u]; !ok {
			order = append(order, u)
		}
		uuids[u] = append(uuids[u], n)
	}
	if len(order) > 1 {
		var desc []string
		for _, u := range order {
			desc = append(desc, fmt.Sprintf("%s on %s", u, names(uuids[u])))
		}
		if err := refuse(o.Force, "split state: the nodes belong to %d clusters: %s", len(order), strings.Join(desc, "; ")); err != nil {
			return nil, err
		}
	}
	var recover []string
	for _, n := range history {
		if n.needsRecovery() {
			recover = append(recover, n.Name)
		}
	}
	if len(recover) > 0 {
		return &Plan{Action: Recover, Recover: recover,
			Reason: fmt.Sprintf("no node runs and %s stopped without saving a seqno (-1): recovering positions with --wsrep-recover", strings.Join(recover, ", "))}, nil
	}
	for _, n := range history {
		if _, seqno := n.position(); seqno < 0 {
			why := n.RecoverErr
			if why == "" {
				why = "seqno -1"
			}
			if err := refuse(o.Force, "%s: position unknown (%s): it may hold the latest writes", n.Name, why); err != nil {
				return nil, err
			}
		}
	}
	cands := append([]*Node(nil), history...)
	idx := map[*Node]int{}
	for i := range nodes {
		idx[&nodes[i]] = i
	}
	prefRank := func(n *Node) int {
		if r, ok := rank[n.Name]; ok {
			return r
		}
		return len(o.Preference)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		_, sa := a.position()
		_, sb := b.position()
		if sa != sb {
			return sa > sb
		}
		if a.Grastate.SafeToBootstrap != b.Grastate.SafeToBootstrap {
			return a.Grastate.SafeToBootstrap
		}
		if ra, rb := prefRank(a), prefRank(b); ra != rb {
			return ra < rb
		}
		return idx[a] < idx[b]
	})
	best := cands[0]
	uuid, seqno := best.position()
	var others []string
	for _, n := range history {
		if n != best {
			_, s := n.position()
			others = append(others, fmt.Sprintf("%s: %d", n.Name, s))
		}
	}
	reason := fmt.Sprintf("no node runs; %s has the highest seqno %d of cluster %s", best.Name, seqno, uuid)
	if len(others) > 0 {
		reason += " (" + strings.Join(others, ", ") + ")"
	}
	return plan(nodes, best, reason), nil
}

// plan bootstraps first and joins the others in inventory order.
func plan(nodes []Node, first *Node, reason string) *Plan {
	p := &Plan{Action: Bootstrap, Bootstrap: first.Name, Reason: reason}
	for i := range nodes {
		if &nodes[i] != first {
			p.Join = append(p.Join, nodes[i].Name)
		}
	}
	return p
}
