package runner

import (
	"regexp"
	"strconv"

	"github.com/fjord-run/fjord/value"
)

var (
	reCgroupDocker = regexp.MustCompile(`/docker(/|-[0-9a-f]+\.scope)`)
	reCgroupLXC    = regexp.MustCompile(`/lxc/|/machine.slice/machine-lxc`)
	reCgroupCtrd   = regexp.MustCompile(`/system.slice/containerd.service`)
)

// virtualFacts are the facts of ansible's LinuxVirtual collector from
// what factsScriptSystem read: the first technology found gives
// virtualization_type and _role, every one found is listed in
// virtualization_tech_guest or _host.
func virtualFacts(kv map[string][]string, one func(string) string, f *value.Map) {
	typ, role := "", ""
	var guest, host []any
	add := func(l *[]any, t string) {
		for _, e := range *l {
			if e == t {
				return
			}
		}
		*l = append(*l, t)
	}
	found := func(t, r string) {
		if typ == "" {
			typ, role = t, r
		}
	}
	for _, line := range kv["cgroup"] {
		if reCgroupDocker.MatchString(line) {
			add(&guest, "docker")
			found("docker", "guest")
		}
		if reCgroupLXC.MatchString(line) {
			add(&guest, "lxc")
			found("lxc", "guest")
		}
		if reCgroupCtrd.MatchString(line) {
			add(&guest, "containerd")
			found("containerd", "guest")
		}
	}
	for _, c := range kv["container"] {
		if c == "lxc" || c == "podman" {
			add(&guest, c)
			found(c, "guest")
		}
		if c != "" {
			add(&guest, "container")
			found("container", "guest")
		}
	}
	if vz := one("vz"); vz != "" {
		if vz == "host" {
			add(&host, "openvz")
		} else {
			add(&guest, "openvz")
		}
		found("openvz", vz)
	}
	sc := one("systemd_container")
	if sc != "" {
		add(&guest, sc)
		found(sc, "guest")
	}
	if one("dockerenv") != "" {
		add(&guest, "docker")
		found("docker", "guest")
	}
	for _, t := range []string{"docker", "lxc", "podman", "openvz", "containerd"} {
		for _, g := range guest {
			if g == t {
				sc = t
			}
		}
	}
	if sc != "" {
		add(&guest, "container")
	}
	if x := one("xen"); x != "" {
		if x == "host" {
			add(&host, "xen")
		}
		found("xen", x)
	}
	if t := dmiVirt(one); t != "" {
		add(&guest, t)
		found(t, "guest")
	}
	if typ == "" {
		typ, role = "NA", "NA"
	}
	f.Set("virtualization_type", typ)
	f.Set("virtualization_role", role)
	if guest == nil {
		guest = []any{}
	}
	if host == nil {
		host = []any{}
	}
	f.Set("virtualization_tech_guest", guest)
	f.Set("virtualization_tech_host", host)
}

// dmiVirt is the guest technology the DMI product name, system vendor
// or BIOS vendor name, as ansible's collector knows them.
func dmiVirt(one func(string) string) string {
	pn, sv, pf, bv := one("dmi.product_name"), one("dmi.sys_vendor"), one("dmi.product_family"), one("dmi.bios_vendor")
	switch {
	case pn == "KVM" || pn == "KVM Server" || pn == "Bochs" || pn == "AHV":
		return "kvm"
	case sv == "oVirt":
		return "oVirt"
	case sv == "Red Hat" && pf == "RHV":
		return "RHV"
	case sv == "Red Hat" && pn == "RHEV Hypervisor":
		return "RHEV"
	case pn == "VMware Virtual Platform" || pn == "VMware7,1":
		return "VMware"
	case pn == "OpenStack Compute" || pn == "OpenStack Nova":
		return "openstack"
	case bv == "Xen":
		return "xen"
	case bv == "innotek GmbH":
		return "virtualbox"
	case bv == "Amazon EC2" || bv == "DigitalOcean" || bv == "Hetzner":
		return "kvm"
	case sv == "KubeVirt":
		return "kvm"
	case sv == "Microsoft Corporation":
		return "VirtualPC"
	case sv == "Parallels Software International Inc.":
		return "parallels"
	case sv == "OpenStack Foundation":
		return "openstack"
	}
	return ""
}

// selinuxFacts are the facts of ansible's SelinuxFactCollector: without
// libselinux only its absence; with it, disabled unless selinuxfs is
// mounted, then the modes and policy type.
func selinuxFacts(one func(string) string, f *value.Map) {
	se := value.NewMap(5)
	f.Set("selinux", se)
	if one("libselinux") == "" {
		se.Set("status", "Missing selinux Python library")
		f.Set("selinux_python_present", false)
		return
	}
	f.Set("selinux_python_present", true)
	enforce := one("selinux.enforce")
	if enforce == "" {
		se.Set("status", "disabled")
		return
	}
	se.Set("status", "enabled")
	if n, err := strconv.Atoi(one("selinux.policyvers")); err == nil {
		se.Set("policyvers", n)
	} else {
		se.Set("policyvers", "unknown")
	}
	mode := func(s string) string {
		switch s {
		case "1", "enforcing":
			return "enforcing"
		case "0", "permissive":
			return "permissive"
		case "disabled":
			return "disabled"
		}
		return "unknown"
	}
	se.Set("config_mode", mode(one("selinux.config")))
	se.Set("mode", mode(enforce))
	typ := one("selinux.configTYPE")
	if typ == "" {
		typ = "unknown"
	}
	se.Set("type", typ)
}
