package runner

import (
	"bufio"
	"bytes"
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/value"
)

// runFacts is the implicit "Gathering Facts" task.
func (r *run) runFacts(ctx context.Context, pr *playRun) {
	t := &playbook.Task{Pos: pr.play.Pos, Name: "Gathering Facts", Action: "gather_facts", Args: value.NewMap(0), Play: pr.play}
	t.Kw.Tags = []string{"always"}
	ex := &executor{r: r, pr: pr}
	hosts := pr.active()
	if len(hosts) == 0 {
		return
	}
	f := ex.runTask(ctx, t, hosts)
	_ = f
}

// factsScript collects facts with one remote command: POSIX sh and
// coreutils only, key=value lines.
const factsScript = `
echo "hostname=$(hostname 2>/dev/null || uname -n)"
echo "fqdn=$(hostname -f 2>/dev/null || hostname 2>/dev/null || uname -n)"
echo "system=$(uname -s)"
echo "kernel=$(uname -r)"
echo "kernel_version=$(uname -v)"
echo "machine=$(uname -m)"
echo "user_id=$(id -un)"
echo "user_uid=$(id -u)"
echo "user_gid=$(id -g)"
echo "user_dir=$HOME"
echo "user_shell=$SHELL"
echo "nproc=$(nproc 2>/dev/null || echo 1)"
echo "memtotal_kb=$(awk '/^MemTotal:/{print $2}' /proc/meminfo 2>/dev/null)"
echo "memfree_kb=$(awk '/^MemFree:/{print $2}' /proc/meminfo 2>/dev/null)"
echo "swaptotal_kb=$(awk '/^SwapTotal:/{print $2}' /proc/meminfo 2>/dev/null)"
if [ -r /etc/os-release ]; then sed -n 's/^\(ID\|VERSION_ID\|VERSION_CODENAME\|NAME\|PRETTY_NAME\|ID_LIKE\)=/os_\1=/p' /etc/os-release; fi
if command -v ip >/dev/null 2>&1; then
  set -- $(ip -4 route get 1.0.0.0 2>/dev/null | head -1)
  while [ $# -gt 0 ]; do case "$1" in src) echo "ipv4_address=$2";; dev) echo "ipv4_interface=$2";; via) echo "ipv4_gateway=$2";; esac; shift; done
fi
if [ -d /run/systemd/system ]; then echo "service_mgr=systemd"; else echo "service_mgr=sysvinit"; fi
echo "pkg_mgr=$(command -v apt-get >/dev/null 2>&1 && echo apt || (command -v dnf >/dev/null 2>&1 && echo dnf) || (command -v yum >/dev/null 2>&1 && echo yum) || echo unknown)"
echo "date_epoch=$(date +%s)"
echo "date_iso=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "date_ymd=$(date +%Y-%m-%d)"
echo "date_hms=$(date +%H:%M:%S)"
echo "date_tz=$(date +%Z)"
` + factsScriptHardware + factsScriptSystem + factsScriptPlatform + factsScriptDMI + factsScriptNetwork

// factsScriptHardware adds CPU topology, network addresses, block devices
// (with their I/O scheduler), mounts and the environment; sysfs is read
// with the shell's read builtin, since every fork costs a round of
// process creation on the host. Lines are prefixed so that parseHardware
// can tell them apart.
const factsScriptHardware = `
awk -F': *' '/^processor/{print "hw.cpu.idx=" $2} /^vendor_id/{print "hw.cpu.vendor=" $2} /^model name/{print "hw.cpu.model=" $2} /^physical id/{p[$2]=1} /^cpu cores/{c=$2} /^siblings/{s=$2} END{k=0; for (i in p) k++; print "hw.sockets=" k; print "hw.cores=" c; print "hw.siblings=" s}' /proc/cpuinfo 2>/dev/null
for d in /sys/class/net/*; do [ -e "$d" ] && echo "hw.if=${d##*/}"; done
if command -v ip >/dev/null 2>&1; then ip -4 -o addr show 2>/dev/null | while read -r _ _ _ a _; do echo "hw.ipv4=${a%/*}"; done; fi
for d in /sys/block/*; do
  [ -d "$d" ] || continue
  sch=; rot=; rem=; sec=; ssz=; mdl=; vnd=; dis=
  read -r sch < "$d/queue/scheduler" 2>/dev/null
  read -r rot < "$d/queue/rotational" 2>/dev/null
  read -r rem < "$d/removable" 2>/dev/null
  read -r sec < "$d/size" 2>/dev/null
  read -r ssz < "$d/queue/logical_block_size" 2>/dev/null
  read -r dis < "$d/queue/discard_granularity" 2>/dev/null
  read -r mdl < "$d/device/model" 2>/dev/null
  read -r vnd < "$d/device/vendor" 2>/dev/null
  echo "hw.dev=${d##*/}|$sch|$rot|$rem|$sec|$ssz|$dis|$mdl|$vnd"
done
while read -r dev mnt fs opts _; do
  case "$dev" in /*) echo "hw.mnt=$dev|$mnt|$fs|$opts|$(stat -f -c '%s %S %b %f %a %c %d' "$mnt" 2>/dev/null)";; esac
done < /proc/mounts
awk 'BEGIN { for (k in ENVIRON) { v = ENVIRON[k]; gsub(/\n/, " ", v); print "hw.env." k "=" v } }'
`

