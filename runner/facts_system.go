package runner

import (
	"bufio"
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// factsScriptSystem adds the facts of ansible's system and virtual
// collectors that procfs, sysfs and coreutils give: virtualization,
// selinux, apparmor, fips, chroot, capabilities, the kernel command line,
// pid 1's name for service_mgr, real and effective ids. Lines are
// prefixed "sys." for parseSystem.
const factsScriptSystem = `
[ -r /proc/1/cgroup ] && sed 's/^/sys.cgroup=/' /proc/1/cgroup 2>/dev/null
[ -r /proc/1/environ ] && tr '\0' '\n' < /proc/1/environ 2>/dev/null | sed -n 's/^container=/sys.container=/p'
[ -e /proc/vz ] && [ ! -e /proc/lve ] && { [ -e /proc/bc ] && echo sys.vz=host || echo sys.vz=guest; }
[ -r /run/systemd/container ] && { read -r c < /run/systemd/container; echo "sys.systemd_container=$c"; }
{ [ -e /.dockerenv ] || [ -e /.dockerinit ]; } && echo sys.dockerenv=1
[ -e /proc/xen ] && { grep -q control_d /proc/xen/capabilities 2>/dev/null && echo sys.xen=host || echo sys.xen=guest; }
for k in product_name sys_vendor product_family bios_vendor; do v=; read -r v < /sys/devices/virtual/dmi/id/$k 2>/dev/null && echo "sys.dmi.$k=$v"; done
for l in /lib/*/libselinux.so.1 /lib64/libselinux.so.1 /usr/lib/*/libselinux.so.1 /usr/lib64/libselinux.so.1 /lib/libselinux.so.1 /usr/lib/libselinux.so.1; do [ -e "$l" ] && { echo sys.libselinux=1; break; }; done
if [ -r /sys/fs/selinux/enforce ]; then read -r e < /sys/fs/selinux/enforce; echo "sys.selinux.enforce=$e"; read -r p < /sys/fs/selinux/policyvers 2>/dev/null && echo "sys.selinux.policyvers=$p"; sed -n 's/^SELINUX\(TYPE\)\?=/sys.selinux.config\1=/p' /etc/selinux/config 2>/dev/null; fi
[ -e /sys/kernel/security/apparmor ] && echo sys.apparmor=1
read -r f < /proc/sys/crypto/fips_enabled 2>/dev/null && echo "sys.fips=$f"
read -r c < /proc/cmdline 2>/dev/null && echo "sys.cmdline=$c"
read -r c < /proc/1/comm 2>/dev/null && echo "sys.proc1=$c"
[ -d /etc/init.d ] && echo sys.initd=1
echo "sys.chroot_env=${debian_chroot:-}"
echo "sys.root=$(stat -c '%d %i' / 2>/dev/null)|$(stat -c '%d %i' /proc/1/root/. 2>/dev/null)|$(stat -f -c %T / 2>/dev/null)"
command -v capsh >/dev/null 2>&1 && capsh --print 2>/dev/null | sed -n 's/^Current:/sys.caps=/p'
echo "sys.ids=$(id -ru) $(id -rg) $(id -u) $(id -g)"
echo "sys.gecos=$(getent passwd "$(id -un)" 2>/dev/null | cut -d: -f5)"
`

// parseSystem reads factsScriptSystem's lines into f.
func parseSystem(out []byte, f *value.Map) {
	kv := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "sys.") {
			kv[k[4:]] = append(kv[k[4:]], v)
		}
	}
	one := func(k string) string {
		if v := kv[k]; len(v) > 0 {
			return v[len(v)-1]
		}
		return ""
	}
	virtualFacts(kv, one, f)
	selinuxFacts(one, f)
	apparmor := value.NewMap(1)
	apparmor.Set("status", "disabled")
	if one("apparmor") != "" {
		apparmor.Set("status", "enabled")
	}
	f.Set("apparmor", apparmor)
	f.Set("fips", one("fips") == "1")
	if _, ok := kv["cmdline"]; ok {
		f.Set("cmdline", parseCmdline(one("cmdline"), false))
		f.Set("proc_cmdline", parseCmdline(one("cmdline"), true))
	}
	f.Set("is_chroot", isChroot(one("chroot_env"), one("root")))
	capsFacts(kv, one("caps"), f)
	ids := strings.Fields(one("ids"))
	for i, k := range []string{"real_user_id", "real_group_id", "effective_user_id", "effective_group_id"} {
		if i < len(ids) {
			n, _ := strconv.Atoi(ids[i])
			f.Set(k, n)
		}
	}
	if _, ok := kv["gecos"]; ok {
		f.Set("user_gecos", one("gecos"))
	}
	if mgr := serviceMgr(one("proc1")); mgr != "" {
		f.Set("service_mgr", mgr)
	}
}

