package runner

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// factsScriptNetwork adds the IPv6 addresses and the details of the
// default routes' interfaces that ansible's LinuxNetwork reports. Lines
// are prefixed "net." for parseNetwork.
const factsScriptNetwork = `
if command -v ip >/dev/null 2>&1; then
  set -- $(ip -6 route get 2404:6800:4003:c00::64 2>/dev/null | head -1)
  while [ $# -gt 0 ]; do case "$1" in src) echo "net.v6.address=$2";; dev) echo "net.v6.interface=$2";; via) echo "net.v6.gateway=$2";; esac; shift; done
  ip -o -6 addr show 2>/dev/null | while read -r _ dev _ a _ scope _; do echo "net.a6=$dev|$a|$scope"; done
  ip -o -4 addr show 2>/dev/null | while read -r _ dev _ a rest; do brd=; lbl=; set -- $rest; while [ $# -gt 0 ]; do case "$1" in brd) brd=$2;; scope) lbl=$3;; esac; shift; done; echo "net.a4=$dev|$a|$brd|${lbl%\\}"; done
fi
for d in /sys/class/net/*; do [ -e "$d" ] || continue; t=; m=; u=; read -r t < "$d/type"; read -r m < "$d/address"; read -r u < "$d/mtu"; echo "net.if=${d##*/}|$t|$m|$u"; done 2>/dev/null
`

// parseNetwork reads factsScriptNetwork's lines into f: all_ipv6_addresses,
// default_ipv6, and default_ipv4 completed with its interface's details.
func parseNetwork(out []byte, f *value.Map) {
	v6 := map[string]string{}
	ifs := map[string][]string{}
	var a4, a6 [][]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		switch {
		case !ok:
		case strings.HasPrefix(k, "net.v6."):
			v6[k[7:]] = v
		case k == "net.a6":
			a6 = append(a6, strings.Split(v, "|"))
		case k == "net.a4":
			a4 = append(a4, strings.Split(v, "|"))
		case k == "net.if":
			p := strings.Split(v, "|")
			ifs[p[0]] = p
		}
	}
	all6 := []any{}
	for _, a := range a6 {
		if len(a) == 3 {
			if addr, _, _ := strings.Cut(a[1], "/"); addr != "::1" {
				all6 = append(all6, addr)
			}
		}
	}
	f.Set("all_ipv6_addresses", all6)
	d6 := value.NewMap(8)
	if v6["address"] != "" {
		d6.Set("address", v6["address"])
		d6.Set("gateway", v6["gateway"])
		d6.Set("interface", v6["interface"])
		linkDetails(d6, ifs[v6["interface"]])
		for _, a := range a6 {
			if len(a) == 3 && a[0] == v6["interface"] && strings.HasPrefix(a[1], v6["address"]+"/") {
				_, pfx, _ := strings.Cut(a[1], "/")
				d6.Set("prefix", pfx)
				d6.Set("scope", a[2])
			}
		}
		d6 = sortedMap(d6)
	}
	f.Set("default_ipv6", d6)
	if v, ok := f.Get("default_ipv4"); ok {
		if d4, ok := v.(*value.Map); ok && d4.Len() > 0 {
			f.Set("default_ipv4", ipv4Details(d4, a4, ifs))
		}
	}
}

// ipv4Details completes default_ipv4 with its address's network and its
// interface's link, as ansible's default_ipv4.
func ipv4Details(d4 *value.Map, a4 [][]string, ifs map[string][]string) *value.Map {
	dev := value.String(mapGet(d4, "interface"))
	addr := value.String(mapGet(d4, "address"))
	for _, a := range a4 {
		if len(a) != 4 || a[0] != dev || !strings.HasPrefix(a[1], addr+"/") {
			continue
		}
		_, pfx, _ := strings.Cut(a[1], "/")
		n, err := strconv.Atoi(pfx)
		if err != nil || n < 0 || n > 32 {
			break
		}
		mask := net.CIDRMask(n, 32)
		d4.Set("alias", a[3])
		d4.Set("broadcast", a[2])
		d4.Set("netmask", net.IP(mask).String())
		if ip := net.ParseIP(addr).To4(); ip != nil {
			d4.Set("network", ip.Mask(mask).String())
		}
		d4.Set("prefix", pfx)
		break
	}
	linkDetails(d4, ifs[dev])
	return sortedMap(d4)
}

// linkDetails adds an interface's macaddress, mtu and type from sysfs.
func linkDetails(m *value.Map, p []string) {
	if len(p) != 4 {
		return
	}
	m.Set("macaddress", p[2])
	if n, err := strconv.Atoi(p[3]); err == nil {
		m.Set("mtu", n)
	}
	typ := "unknown"
	switch p[1] {
	case "1":
		typ = "ether"
	case "512":
		typ = "ppp"
	case "772":
		typ = "loopback"
	}
	m.Set("type", typ)
}

func mapGet(m *value.Map, k string) any {
	v, _ := m.Get(k)
	return v
}