var osFamily = map[string]string{
	"debian": "Debian", "ubuntu": "Debian", "raspbian": "Debian", "linuxmint": "Debian",
	"centos": "RedHat", "rhel": "RedHat", "fedora": "RedHat", "rocky": "RedHat", "almalinux": "RedHat", "ol": "RedHat", "amzn": "RedHat",
	"alpine": "Alpine", "arch": "Archlinux", "opensuse-leap": "Suse", "sles": "Suse",
}

func actSetup(ctx context.Context, tc *taskCtx) *value.Map {
	args, err := tc.args()
	if err != nil {
		return failResult(err.Error())
	}
	if msg := checkGatherSubset(argList(args, "gather_subset")); msg != "" {
		return failResult(msg)
	}
	factPath := defaultFactPath
	if v, ok := args.Get("fact_path"); ok && v != nil {
		factPath = value.String(v)
	}
	conn, err := tc.ex.r.connFor(ctx, tc, "")
	if err != nil {
		return errorResult(err)
	}
	// The play's environment reaches the gathering (ansible_env shows
	// it), without the keys that need ansible_env itself.
	env, err := tc.environment()
	if err != nil {
		return failResult(tc.sc.explain(err, tc.t))
	}
	res, err := conn.Exec(ctx, &connection.Cmd{Command: factsScript + pythonFactsScript(pythonInterpreter(tc.sc)) + "echo @@local\n" + localFactsScript(factPath), Env: env})
	if err != nil {
		return errorResult(err)
	}
	main, localOut, _ := bytes.Cut(res.Stdout, []byte("\n@@local\n"))
	f := parseFacts(main)
	local, warns := parseLocalFacts(localOut)
	f.Set("local", local)
	f.Set("gather_subset", []any{"all"})
	f.Set("module_setup", true)
	if filters := argList(args, "filter"); len(filters) > 0 {
		f = filterFacts(f, filters)
	}
	tc.h.addFacts(f, false)
	out := okResult()
	facts := value.NewMap(f.Len())
	f.Range(func(k string, v any) bool { facts.Set("ansible_"+k, v); return true })
	out.Set("ansible_facts", facts)
	if len(warns) > 0 {
		w := make([]any, len(warns))
		for i, s := range warns {
			w[i] = s
		}
		out.Set("warnings", w)
	}
	if py, pyWarnings, ok := tc.discoverForSetup(ctx, conn); ok {
		withDiscovered(out, py, pyWarnings)
		tc.h.addFacts(value.MapOf("discovered_interpreter_python", py), true)
	}
	return out
}

