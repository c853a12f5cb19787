package runner

import (
	"reflect"
	"testing"

	"github.com/fjord-run/fjord/value"
)

func TestParseCmdline(t *testing.T) {
	m := parseCmdline(`ro quiet tsc=reliable tsc=unstable root="/dev/a b" -- --x`, true)
	want := map[string]any{"ro": true, "quiet": true, "tsc": []any{"reliable", "unstable"}, "root": "/dev/a b", "--": true, "--x": true}
	for k, v := range want {
		got, _ := m.Get(k)
		if !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	c := parseCmdline(`tsc=reliable tsc=unstable`, false)
	if got, _ := c.Get("tsc"); got != "unstable" {
		t.Errorf("cmdline tsc = %#v", got)
	}
}

func TestServiceMgr(t *testing.T) {
	for in, want := range map[string]string{"systemd": "systemd", "init": "", "bash": "", "procd": "openwrt_init", "/sbin/runit-init": "runit", "": ""} {
		if got := serviceMgr(in); got != want {
			t.Errorf("serviceMgr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVirtualFacts(t *testing.T) {
	cases := []struct {
		lines       string
		typ, role   string
		guest, host []any
	}{
		{"sys.dockerenv=1\n", "docker", "guest", []any{"docker", "container"}, []any{}},
		{"sys.cgroup=0::/lxc/x\nsys.container=lxc\n", "lxc", "guest", []any{"lxc", "container"}, []any{}},
		{"sys.dmi.product_name=KVM\n", "kvm", "guest", []any{"kvm"}, []any{}},
		{"sys.xen=host\n", "xen", "host", []any{}, []any{"xen"}},
		{"", "NA", "NA", []any{}, []any{}},
	}
	for _, c := range cases {
		f := value.NewMap(8)
		parseSystem([]byte(c.lines), f)
		typ, _ := f.Get("virtualization_type")
		role, _ := f.Get("virtualization_role")
		g, _ := f.Get("virtualization_tech_guest")
		h, _ := f.Get("virtualization_tech_host")
		if typ != c.typ || role != c.role || !reflect.DeepEqual(g, c.guest) || !reflect.DeepEqual(h, c.host) {
			t.Errorf("%q: got %v %v %v %v", c.lines, typ, role, g, h)
		}
	}
}

func TestSelinuxFacts(t *testing.T) {
	f := value.NewMap(8)
	parseSystem([]byte("sys.libselinux=1\nsys.selinux.enforce=1\nsys.selinux.policyvers=33\nsys.selinux.config=permissive\nsys.selinux.configTYPE=targeted\n"), f)
	se, _ := f.Get("selinux")
	m := se.(*value.Map)
	for k, v := range map[string]any{"status": "enabled", "mode": "enforcing", "config_mode": "permissive", "type": "targeted", "policyvers": 33} {
		if got, _ := m.Get(k); got != v {
			t.Errorf("selinux.%s = %#v, want %#v", k, got, v)
		}
	}
	f = value.NewMap(8)
	parseSystem(nil, f)
	se, _ = f.Get("selinux")
	if st, _ := se.(*value.Map).Get("status"); st != "Missing selinux Python library" {
		t.Errorf("status without libselinux = %v", st)
	}
}

func TestParsePlatform(t *testing.T) {
	f := value.NewMap(8)
	f.Set("distribution", "Debian")
	f.Set("distribution_version", "12")
	f.Set("machine", "x86_64")
	parsePlatform([]byte("pf.mem.MemTotal=2048000\npf.mem.MemFree=1024000\npf.mem.Buffers=2048\npf.mem.Cached=4096\npf.bits=64\npf.debian_version=12.11\n"+
		"pf.dns=# c\npf.dns=nameserver 1.1.1.1\npf.dns=nameserver 8.8.8.8\npf.dns=search a b\npf.dns=options ndots:2 rotate\npf.uptime=12.5\n"), f)
	for k, v := range map[string]any{"distribution_version": "12.11", "distribution_minor_version": "11", "userspace_bits": "64", "userspace_architecture": "x86_64", "uptime_seconds": 12, "swapfree_mb": 0} {
		if got, _ := f.Get(k); got != v {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	mm, _ := f.Get("memory_mb")
	nc, _ := mm.(*value.Map).Get("nocache")
	if free, _ := nc.(*value.Map).Get("free"); free != 1006 {
		t.Errorf("nocache free = %v", free)
	}
	d, _ := f.Get("dns")
	dns := d.(*value.Map)
	ns, _ := dns.Get("nameservers")
	search, _ := dns.Get("search")
	opts, _ := dns.Get("options")
	nd, _ := opts.(*value.Map).Get("ndots")
	rot, _ := opts.(*value.Map).Get("rotate")
	if !reflect.DeepEqual(ns, []any{"1.1.1.1", "8.8.8.8"}) || !reflect.DeepEqual(search, []any{"a", "b"}) || nd != "2" || rot != true {
		t.Errorf("dns = %v %v %v %v", ns, search, nd, rot)
	}
}

func TestParseDMI(t *testing.T) {
	f := value.NewMap(8)
	parseDMI([]byte("dmi.chassis_type=3\ndmi.sys_vendor=QEMU\nkey./etc/ssh|rsa=ssh-rsa AAA\nkey./etc|ed25519=ssh-ed25519 BBB\n"), f)
	for k, v := range map[string]any{"form_factor": "Desktop", "system_vendor": "QEMU", "bios_date": "NA",
		"ssh_host_key_rsa_public": "AAA", "ssh_host_key_rsa_public_keytype": "ssh-rsa", "iscsi_iqn": ""} {
		if got, _ := f.Get(k); got != v {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	if _, ok := f.Get("ssh_host_key_ed25519_public"); ok {
		t.Error("a key of a later directory is taken")
	}
}

func TestParseNetwork(t *testing.T) {
	f := value.NewMap(8)
	d4 := value.NewMap(3)
	d4.Set("address", "10.1.2.3")
	d4.Set("interface", "eth0")
	d4.Set("gateway", "10.1.2.1")
	f.Set("default_ipv4", d4)
	parseNetwork([]byte("net.v6.address=fd00::2\nnet.v6.interface=eth0\nnet.v6.gateway=fd00::1\n"+
		"net.a6=lo|::1/128|host\nnet.a6=eth0|fd00::2/64|global\nnet.a4=eth0|10.1.2.3/20|10.1.15.255|eth0:1\nnet.if=eth0|1|02:00:00:00:00:01|1500\n"), f)
	all6, _ := f.Get("all_ipv6_addresses")
	if !reflect.DeepEqual(all6, []any{"fd00::2"}) {
		t.Errorf("all_ipv6_addresses = %v", all6)
	}
	v4, _ := f.Get("default_ipv4")
	for k, v := range map[string]any{"netmask": "255.255.240.0", "network": "10.1.0.0", "prefix": "20", "alias": "eth0:1", "mtu": 1500, "type": "ether"} {
		if got, _ := v4.(*value.Map).Get(k); got != v {
			t.Errorf("default_ipv4.%s = %#v, want %#v", k, got, v)
		}
	}
	v6, _ := f.Get("default_ipv6")
	if s, _ := v6.(*value.Map).Get("scope"); s != "global" {
		t.Errorf("default_ipv6.scope = %v", s)
	}
}
