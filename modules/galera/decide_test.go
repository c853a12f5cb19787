package galera

import (
	"errors"
	"strings"
	"testing"
)

const (
	uuidA = "6b0f1e3c-0000-11ef-8000-aaaaaaaaaaaa"
	uuidB = "7c1a2b4d-0000-11ef-8000-bbbbbbbbbbbb"
)

// stopped is a stopped node with a grastate.dat.
func stopped(name, uuid string, seqno int64, safe bool) Node {
	return Node{Name: name, Grastate: Grastate{Present: true, UUID: uuid, Seqno: seqno, SafeToBootstrap: safe}}
}

// fresh is a stopped node without cluster history.
func fresh(name string) Node { return Node{Name: name} }

// running is a node in a component of the given size and status.
func running(name, uuid string, size int, status string, last int64) Node {
	return Node{Name: name, Running: true, Status: &Status{ClusterSize: size, StateUUID: uuid, ConfID: 7,
		ClusterStatus: status, LocalState: "Synced", ClusterName: "c1", LastCommitted: last, WsrepOn: true}}
}

func crashed(name, uuid string, rec *Position) Node {
	n := stopped(name, uuid, -1, false)
	n.Recovered = rec
	return n
}

func TestDecide(t *testing.T) {
	for _, c := range []struct {
		name      string
		nodes     []Node
		o         Options
		action    Action
		bootstrap string
		join      string // comma-separated
		recover   string
		refused   string // part of the refusal message
	}{
		{name: "fresh", nodes: []Node{fresh("db1"), fresh("db2"), fresh("db3")},
			action: Bootstrap, bootstrap: "db1", join: "db2,db3"},
		{name: "fresh zero uuid", nodes: []Node{stopped("db1", ZeroUUID, -1, false), fresh("db2")},
			action: Bootstrap, bootstrap: "db1", join: "db2"},
		{name: "fresh with preference", nodes: []Node{fresh("db1"), fresh("db2"), fresh("db3")},
			o:      Options{Preference: []string{"nothere", "db3", "db2"}},
			action: Bootstrap, bootstrap: "db3", join: "db1,db2"},
		{name: "all running", nodes: []Node{running("db1", uuidA, 3, "Primary", 10), running("db2", uuidA, 3, "Primary", 10), running("db3", uuidA, 3, "Primary", 10)},
			action: None},
		{name: "partial", nodes: []Node{running("db1", uuidA, 2, "Primary", 10), stopped("db2", uuidA, 8, false), running("db3", uuidA, 2, "Primary", 10)},
			action: Join, join: "db2"},
		{name: "partial two stopped, one fresh", nodes: []Node{stopped("db1", uuidA, 9, false), running("db2", uuidA, 1, "Primary", 10), fresh("db3")},
			action: Join, join: "db1,db3"},
		{name: "partial, stopped node ahead", nodes: []Node{running("db1", uuidA, 1, "Primary", 10), stopped("db2", uuidA, 12, false)},
			refused: "ahead of the running cluster"},
		{name: "partial, stopped node ahead, force", nodes: []Node{running("db1", uuidA, 1, "Primary", 10), stopped("db2", uuidA, 12, false)},
			o: Options{Force: true}, action: Join, join: "db2"},
		{name: "partial, stopped node of another cluster", nodes: []Node{running("db1", uuidA, 1, "Primary", 10), stopped("db2", uuidB, 3, false)},
			refused: "split state"},
		{name: "all stopped, different seqnos", nodes: []Node{stopped("db1", uuidA, 10, false), stopped("db2", uuidA, 12, true), stopped("db3", uuidA, 11, false)},
			action: Bootstrap, bootstrap: "db2", join: "db1,db3"},
		{name: "highest seqno wins over safe_to_bootstrap", nodes: []Node{stopped("db1", uuidA, 10, true), stopped("db2", uuidA, 12, false)},
			action: Bootstrap, bootstrap: "db2", join: "db1"},
		{name: "tie: safe_to_bootstrap", nodes: []Node{stopped("db1", uuidA, 12, false), stopped("db2", uuidA, 12, false), stopped("db3", uuidA, 12, true)},
			o:      Options{Preference: []string{"db2"}},
			action: Bootstrap, bootstrap: "db3", join: "db1,db2"},
		{name: "tie: preference", nodes: []Node{stopped("db1", uuidA, 12, false), stopped("db2", uuidA, 12, false), stopped("db3", uuidA, 12, false)},
			o:      Options{Preference: []string{"db3", "db2"}},
			action: Bootstrap, bootstrap: "db3", join: "db1,db2"},
		{name: "tie: inventory order", nodes: []Node{stopped("db1", uuidA, 11, false), stopped("db2", uuidA, 12, false), stopped("db3", uuidA, 12, false)},
			action: Bootstrap, bootstrap: "db2", join: "db1,db3"},
		{name: "history and fresh", nodes: []Node{fresh("db1"), stopped("db2", uuidA, 5, false)},
			action: Bootstrap, bootstrap: "db2", join: "db1"},
		{name: "seqno -1 needs recovery", nodes: []Node{stopped("db1", uuidA, 10, false), crashed("db2", uuidA, nil), crashed("db3", uuidA, nil)},
			action: Recover, recover: "db2,db3"},
		{name: "seqno -1 recovered", nodes: []Node{stopped("db1", uuidA, 10, false), crashed("db2", uuidA, &Position{uuidA, 14}), crashed("db3", uuidA, &Position{uuidA, 13})},
			action: Bootstrap, bootstrap: "db2", join: "db1,db3"},
		{name: "seqno -1 recovery failed", nodes: []Node{stopped("db1", uuidA, 10, false), {Name: "db2", Grastate: Grastate{Present: true, UUID: uuidA, Seqno: -1}, RecoverErr: "no position"}},
			refused: "db2: position unknown"},
		{name: "seqno -1 recovery failed, force", nodes: []Node{stopped("db1", uuidA, 10, false), {Name: "db2", Grastate: Grastate{Present: true, UUID: uuidA, Seqno: -1}, RecoverErr: "no position"}},
			o: Options{Force: true}, action: Bootstrap, bootstrap: "db1", join: "db2"},
		{name: "split uuids refused", nodes: []Node{stopped("db1", uuidA, 10, false), stopped("db2", uuidB, 20, false)},
			refused: "split state: the nodes belong to 2 clusters"},
		{name: "split uuids, force", nodes: []Node{stopped("db1", uuidA, 10, false), stopped("db2", uuidB, 20, false), stopped("db3", uuidA, 11, false)},
			o: Options{Force: true}, action: Bootstrap, bootstrap: "db2", join: "db1,db3"},
		{name: "two primary components refused", nodes: []Node{running("db1", uuidA, 1, "Primary", 10), running("db2", uuidB, 1, "Primary", 3), stopped("db3", uuidA, 9, false)},
			refused: "split cluster: 2 Primary components"},
		{name: "two primary components, force joins the largest", nodes: []Node{running("db1", uuidB, 1, "Primary", 3), running("db2", uuidA, 2, "Primary", 10), running("db3", uuidA, 2, "Primary", 10), stopped("db4", uuidA, 9, false)},
			o: Options{Force: true}, action: Join, join: "db4"},
		{name: "running but non-Primary only", nodes: []Node{running("db1", uuidA, 1, "non-Primary", 10), stopped("db2", uuidA, 9, false)},
			refused: "no node is in a Primary component"},
		{name: "running non-Primary beside a Primary", nodes: []Node{running("db1", uuidA, 2, "Primary", 10), running("db2", uuidA, 2, "Primary", 10), running("db3", uuidA, 1, "non-Primary", 9)},
			refused: "db3 runs but is not in the Primary component"},
		{name: "running without status", nodes: []Node{{Name: "db1", Running: true, QueryErr: "Access denied"}},
			refused: "db1: mysqld runs but its wsrep status could not be read: Access denied"},
		{name: "cluster name mismatch", nodes: []Node{running("db1", uuidA, 1, "Primary", 10)},
			o: Options{ClusterName: "other"}, refused: `wsrep_cluster_name is "c1", not "other"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Decide(c.nodes, c.o)
			if c.refused != "" {
				var re *RefusedError
				if !errors.As(err, &re) || !strings.Contains(err.Error(), c.refused) {
					t.Fatalf("got %+v, %v; want a refusal with %q", p, err, c.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Action != c.action || p.Bootstrap != c.bootstrap || strings.Join(p.Join, ",") != c.join || strings.Join(p.Recover, ",") != c.recover {
				t.Fatalf("got %s bootstrap=%q join=%v recover=%v (%s); want %s bootstrap=%q join=%s recover=%s",
					p.Action, p.Bootstrap, p.Join, p.Recover, p.Reason, c.action, c.bootstrap, c.join, c.recover)
			}
			if p.Reason == "" {
				t.Fatal("no reason")
			}
		})
	}
}

// TestDecideOneBootstrap checks, over every combination of stopped
// states of three nodes, that a plan never bootstraps more than one node
// and never bootstraps a node behind another of the same cluster.
func TestDecideOneBootstrap(t *testing.T) {
	seqnos := []int64{-1, 3, 7}
	for a := range 3 {
		for b := range 3 {
			for c := range 3 {
				for safe := range 4 {
					ns := []Node{stopped("db1", uuidA, seqnos[a], safe == 1), stopped("db2", uuidA, seqnos[b], safe == 2), stopped("db3", uuidA, seqnos[c], safe == 3)}
					for i := range ns {
						if ns[i].Grastate.Seqno < 0 {
							ns[i].Recovered = &Position{UUID: uuidA, Seqno: int64(i)}
						}
					}
					p, err := Decide(ns, Options{})
					if err != nil {
						t.Fatal(err)
					}
					if p.Action != Bootstrap || len(p.Join) != 2 {
						t.Fatalf("%v: %+v", ns, p)
					}
					var chosen int64
					for _, n := range ns {
						if n.Name == p.Bootstrap {
							_, chosen = n.position()
						}
					}
					for _, n := range ns {
						if _, s := n.position(); s > chosen {
							t.Fatalf("bootstrapped %s at %d, but %s is at %d", p.Bootstrap, chosen, n.Name, s)
						}
					}
				}
			}
		}
	}
}
