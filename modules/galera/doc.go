// Package galera holds the galera_bootstrap module: it brings a
// MariaDB/Percona Galera cluster up whether it is new, partly running or
// recovering from a full outage, without bootstrapping two primary
// components and without losing the most advanced node's writes.
//
// The module is split in three: state.go reads what a node reports
// (grastate.dat, wsrep status, --wsrep-recover output), decide.go is a
// pure function from the nodes' states to a plan, and bootstrap.go probes
// the nodes over their own connections, runs the plan and waits for each
// step to settle.
package galera
