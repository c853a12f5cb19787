package templates

import (
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"regexp"
	"strconv"
	"strings"
)

var looseComponent = regexp.MustCompile(`\d+|[a-zA-Z]+`)

// looseVersion splits a version as distutils' LooseVersion does.
func looseVersion(v string) []any {
	var out []any
	for _, c := range looseComponent.FindAllString(v, -1) {
		if n, err := strconv.Atoi(c); err == nil {
			out = append(out, n)
		} else {
			out = append(out, c)
		}
	}
	return out
}

func compareLoose(a, b []any) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, xi := a[i].(int)
		y, yi := b[i].(int)
		switch {
		case xi && yi:
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		case xi != yi:
			if xi {
				return -1
			}
			return 1
		default:
			if c := strings.Compare(a[i].(string), b[i].(string)); c != 0 {
				return c
			}
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func fVersionTest(s *state, in any, args []any, kw map[string]any) (bool, error) {
	v, err := toStr(in)
	if err != nil {
		return false, err
	}
	other := argStr(args, kw, 0, "version", "")
	op := argStr(args, kw, 1, "operator", "eq")
	if v == "" || other == "" {
		return false, fmt.Errorf("Version comparison failed: version value cannot be empty")
	}
	c := compareLoose(looseVersion(v), looseVersion(other))
	switch op {
	case "==", "=", "eq":
		return c == 0, nil
	case "<", "lt":
		return c < 0, nil
	case "<=", "le":
		return c <= 0, nil
	case ">", "gt":
		return c > 0, nil
	case ">=", "ge":
		return c >= 0, nil
	case "!=", "<>", "ne":
		return c != 0, nil
	}
	return false, fmt.Errorf("Invalid operator type (%s)", op)
}

// shaCrypt is the SHA-crypt scheme of glibc's crypt(3) ($5$ and $6$), which
// Ansible's password_hash produces.
func shaCrypt(password, salt string, rounds int, is512 bool) string {
	newHash := sha256.New
	size, prefix := 32, "$5$"
	if is512 {
		newHash = sha512.New
		size, prefix = 64, "$6$"
	}
	custom := rounds != 0
	if rounds == 0 {
		rounds = 5000
	}
	if rounds < 1000 {
		rounds = 1000
	}
	if rounds > 999999999 {
		rounds = 999999999
	}
	if len(salt) > 16 {
		salt = salt[:16]
	}
	pw, sl := []byte(password), []byte(salt)
	sum := func(h hash.Hash) []byte { return h.Sum(nil) }

	b := newHash()
	b.Write(pw)
	b.Write(sl)
	b.Write(pw)
	bsum := sum(b)

	a := newHash()
	a.Write(pw)
	a.Write(sl)
	for n := len(pw); n > 0; n -= size {
		a.Write(bsum[:min(n, size)])
	}
	for n := len(pw); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(bsum)
		} else {
			a.Write(pw)
		}
	}
	asum := sum(a)

	dp := newHash()
	for range pw {
		dp.Write(pw)
	}
	dpsum := sum(dp)
	p := make([]byte, 0, len(pw))
	for n := len(pw); n > 0; n -= size {
		p = append(p, dpsum[:min(n, size)]...)
	}

	ds := newHash()
	for i := 0; i < 16+int(asum[0]); i++ {
		ds.Write(sl)
	}
	dssum := sum(ds)
	sb := make([]byte, 0, len(sl))
	for n := len(sl); n > 0; n -= size {
		sb = append(sb, dssum[:min(n, size)]...)
	}

	c := asum
	for i := 0; i < rounds; i++ {
		h := newHash()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(sb)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = sum(h)
	}

	const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var out strings.Builder
	enc := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for ; n > 0; n-- {
			out.WriteByte(itoa64[w&0x3f])
			w >>= 6
		}
	}
	if is512 {
		order := [][3]int{{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48},
			{28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13},
			{56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}}
		for _, o := range order {
			enc(c[o[0]], c[o[1]], c[o[2]], 4)
		}
		enc(0, 0, c[63], 2)
	} else {
		order := [][3]int{{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14}, {15, 25, 5}, {6, 16, 26},
			{27, 7, 17}, {18, 28, 8}, {9, 19, 29}}
		for _, o := range order {
			enc(c[o[0]], c[o[1]], c[o[2]], 4)
		}
		enc(0, c[31], c[30], 3)
	}
	res := prefix
	if custom {
		res += fmt.Sprintf("rounds=%d$", rounds)
	}
	return res + salt + "$" + out.String()
}
