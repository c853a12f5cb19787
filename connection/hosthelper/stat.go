//go:build linux

package hosthelper

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"os/user"
	"path"
	"strconv"
	"strings"
	"syscall"
)

// stat answers as connection's stat script does (tagged lines U, E, S,
// N, A, L, R, C), followed, when content is asked and the path is a
// regular file, by a Z line and the file's bytes, as StatRead's script.
func (s *server) stat(p string, follow bool, algo string, content bool) answer {
	var a answer
	fmt.Fprintf(&a.stdout, "U %04o\n", s.umask)
	var lst, st syscall.Stat_t
	lerr := syscall.Lstat(p, &lst)
	serr := syscall.Stat(p, &st)
	if lerr != nil || (follow && serr != nil) {
		a.stdout.WriteString("E0\n")
		return a
	}
	a.stdout.WriteString("E1\n")
	fst := &lst
	if follow {
		fst = &st
	}
	// (stat's %t %T: the device's major and minor in hex, from glibc's
	// dev_t encoding)
	rdev := uint64(fst.Rdev)
	major, minor := (rdev>>8)&0xfff|(rdev>>32)&^0xfff, rdev&0xff|(rdev>>12)&^0xff
	fmt.Fprintf(&a.stdout, "S %x %d %d %d %s %s %s %d %d %d %d %d %x %x\n", fst.Mode, fst.Uid, fst.Gid, fst.Size,
		stamp(fst.Atim), stamp(fst.Mtim), stamp(fst.Ctim), fst.Ino, fst.Dev, fst.Nlink, fst.Blocks, fst.Blksize, major, minor)
	fmt.Fprintf(&a.stdout, "N %s/%s\n", userName(fst.Uid), groupName(fst.Gid))
	acc := ""
	for _, m := range []struct {
		bit uint32
		c   string
	}{{4, "r"}, {2, "w"}, {1, "x"}} {
		if syscall.Access(p, m.bit) == nil {
			acc += m.c
		}
	}
	fmt.Fprintf(&a.stdout, "A %s\n", acc)
	isLink := lst.Mode&syscall.S_IFMT == syscall.S_IFLNK
	if isLink {
		if !follow {
			t, _ := os.Readlink(p)
			fmt.Fprintf(&a.stdout, "L %s\n", t)
		}
		r, _ := Canonical(p)
		fmt.Fprintf(&a.stdout, "R %s\n", r)
	}
	// [ -f "$p" ] follows a link; [ -r "$p" ] is access(2)
	isFile := serr == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG
	if algo != "" && isFile && syscall.Access(p, 4) == nil && (follow || !isLink) {
		if sum, err := fileSum(p, algo); err == nil {
			fmt.Fprintf(&a.stdout, "C %s\n", sum)
		} else {
			a.stdout.WriteString("C ")
			fmt.Fprintf(&a.stderr, "%ssum: %s\n", algo, errText(err))
		}
	}
	if content && isFile {
		r := s.read(p)
		a.stdout.WriteString("Z\n")
		a.rc, a.file = r.rc, r.file
		a.stderr.Write(r.stderr.Bytes())
	}
	return a
}

// stamp is a time as stat's %.9X prints it.
func stamp(t syscall.Timespec) string { return fmt.Sprintf("%d.%09d", t.Sec, t.Nsec) }

// userName is stat's %U: the name, or UNKNOWN.
func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return u.Username
	}
	return "UNKNOWN"
}

func groupName(gid uint32) string {
	if g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10)); err == nil {
		return g.Name
	}
	return "UNKNOWN"
}

func fileSum(p, algo string) (string, error) {
	var h hash.Hash
	switch algo {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha224":
		h = sha256.New224()
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		return "", fmt.Errorf("unsupported checksum %s", algo)
	}
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Canonical is readlink -m: p made absolute with every symlink in it
// resolved, components that do not exist taken as they are.
func Canonical(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		p = wd + "/" + p
	}
	rest := strings.Split(p, "/")
	cur := "/"
	links := 0
	seen := map[string]bool{}
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, c)
		var st syscall.Stat_t
		if syscall.Lstat(next, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFLNK {
			cur = next
			continue
		}
		if seen[next] {
			// a loop: readlink -m takes the link as a name that does not
			// resolve
			cur = next
			continue
		}
		seen[next] = true
		if links++; links > 4096 {
			return "", syscall.ELOOP
		}
		t, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(t, "/") {
			cur = "/"
		}
		rest = append(strings.Split(t, "/"), rest...)
	}
	return cur, nil
}
