package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultSubnet is the lab's /24 unless a lab file or flag says otherwise.
// It is used only on the bridge the lab creates.
const DefaultSubnet = "10.213.7.0/24"

// DefaultName is the name of the lab `fjord lab` works on without --name.
const DefaultName = "default"

// Spec is a lab file (lab.yml): which hosts to boot, their groups and
// variables, and packages to add to the base tree.
type Spec struct {
	// Name of the lab; labs of different names can be up at once on
	// different subnets.
	Name string `yaml:"name"`
	// Subnet is the lab's /24; the bridge takes .1 and hosts .11 upwards.
	Subnet string `yaml:"subnet"`
	// Packages are Debian packages installed on every host, built once
	// into a cached layer over the base tree; "repo:NAME" offers NAME in
	// a local apt repository instead (RepoPrefix).
	Packages []string `yaml:"packages"`
	// Hosts in the order their addresses are given.
	Hosts []HostSpec `yaml:"hosts"`
	// Groups give group variables and child groups.
	Groups map[string]GroupSpec `yaml:"groups"`
	// Vars are variables of group "all".
	Vars yaml.Node `yaml:"vars"`
}

// HostSpec is one host of a lab file: `- name: web1` with optional groups
// and vars, or just `- web1`.
type HostSpec struct {
	Name   string    `yaml:"name"`
	Groups []string  `yaml:"groups"`
	Vars   yaml.Node `yaml:"vars"`
	// Binds are paths of this machine the host sees, as SRC or SRC:DST
	// (systemd-nspawn --bind), e.g. a block device's sysfs directory,
	// which the host's own /sys does not let it write. DST must lie
	// outside /sys, /proc and /dev: nspawn mounts those over binds.
	Binds []string `yaml:"binds"`
}

// GroupSpec is one group of a lab file.
type GroupSpec struct {
	Children []string  `yaml:"children"`
	Vars     yaml.Node `yaml:"vars"`
}

// UnmarshalYAML accepts a bare host name as well as a mapping.
func (h *HostSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		h.Name = n.Value
		return nil
	}
	type plain HostSpec
	var p plain
	if err := decodeStrict(n, &p); err != nil {
		return err
	}
	*h = HostSpec(p)
	return nil
}

// decodeStrict decodes a node rejecting unknown fields, which yaml.v3
// does only through a Decoder.
func decodeStrict(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	return d.Decode(v)
}

// LoadSpec reads a lab file.
func LoadSpec(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSpec(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseSpec decodes a lab file strictly (unknown fields are errors) and
// validates it.
func ParseSpec(b []byte) (*Spec, error) {
	s := &Spec{}
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	if err := d.Decode(s); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return s, s.Validate()
}

// HostsSpec is a lab of n hosts named h1..hn, all in group "lab".
func HostsSpec(names ...string) *Spec {
	s := &Spec{}
	for _, n := range names {
		s.Hosts = append(s.Hosts, HostSpec{Name: n, Groups: []string{"lab"}})
	}
	return s
}

// NumberedSpec is a lab of n hosts named h1..hn.
func NumberedSpec(n int) *Spec {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("h%d", i+1)
	}
	return HostsSpec(names...)
}

var (
	hostNameRe = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	labNameRe  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,8}$`)
	groupRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	pkgRe      = regexp.MustCompile(`^(repo:)?[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$`)
)

// ValidName reports whether name can name a lab (it becomes part of the
// bridge's interface name, at most 15 bytes).
func ValidName(name string) error {
	if !labNameRe.MatchString(name) {
		return fmt.Errorf("lab name %q: want 1-9 of a-z, 0-9, '-', starting with a letter", name)
	}
	return nil
}

// Validate checks names, the subnet and packages. An empty Name is
// DefaultName to Manager.Up.
func (s *Spec) Validate() error {
	if s.Name != "" {
		if err := ValidName(s.Name); err != nil {
			return err
		}
	}
	if s.Subnet != "" {
		if _, err := parseSubnet(s.Subnet); err != nil {
			return err
		}
	}
	if len(s.Hosts) == 0 {
		return errors.New("lab has no hosts")
	}
	if len(s.Hosts) > 200 {
		return errors.New("lab has more than 200 hosts")
	}
	seen := map[string]bool{}
	for _, h := range s.Hosts {
		if !hostNameRe.MatchString(h.Name) {
			return fmt.Errorf("host name %q: want a-z, 0-9, '-', starting with a letter", h.Name)
		}
		if seen[h.Name] {
			return fmt.Errorf("host %q given twice", h.Name)
		}
		seen[h.Name] = true
		for _, g := range h.Groups {
			if !groupRe.MatchString(g) || g == "all" || g == "ungrouped" {
				return fmt.Errorf("host %s: bad group name %q", h.Name, g)
			}
		}
		if err := mappingOrEmpty(&h.Vars); err != nil {
			return fmt.Errorf("host %s: vars: %w", h.Name, err)
		}
		for _, b := range h.Binds {
			if err := validBind(b); err != nil {
				return fmt.Errorf("host %s: binds: %w", h.Name, err)
			}
		}
	}
	for g, gs := range s.Groups {
		if !groupRe.MatchString(g) {
			return fmt.Errorf("bad group name %q", g)
		}
		if err := mappingOrEmpty(&gs.Vars); err != nil {
			return fmt.Errorf("group %s: vars: %w", g, err)
		}
	}
	if err := mappingOrEmpty(&s.Vars); err != nil {
		return fmt.Errorf("vars: %w", err)
	}
	for _, p := range s.Packages {
		if !pkgRe.MatchString(p) {
			return fmt.Errorf("package %q: not a Debian package name", p)
		}
	}
	return nil
}

// validBind accepts SRC or SRC:DST, both absolute and clean, DST outside
// the API file systems nspawn mounts after the binds.
func validBind(b string) error {
	src, dst, ok := strings.Cut(b, ":")
	if !ok {
		dst = src
	}
	for _, p := range []string{src, dst} {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p || strings.ContainsAny(p, ":,\n") {
			return fmt.Errorf("%q: want SRC or SRC:DST, absolute clean paths", b)
		}
	}
	for _, api := range []string{"/sys", "/proc", "/dev"} {
		if dst == api || strings.HasPrefix(dst, api+"/") {
			return fmt.Errorf("%q: %s is mounted over binds in a host; bind elsewhere", b, api)
		}
	}
	return nil
}

func mappingOrEmpty(n *yaml.Node) error {
	if n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a mapping, line %d", n.Line)
	}
	return nil
}

// packageKey is the sorted, deduplicated package list.
func packageKey(pkgs []string) []string {
	m := map[string]bool{}
	for _, p := range pkgs {
		m[strings.TrimSpace(p)] = true
	}
	out := make([]string, 0, len(m))
	for p := range m {
		if p != "" {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// parseSubnet accepts an IPv4 /24 (the lab's address plan assumes one).
func parseSubnet(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("subnet %q: %w", s, err)
	}
	if !p.Addr().Is4() || p.Bits() != 24 || p.Masked() != p {
		return p, fmt.Errorf("subnet %q: want an IPv4 /24 such as %s", s, DefaultSubnet)
	}
	if !p.Addr().IsPrivate() {
		return p, fmt.Errorf("subnet %q: want a private range (10/8, 172.16/12, 192.168/16)", s)
	}
	return p, nil
}