// parseFacts reads factsScript's key=value lines into facts shaped (and
// typed) as ansible-core's setup module reports them.
func parseFacts(out []byte) *value.Map {
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			kv[k] = strings.Trim(v, `"`)
		}
	}
	f := value.NewMap(40)
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	f.Set("hostname", kv["hostname"])
	f.Set("nodename", kv["hostname"])
	f.Set("fqdn", kv["fqdn"])
	domain := ""
	if i := strings.IndexByte(kv["fqdn"], '.'); i >= 0 {
		domain = kv["fqdn"][i+1:]
	}
	f.Set("domain", domain)
	f.Set("system", kv["system"])
	f.Set("kernel", kv["kernel"])
	f.Set("kernel_version", kv["kernel_version"])
	f.Set("machine", kv["machine"])
	f.Set("architecture", kv["machine"])
	f.Set("user_id", kv["user_id"])
	f.Set("user_uid", atoi(kv["user_uid"]))
	f.Set("user_gid", atoi(kv["user_gid"]))
	f.Set("user_dir", kv["user_dir"])
	f.Set("user_shell", kv["user_shell"])
	n := atoi(kv["nproc"])
	f.Set("processor_vcpus", n)
	f.Set("processor_count", n)
	f.Set("processor_cores", 1)
	f.Set("processor_threads_per_core", 1)
	f.Set("processor_nproc", n)
	f.Set("memtotal_mb", atoi(kv["memtotal_kb"])/1024)
	f.Set("memfree_mb", atoi(kv["memfree_kb"])/1024)
	f.Set("swaptotal_mb", atoi(kv["swaptotal_kb"])/1024)
	distributionFacts(kv, f)
	f.Set("service_mgr", kv["service_mgr"])
	f.Set("pkg_mgr", kv["pkg_mgr"])
	ip4 := value.NewMap(4)
	if a := kv["ipv4_address"]; a != "" {
		ip4.Set("address", a)
		ip4.Set("interface", kv["ipv4_interface"])
		ip4.Set("gateway", kv["ipv4_gateway"])
	}
	f.Set("default_ipv4", ip4)
	dt := value.NewMap(6)
	dt.Set("epoch", kv["date_epoch"])
	dt.Set("iso8601", kv["date_iso"])
	dt.Set("date", kv["date_ymd"])
	dt.Set("time", kv["date_hms"])
	dt.Set("tz", kv["date_tz"])
	f.Set("date_time", dt)
	pythonFacts(kv, f)
	parseHardware(out, f)
	parseSystem(out, f)
	parsePlatform(out, f)
	parseDMI(out, f)
	parseNetwork(out, f)
	return f
}

// distributionFacts are the distribution facts from /etc/os-release's
// keys, with Ansible's names for the distributions it knows.
func distributionFacts(kv map[string]string, f *value.Map) {
	id := kv["os_ID"]
	dist := kv["os_NAME"]
	switch id {
	case "debian":
		dist = "Debian"
	case "ubuntu":
		dist = "Ubuntu"
	case "centos":
		dist = "CentOS"
	case "rhel":
		dist = "RedHat"
	case "fedora":
		dist = "Fedora"
	case "rocky":
		dist = "Rocky"
	case "almalinux":
		dist = "AlmaLinux"
	}
	f.Set("distribution", dist)
	ver := kv["os_VERSION_ID"]
	f.Set("distribution_version", ver)
	major, _, _ := strings.Cut(ver, ".")
	f.Set("distribution_major_version", major)
	f.Set("distribution_release", kv["os_VERSION_CODENAME"])
	fam := osFamily[id]
	if fam == "" {
		fam = dist
	}
	f.Set("os_family", fam)
}

// parseHardware reads factsScriptHardware's lines into facts shaped (and
// typed) as ansible-core's setup module reports them.
func parseHardware(out []byte, f *value.Map) {
	atoi := func(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }
	var processor, ifaces, ipv4 []any
	devices := value.NewMap(8)
	var mounts []any
	env := value.NewMap(32)
	var envKeys []string
	envVals := map[string]string{}
	sockets, cores, siblings := 0, 0, 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "hw.") {
			continue
		}
		k, v, _ := strings.Cut(line[3:], "=")
		switch {
		case k == "cpu.idx" || k == "cpu.vendor" || k == "cpu.model":
			processor = append(processor, v)
		case k == "sockets":
			sockets = atoi(v)
		case k == "cores":
			cores = atoi(v)
		case k == "siblings":
			siblings = atoi(v)
		case k == "if":
			ifaces = append(ifaces, v)
		case k == "ipv4":
			if !strings.HasPrefix(v, "127.") {
				ipv4 = append(ipv4, v)
			}
		case k == "dev":
			devices.Set(parseDevice(v))
		case k == "mnt":
			if m := parseMount(v); m != nil {
				mounts = append(mounts, m)
			}
		case strings.HasPrefix(k, "env."):
			name := k[4:]
			envKeys = append(envKeys, name)
			envVals[name] = v
		}
	}
	sort.Strings(envKeys)
	for _, k := range envKeys {
		env.Set(k, envVals[k])
	}
	processorFacts(f, processor, sockets, cores, siblings)
	if ifaces == nil {
		ifaces = []any{}
	}
	if ipv4 == nil {
		ipv4 = []any{}
	}
	if mounts == nil {
		mounts = []any{}
	}
	f.Set("interfaces", ifaces)
	f.Set("all_ipv4_addresses", ipv4)
	f.Set("devices", devices)
	f.Set("mounts", mounts)
	f.Set("env", env)
}

