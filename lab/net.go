package lab

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
)

// bridgeName is the lab's bridge: "fjord-" and the lab name, within
// IFNAMSIZ.
func bridgeName(lab string) string { return "fjord-" + lab }

// hostAddr is the i-th host's address (0-based): .11 upwards, leaving
// .1 for the bridge and .2-.10 for addresses tests add (virtual IPs).
func hostAddr(subnet netip.Prefix, i int) netip.Addr {
	b := subnet.Addr().As4()
	b[3] = byte(11 + i)
	return netip.AddrFrom4(b)
}

func gatewayAddr(subnet netip.Prefix) netip.Addr {
	b := subnet.Addr().As4()
	b[3] = 1
	return netip.AddrFrom4(b)
}

// ip runs iproute2's ip.
func ip(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func linkExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}

// subnetUser names what on this machine already uses addresses in
// subnet (an interface address or a route), or "" when nothing does.
func subnetUser(subnet netip.Prefix) (string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return "", err
	}
	for _, ifc := range ifs {
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			p, err := netip.ParsePrefix(ipn.String())
			if err != nil || !p.Addr().Is4() {
				continue
			}
			if p.Overlaps(subnet) {
				return fmt.Sprintf("interface %s has address %s", ifc.Name, p), nil
			}
		}
	}
	routes, err := ipv4Routes()
	if err != nil {
		return "", err
	}
	for _, r := range routes {
		if r.prefix.Bits() > 0 && r.prefix.Overlaps(subnet) {
			return fmt.Sprintf("route %s dev %s", r.prefix, r.dev), nil
		}
	}
	return "", nil
}

type route struct {
	dev    string
	prefix netip.Prefix
}

// ipv4Routes reads the main routing table from /proc/net/route.
func ipv4Routes() ([]route, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []route
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 8 {
			continue
		}
		dst, err1 := hexAddr(fs[1])
		mask, err2 := hexAddr(fs[7])
		if err1 != nil || err2 != nil {
			continue
		}
		bits, _ := net.IPMask(mask.AsSlice()).Size()
		out = append(out, route{dev: fs[0], prefix: netip.PrefixFrom(dst, bits)})
	}
	return out, sc.Err()
}

// hexAddr decodes /proc/net/route's little-endian hex address.
func hexAddr(s string) (netip.Addr, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		return netip.Addr{}, errors.New("bad address")
	}
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], binary.LittleEndian.Uint32(b))
	return netip.AddrFrom4(a), nil
}

// createBridge makes the lab's bridge with the gateway address. It
// refuses a subnet something else already uses.
func createBridge(ctx context.Context, name string, subnet netip.Prefix) error {
	if linkExists(name) {
		return fmt.Errorf("bridge %s already exists but no lab records it: remove it with `ip link del %s` if nothing uses it", name, name)
	}
	if who, err := subnetUser(subnet); err != nil {
		return err
	} else if who != "" {
		return &RangeInUseError{Subnet: subnet.String(), User: who}
	}
	gw := netip.PrefixFrom(gatewayAddr(subnet), 24)
	if err := ip(ctx, "link", "add", name, "type", "bridge"); err != nil {
		return err
	}
	// No IPv6 on the bridge: router solicitations and DAD would be the
	// only IPv6 traffic, and nothing needs it.
	_ = os.WriteFile("/proc/sys/net/ipv6/conf/"+name+"/disable_ipv6", []byte("1"), 0o644)
	if err := ip(ctx, "addr", "add", gw.String(), "dev", name); err != nil {
		return err
	}
	return ip(ctx, "link", "set", name, "up")
}

// RangeInUseError: the lab's subnet is already in use on this machine.
type RangeInUseError struct {
	Subnet, User string
}

func (e *RangeInUseError) Error() string {
	return fmt.Sprintf("lab subnet %s is already in use (%s): pick another with --subnet or `subnet:` in lab.yml, or bring the other lab down (fjord lab status --all)", e.Subnet, e.User)
}

func deleteBridge(ctx context.Context, name string) error {
	if !linkExists(name) {
		return nil
	}
	return ip(ctx, "link", "del", name)
}

// vethName is the bridge end of a host's veth, as systemd-nspawn names
// it for --network-bridge.
func vethName(machine string) string { return "vb-" + machine }
