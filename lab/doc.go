// Package lab boots disposable Debian hosts on the local machine for
// running and testing playbooks: `fjord lab` and `fjord test`.
//
// A host is a Debian bookworm tree made once with debootstrap and cached
// under /var/cache/fjord, an overlayfs upper layer of its own under
// /var/lib/fjord/lab/<lab>/hosts/<host>, booted by `systemd-nspawn --boot`
// so that systemd is PID 1 inside and services behave as on a real
// machine. Each host gets one address on a bridge the lab creates and no
// route beyond it, so lab traffic stays on that /24.
//
// Everything a lab makes (processes by PID and start time, mounts, the
// bridge) is recorded in state.json as it is made, so that Down removes
// exactly that, also after a failed or interrupted Up.
package lab