// serviceMgr is pid 1's name as ansible's ServiceMgrFactCollector takes
// it, or "" where it cannot be trusted (init, a shell).
func serviceMgr(proc1 string) string {
	p := strings.TrimSpace(proc1)
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if p == "" || p == "init" || strings.HasSuffix(p, "sh") {
		return ""
	}
	m := map[string]string{"procd": "openwrt_init", "runit-init": "runit", "svscan": "svc", "openrc-init": "openrc"}
	if v, ok := m[p]; ok {
		return v
	}
	return p
}

// isChroot is ansible's is_chroot: debian_chroot set, or / differs from
// pid 1's root, or (pid 1's root unreadable) / is not the file system's
// root inode.
func isChroot(env, root string) bool {
	if env != "" {
		return true
	}
	p := strings.SplitN(root, "|", 3)
	for len(p) < 3 {
		p = append(p, "")
	}
	if p[1] != "" {
		return p[0] != p[1]
	}
	ino := "2"
	if strings.Contains(p[2], "btrfs") {
		ino = "256"
	} else if strings.Contains(p[2], "xfs") {
		ino = "128"
	}
	fs := strings.Fields(p[0])
	return len(fs) != 2 || fs[1] != ino
}

// capsFacts are system_capabilities and system_capabilities_enforced
// from capsh --print's Current line, as ansible's caps collector.
func capsFacts(kv map[string][]string, cur string, f *value.Map) {
	if _, ok := kv["caps"]; !ok {
		f.Set("system_capabilities_enforced", "N/A")
		f.Set("system_capabilities", "N/A")
		return
	}
	enforced, caps := "True", []any{}
	if strings.TrimSpace(cur) == "=ep" {
		enforced = "False"
	} else if _, after, ok := strings.Cut(cur, "="); ok {
		for _, c := range strings.Split(after, ",") {
			caps = append(caps, strings.TrimSpace(c))
		}
	}
	f.Set("system_capabilities_enforced", enforced)
	f.Set("system_capabilities", caps)
}

// parseCmdline splits a kernel command line as ansible's cmdline
// collector: shell words, key=value or a bare key (true); proc_cmdline
// keeps a repeated key's values in a list, cmdline its last.
func parseCmdline(s string, multi bool) *value.Map {
	m := value.NewMap(16)
	for _, w := range shellWords(s) {
		k, v, ok := strings.Cut(w, "=")
		var val any = true
		if ok {
			val = v
		}
		if old, seen := m.Get(k); seen && multi {
			if l, isList := old.([]any); isList {
				val = append(l, val)
			} else {
				val = []any{old, val}
			}
		}
		m.Set(k, val)
	}
	return sortedMap(m)
}

// shellWords splits s at blanks, honouring quotes and backslashes as
// shlex.split does.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	in, quote, esc := false, byte(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			cur.WriteByte(c)
			esc, in = false, true
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				i++
				cur.WriteByte(s[i])
			} else {
				cur.WriteByte(c)
			}
		case c == '\\':
			esc = true
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

func sortedMap(m *value.Map) *value.Map {
	var keys []string
	m.Range(func(k string, _ any) bool { keys = append(keys, k); return true })
	sort.Strings(keys)
	out := value.NewMap(len(keys))
	for _, k := range keys {
		v, _ := m.Get(k)
		out.Set(k, v)
	}
	return out
}
