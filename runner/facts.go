package runner

import (
	"bufio"
	"bytes"
	"context"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

// runFacts is the implicit "Gathering Facts" task.
func (r *run) runFacts(ctx context.Context, pr *playRun) {
	t := &Task{Pos: pr.play.Pos, Name: "Gathering Facts", Action: "gather_facts", Args: value.NewMap(0), play: pr.play}
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
`

var osFamily = map[string]string{
	"debian": "Debian", "ubuntu": "Debian", "raspbian": "Debian", "linuxmint": "Debian",
	"centos": "RedHat", "rhel": "RedHat", "fedora": "RedHat", "rocky": "RedHat", "almalinux": "RedHat", "ol": "RedHat", "amzn": "RedHat",
	"alpine": "Alpine", "arch": "Archlinux", "opensuse-leap": "Suse", "sles": "Suse",
}

func actSetup(ctx context.Context, tc *taskCtx) *value.Map {
	conn, err := tc.ex.r.connFor(ctx, tc, "")
	if err != nil {
		return unreachableResult(err)
	}
	res, err := conn.Exec(ctx, &connection.Cmd{Command: factsScript})
	if err != nil {
		if connection.IsUnreachable(err) {
			return unreachableResult(err)
		}
		return failResult(err.Error())
	}
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(res.Stdout))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			kv[k] = strings.Trim(v, `"`)
		}
	}
	f := value.NewMap(40)
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	f.Set("hostname", kv["hostname"])
	short, _, _ := strings.Cut(kv["fqdn"], ".")
	f.Set("nodename", kv["hostname"])
	f.Set("fqdn", kv["fqdn"])
	domain := ""
	if i := strings.IndexByte(kv["fqdn"], '.'); i >= 0 {
		domain = kv["fqdn"][i+1:]
	}
	_ = short
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
	f.Set("gather_subset", []any{"all"})
	f.Set("module_setup", true)
	tc.h.addFacts(f)
	out := okResult()
	facts := value.NewMap(f.Len())
	f.Range(func(k string, v any) bool { facts.Set("ansible_"+k, v); return true })
	out.Set("ansible_facts", facts)
	return out
}
