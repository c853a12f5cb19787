package galera

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"
)

// ZeroUUID is the cluster UUID of a node that never joined a cluster.
const ZeroUUID = "00000000-0000-0000-0000-000000000000"

// Grastate is a node's saved Galera state (grastate.dat), written when
// mysqld stops; seqno stays -1 after a crash.
type Grastate struct {
	Present         bool
	UUID            string
	Seqno           int64
	SafeToBootstrap bool
}

// Fresh reports whether the node has no cluster history.
func (g Grastate) Fresh() bool { return !g.Present || g.UUID == "" || g.UUID == ZeroUUID }

// ParseGrastate reads grastate.dat. Unknown lines are ignored; a missing
// seqno is -1, as Galera treats it.
func ParseGrastate(text string) Grastate {
	g := Grastate{Present: true, Seqno: -1}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "uuid":
			g.UUID = strings.ToLower(v)
		case "seqno":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				g.Seqno = n
			}
		case "safe_to_bootstrap":
			g.SafeToBootstrap = v == "1"
		}
	}
	return g
}

// Status is what a running node reports in SHOW GLOBAL STATUS / VARIABLES.
type Status struct {
	ClusterSize    int
	StateUUID      string // wsrep_cluster_state_uuid
	ConfID         int64  // wsrep_cluster_conf_id
	LocalState     string // wsrep_local_state_comment: Synced, Donor/Desynced, Joining...
	ClusterStatus  string // wsrep_cluster_status: Primary, non-Primary, Disconnected
	ClusterName    string // wsrep_cluster_name
	LastCommitted  int64  // wsrep_last_committed
	Ready          bool   // wsrep_ready
	WsrepOn        bool   // wsrep_on
	IncomingAddrs  string // wsrep_incoming_addresses
	ProviderLoaded bool   // wsrep_provider_name is set
}

// Primary reports whether the node is in a primary component.
func (s *Status) Primary() bool { return s != nil && s.ClusterStatus == "Primary" }

// Synced reports whether the node is a synced member of a primary component.
func (s *Status) Synced() bool { return s.Primary() && s.LocalState == "Synced" }

// ParseStatus reads `mysql -N -B` output of name<TAB>value rows.
func ParseStatus(out string) *Status {
	s := &Status{LastCommitted: -1, ConfID: -1}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "wsrep_cluster_size":
			s.ClusterSize, _ = strconv.Atoi(v)
		case "wsrep_cluster_state_uuid":
			s.StateUUID = strings.ToLower(v)
		case "wsrep_cluster_conf_id":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				s.ConfID = n
			}
		case "wsrep_local_state_comment":
			s.LocalState = v
		case "wsrep_cluster_status":
			s.ClusterStatus = v
		case "wsrep_cluster_name":
			s.ClusterName = v
		case "wsrep_last_committed":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				s.LastCommitted = n
			}
		case "wsrep_ready":
			s.Ready = strings.EqualFold(v, "ON")
		case "wsrep_on":
			s.WsrepOn = strings.EqualFold(v, "ON")
		case "wsrep_incoming_addresses":
			s.IncomingAddrs = v
		case "wsrep_provider_name":
			s.ProviderLoaded = v != ""
		}
	}
	return s
}

// Position is a recovered wsrep position.
type Position struct {
	UUID  string
	Seqno int64
}

var recoveredRe = regexp.MustCompile(`(?:WSREP: Recovered position:|--wsrep[-_]start[-_]position=)\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}):(-?[0-9]+)`)

// ParseRecovered finds the last recovered position in the log of
// `mysqld --wsrep-recover` ("WSREP: Recovered position: uuid:seqno") or
// the output of galera_recovery ("--wsrep_start_position=uuid:seqno").
func ParseRecovered(log string) (Position, bool) {
	m := recoveredRe.FindAllStringSubmatch(log, -1)
	if len(m) == 0 {
		return Position{}, false
	}
	last := m[len(m)-1]
	n, err := strconv.ParseInt(last[2], 10, 64)
	if err != nil {
		return Position{}, false
	}
	return Position{UUID: strings.ToLower(last[1]), Seqno: n}, true
}