// processorFacts are the processor facts from /proc/cpuinfo's entries
// and topology (nproc stands in for cores where none is given).
func processorFacts(f *value.Map, processor []any, sockets, cores, siblings int) {
	if len(processor) == 0 {
		return
	}
	nproc := 0
	if v, ok := f.Get("processor_nproc"); ok {
		nproc, _ = v.(int)
	}
	f.Set("processor", processor)
	if sockets == 0 {
		sockets = 1
	}
	if cores == 0 {
		cores = nproc
	}
	tpc := 1
	if cores > 0 && siblings > 0 {
		tpc = siblings / cores
	}
	f.Set("processor_count", sockets)
	f.Set("processor_cores", cores)
	f.Set("processor_threads_per_core", tpc)
	f.Set("processor_vcpus", tpc*cores*sockets)
}

func parseDevice(line string) (string, any) {
	p := strings.Split(line, "|")
	for len(p) < 9 {
		p = append(p, "")
	}
	name := p[0]
	d := value.NewMap(16)
	d.Set("holders", []any{})
	d.Set("host", "")
	links := value.NewMap(4)
	for _, k := range []string{"ids", "labels", "masters", "uuids"} {
		links.Set(k, []any{})
	}
	d.Set("links", links)
	null := func(s string) any {
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		return s
	}
	d.Set("model", null(p[7]))
	d.Set("partitions", value.NewMap(0))
	d.Set("removable", p[3])
	d.Set("rotational", p[2])
	d.Set("sas_address", nil)
	d.Set("sas_device_handle", nil)
	sched := p[1]
	if i := strings.IndexByte(sched, '['); i >= 0 {
		if j := strings.IndexByte(sched[i:], ']'); j > 0 {
			sched = sched[i+1 : i+j]
		}
	}
	d.Set("scheduler_mode", sched)
	d.Set("sectors", p[4])
	d.Set("sectorsize", p[5])
	sectors, _ := strconv.ParseFloat(p[4], 64)
	d.Set("size", humanBytes(sectors*512))
	disc := "0"
	if n, _ := strconv.Atoi(p[6]); n > 0 {
		disc = p[6]
	}
	d.Set("support_discard", disc)
	d.Set("vendor", null(p[8]))
	d.Set("virtual", 1)
	return name, d
}

// humanBytes formats as ansible's bytes_to_human: "931.51 GB".
func humanBytes(b float64) string {
	units := []string{"Bytes", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return strconv.FormatFloat(b, 'f', 2, 64) + " " + units[i]
}

func parseMount(line string) any {
	p := strings.SplitN(line, "|", 5)
	if len(p) < 5 {
		return nil
	}
	unescape := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	m := value.NewMap(14)
	st := strings.Fields(p[4])
	n := make([]int64, 7)
	for i := range n {
		if i < len(st) {
			n[i], _ = strconv.ParseInt(st[i], 10, 64)
		}
	}
	bsize, frsize, blocks, bavail, files, ffree := n[0], n[1], n[2], n[4], n[5], n[6]
	m.Set("block_available", bavail)
	m.Set("block_size", bsize)
	m.Set("block_total", blocks)
	m.Set("block_used", blocks-bavail) // as ansible-core computes it
	m.Set("device", unescape.Replace(p[0]))
	m.Set("fstype", p[2])
	m.Set("inode_available", ffree)
	m.Set("inode_total", files)
	m.Set("inode_used", files-ffree)
	m.Set("mount", unescape.Replace(p[1]))
	m.Set("options", p[3])
	m.Set("size_available", bavail*frsize)
	m.Set("size_total", blocks*frsize)
	m.Set("uuid", "N/A")
	return m
}
