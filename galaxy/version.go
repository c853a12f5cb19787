package galaxy

import (
	"strconv"
	"strings"
)

// semver is a parsed semantic version; ok is false for text that is not
// one (compared as text then).
type semver struct {
	nums [3]int
	pre  []string
	ok   bool
	raw  string
}

func parseSemver(s string) semver {
	v := semver{raw: s}
	core, _, _ := strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(core, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v
		}
		v.nums[i] = n
	}
	if hasPre {
		v.pre = strings.Split(pre, ".")
	}
	v.ok = true
	return v
}

// compareVersions orders two versions as semantic versions, falling back
// to text for ones that are not.
func compareVersions(a, b string) int {
	x, y := parseSemver(a), parseSemver(b)
	if !x.ok || !y.ok {
		return strings.Compare(a, b)
	}
	for i := range 3 {
		if x.nums[i] != y.nums[i] {
			if x.nums[i] < y.nums[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(x.pre) == 0 && len(y.pre) == 0:
		return 0
	case len(x.pre) == 0:
		return 1
	case len(y.pre) == 0:
		return -1
	}
	for i := 0; i < len(x.pre) && i < len(y.pre); i++ {
		if c := comparePre(x.pre[i], y.pre[i]); c != 0 {
			return c
		}
	}
	return len(x.pre) - len(y.pre)
}

func comparePre(a, b string) int {
	n, errA := strconv.Atoi(a)
	m, errB := strconv.Atoi(b)
	switch {
	case errA == nil && errB == nil:
		return n - m
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func isPrerelease(v string) bool { return len(parseSemver(v).pre) > 0 }

// meetsRequirement reports whether version satisfies a requirement such
// as "*", "1.2.0", ">=1.0.0,<2.0.0" or "!=1.1.0".
func meetsRequirement(version, req string) bool {
	if version == "*" {
		return true
	}
	for _, r := range strings.Split(req, ",") {
		r = strings.TrimSpace(r)
		op, want := "==", r
		for _, o := range []string{"!=", "==", ">=", "<=", ">", "<", "*"} {
			if strings.HasPrefix(r, o) {
				op, want = o, strings.TrimSpace(r[len(o):])
				break
			}
		}
		if op == "*" || r == "" {
			continue
		}
		c := compareVersions(version, want)
		ok := map[string]bool{"==": c == 0, "!=": c != 0, ">=": c >= 0, "<=": c <= 0, ">": c > 0, "<": c < 0}[op]
		if !ok {
			return false
		}
	}
	return true
}

// pinsPrerelease reports whether req names a pre-release exactly, which
// allows that pre-release without --pre.
func pinsPrerelease(req string) bool {
	r := strings.TrimPrefix(strings.TrimSpace(req), "==")
	return !strings.ContainsAny(r, ",<>!*") && isPrerelease(r)
}
