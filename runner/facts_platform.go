package runner

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// factsScriptPlatform adds the platform, memory, uptime, load and DNS
// facts that ansible's platform, hardware and dns collectors read from
// procfs and /etc. Lines are prefixed "pf." for parsePlatform.
const factsScriptPlatform = `
sed -n 's/^\(MemTotal\|MemFree\|Buffers\|Cached\|SwapTotal\|SwapFree\|SwapCached\):[[:space:]]*\([0-9]*\).*/pf.mem.\1=\2/p' /proc/meminfo 2>/dev/null
read -r u _ < /proc/uptime 2>/dev/null && echo "pf.uptime=$u"
read -r l1 l5 l15 _ < /proc/loadavg 2>/dev/null && echo "pf.loadavg=$l1 $l5 $l15"
for m in /var/lib/dbus/machine-id /etc/machine-id; do if [ -s "$m" ]; then read -r id < "$m"; echo "pf.machine_id=$id"; break; fi; done
echo "pf.bits=$(getconf LONG_BIT 2>/dev/null)"
[ -r /etc/debian_version ] && { read -r v < /etc/debian_version; echo "pf.debian_version=$v"; }
[ -r /etc/resolv.conf ] && sed 's/^/pf.dns=/' /etc/resolv.conf
`

// parsePlatform reads factsScriptPlatform's lines into f.
func parsePlatform(out []byte, f *value.Map) {
	mem := map[string]int{}
	dns := value.NewMap(4)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || !strings.HasPrefix(k, "pf.") {
			continue
		}
		switch k = k[3:]; {
		case strings.HasPrefix(k, "mem."):
			n, _ := strconv.Atoi(v)
			mem[k[4:]] = n / 1024
		case k == "uptime":
			if u, err := strconv.ParseFloat(v, 64); err == nil {
				f.Set("uptime_seconds", int(u))
			}
		case k == "loadavg":
			loadavg(v, f)
		case k == "machine_id":
			f.Set("machine_id", v)
		case k == "bits":
			userspace(v, f)
		case k == "debian_version":
			debianVersion(v, f)
		case k == "dns":
			resolvLine(v, dns)
		}
	}
	f.Set("dns", dns)
	if _, ok := mem["MemTotal"]; ok {
		memoryFacts(mem, f)
	}
	if v, ok := f.Get("distribution_version"); ok {
		if _, minor, ok := strings.Cut(value.String(v), "."); ok {
			minor, _, _ = strings.Cut(minor, ".")
			f.Set("distribution_minor_version", minor)
		}
	}
}

// memoryFacts are memory_mb and swapfree_mb, each /proc/meminfo entry in
// whole MB before the sums, as ansible's LinuxHardware computes them.
func memoryFacts(m map[string]int, f *value.Map) {
	f.Set("swapfree_mb", m["SwapFree"])
	mm := func(kv ...any) *value.Map {
		out := value.NewMap(len(kv) / 2)
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i].(string), kv[i+1])
		}
		return out
	}
	ncFree := m["Cached"] + m["MemFree"] + m["Buffers"]
	f.Set("memory_mb", mm(
		"real", mm("total", m["MemTotal"], "used", m["MemTotal"]-m["MemFree"], "free", m["MemFree"]),
		"nocache", mm("free", ncFree, "used", m["MemTotal"]-ncFree),
		"swap", mm("total", m["SwapTotal"], "free", m["SwapFree"], "used", m["SwapTotal"]-m["SwapFree"], "cached", m["SwapCached"]),
	))
}

func loadavg(v string, f *value.Map) {
	p := strings.Fields(v)
	if len(p) != 3 {
		return
	}
	la := value.NewMap(3)
	for i, k := range []string{"1m", "5m", "15m"} {
		n, _ := strconv.ParseFloat(p[i], 64)
		la.Set(k, n)
	}
	f.Set("loadavg", la)
}

// userspace is userspace_bits, and on x86 userspace_architecture, from
// the word size of the host's userland.
func userspace(bits string, f *value.Map) {
	if bits == "" {
		return
	}
	f.Set("userspace_bits", bits)
	m, _ := f.Get("machine")
	if m == "x86_64" {
		switch bits {
		case "64":
			f.Set("userspace_architecture", "x86_64")
		case "32":
			f.Set("userspace_architecture", "i386")
		}
	}
}

// debianVersion is Debian's point release from /etc/debian_version
// (12.11 where os-release says 12), as ansible's distribution facts.
func debianVersion(v string, f *value.Map) {
	if d, _ := f.Get("distribution"); d != "Debian" {
		return
	}
	if _, err := strconv.ParseFloat(v, 64); err != nil {
		return
	}
	f.Set("distribution_version", v)
}

// resolvLine adds one /etc/resolv.conf line to dns as ansible's
// DnsFactCollector.
func resolvLine(line string, dns *value.Map) {
	if strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
		return
	}
	tok := strings.Fields(line)
	if len(tok) == 0 {
		return
	}
	list := func() []any {
		out := []any{}
		for _, t := range tok[1:] {
			out = append(out, t)
		}
		return out
	}
	switch tok[0] {
	case "nameserver":
		old, _ := dns.Get("nameservers")
		l, _ := old.([]any)
		dns.Set("nameservers", append(l, list()...))
	case "domain":
		if len(tok) > 1 {
			dns.Set("domain", tok[1])
		}
	case "search":
		dns.Set("search", list())
	case "sortlist":
		dns.Set("sortlist", list())
	case "options":
		opts := value.NewMap(len(tok))
		for _, o := range tok[1:] {
			k, v, ok := strings.Cut(o, ":")
			if ok && v != "" {
				opts.Set(k, v)
			} else {
				opts.Set(k, true)
			}
		}
		dns.Set("options", opts)
	}
}
