//go:build linux

package hosthelper

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// attrs does what connection's Chattr and Mkdir scripts do: with mkdirs,
// make p and each missing directory above it (what [ -e ] does not find),
// outermost first, each given the attributes; else give them to p. Then,
// with stat, p's stat lines. Failures exit 1 with the message of the
// command that failed (mkdir, chown, chgrp, chmod).
func (s *server) attrs(p, owner, group, mode string, mkdirs, stat bool) answer {
	var a answer
	targets := []string{p}
	if mkdirs {
		targets = nil
		for q := p; ; q = dirname(q) {
			if _, err := os.Stat(q); err == nil {
				break
			}
			targets = append([]string{q}, targets...)
		}
	}
	fail := func(format string, args ...any) answer {
		a.rc = 1
		fmt.Fprintf(&a.stderr, format+"\n", args...)
		return a
	}
	// what chown, chgrp and chmod say of a path they cannot change
	changing := func(cmd, what, d string, err error) answer {
		if os.IsNotExist(err) {
			return fail("%s: cannot access %s: %s", cmd, quote(d), errText(err))
		}
		return fail("%s: changing %s of %s: %s", cmd, what, quote(d), errText(err))
	}
	for _, d := range targets {
		if mkdirs {
			if err := syscall.Mkdir(d, 0777); err != nil {
				if fi, serr := os.Stat(d); serr != nil || !fi.IsDir() {
					return fail("mkdir: cannot create directory %s: %s", quote(d), errText(err))
				}
			}
		}
		if owner != "" {
			uid, err := lookupUser(owner)
			if err != nil {
				return fail("chown: invalid user: %s", quote(owner))
			}
			if err := os.Chown(d, uid, -1); err != nil {
				return changing("chown", "ownership", d, err)
			}
		}
		if group != "" {
			gid, err := lookupGroup(group)
			if err != nil {
				return fail("chgrp: invalid group: %s", quote(group))
			}
			if err := os.Chown(d, -1, gid); err != nil {
				return changing("chgrp", "group", d, err)
			}
		}
		if mode != "" {
			m, err := strconv.ParseUint(mode, 8, 32)
			if err != nil {
				return fail("chmod: invalid mode: %s", quote(mode))
			}
			if err := syscall.Chmod(d, uint32(m)); err != nil {
				return changing("chmod", "permissions", d, err)
			}
		}
	}
	if stat {
		return s.stat(p, false, "", false)
	}
	return a
}

// dirname is dirname(1).
func dirname(p string) string {
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "."
	}
	if d := strings.TrimRight(p[:i], "/"); d != "" {
		return d
	}
	return "/"
}
