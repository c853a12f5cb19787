// Package lab boots disposable Debian hosts on the local machine for
// running and testing playbooks: `fjord lab` and `fjord test`.
//
// A host is a Debian bookworm tree made once (mmdebstrap when installed,
// else debootstrap) and cached under /var/cache/fjord/rootfs, an overlayfs
// upper layer of its own under /var/lib/fjord/lab/<lab>/hosts/<host>,
// booted by `systemd-nspawn --boot` so that systemd is PID 1 inside and
// services behave as on a real machine (`systemctl`, `service nginx
// start`). Extra packages are installed once into a cached layer between
// the tree and the hosts' own layers (/var/cache/fjord/layers).
//
// Each host has one address on a bridge the lab creates (.1 is the
// bridge, hosts are .11 upwards) and no route beyond it, so lab traffic
// stays on that /24 and hosts cannot reach the network: roles under test
// find their packages preinstalled (lab.yml `packages:`), not downloaded.
//
// Hosts have their own network namespace, so root in them has
// CAP_NET_ADMIN and CAP_NET_RAW there (VRRP, addresses, net.* sysctls),
// and /dev/net/tun (made on this machine first if missing), so tunnels
// such as OpenVPN run; tests/fleet uses both.
//
// nspawn runs with --register=no: machined is not needed. When this
// machine's PID 1 is not systemd (a container or sandbox) nspawn also
// runs with --keep-unit, each host in a cgroup the lab makes for it under
// fjord.lab/, since hosts sharing one cgroup break each other's units.
//
// Everything a lab makes (processes by PID and start time, mounts,
// cgroups, the bridge) is recorded in state.json as it is made, so Down
// removes exactly that, also after a failed or interrupted Up. Down and
// Kill return only once /proc shows nothing of the host: no process in
// its namespaces or cgroups, and its systemd-nspawn reaped, not a zombie.
//
// A lab file:
//
//	name: galera          # 1-9 of a-z0-9-; default "default" (fjord test: "test")
//	subnet: 10.213.9.0/24 # default 10.213.7.0/24, or the next free 10.213.x.0/24
//	packages: [mariadb-server, galera-4]
//	vars: {cluster_name: c1}          # group_vars/all
//	groups:
//	  db: {vars: {port: 3306}}
//	  cluster: {children: [db]}
//	hosts:
//	  - name: db1
//	    groups: [db]
//	    vars: {server_id: 1}          # host_vars/db1
//	    # paths of this machine the host sees (SRC or SRC:DST, not under
//	    # /sys, /proc or /dev), e.g. a loop device's writable queue
//	    binds: [/sys/devices/virtual/block/loop0:/run/sysfs/block/loop0]
//	  - db2                           # a bare name: no groups, no vars
package lab
