package modules

// Reading dpkg-query, apt-cache policy and apt-get output.

import (
	"regexp"
	"strings"
)

// versionMatch compares a requested version, which may end in a "*"
// wildcard, with an installed one.
func versionMatch(want, have string) bool {
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(have, p)
	}
	return want == have
}

func parseDpkg(pkgs []*aptPkg, out string) {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			continue
		}
		for _, p := range pkgs {
			if p.name == f[0] || strings.HasPrefix(p.name, f[0]+":") {
				p.status, p.installed = strings.TrimSpace(f[1]), f[2]
				if !p.isInstalled() {
					p.installed = ""
				}
			}
		}
	}
}

func parsePolicy(pkgs []*aptPkg, out string) {
	var cur *aptPkg
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, " ") && strings.HasSuffix(l, ":") {
			cur = nil
			name := strings.TrimSuffix(l, ":")
			for _, p := range pkgs {
				if p.name == name || strings.TrimSuffix(p.name, ":"+archOf(name)) == name {
					cur = p
				}
			}
			continue
		}
		if cur == nil {
			continue
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Candidate:"); ok {
			v = strings.TrimSpace(v)
			if v != "(none)" {
				cur.candidate = v
				cur.known = true
			}
		}
		if strings.HasPrefix(strings.TrimSpace(l), "Version table:") {
			cur.known = true
		}
	}
}

func archOf(name string) string {
	if i := strings.LastIndex(name, ":"); i >= 0 {
		return name[i+1:]
	}
	return ""
}

var aptSummary = regexp.MustCompile(`(?m)^([0-9]+) (packages )?upgraded`)

// aptDiff keeps the part of apt-get's output that says what changes.
func aptDiff(out string) string {
	ls := strings.Split(out, "\n")
	start := 0
	for i, l := range ls {
		if l == "Reading state information..." {
			start = i + 1
			break
		}
	}
	end := len(ls)
	for i, l := range ls {
		if aptSummary.MatchString(l) {
			end = i + 1
			break
		}
	}
	if start > end {
		start = 0
	}
	return strings.Join(ls[start:end], "\n")
}
