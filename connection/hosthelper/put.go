//go:build linux

package hosthelper

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// TempPrefix is connection.TempPrefix: the writer's pid follows it, so a
// write by the helper or by the shell sweeps the other's leftovers.
const TempPrefix = ".fjord_tmp."

// put does what connection's put script does, exit codes (70-77) and
// messages included: a temporary file beside the destination receives
// the content, is checked against the size and sha1 sent, synced, given
// its mode and owner, and renamed over the destination. The content's
// frames are always read to the End frame, so that the stream stays in
// step whatever failed. err is a broken stream: the helper ends.
func (s *server) put(p *PutRequest) (a answer, err error) {
	fail := func(rc int, format string, args ...any) {
		a.rc = rc
		fmt.Fprintf(&a.stderr, format+"\n", args...)
	}
	f := p.Dest
	if p.Follow {
		var st syscall.Stat_t
		if syscall.Lstat(f, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFLNK {
			if f, err = Canonical(f); err != nil {
				fail(70, "readlink: %s: %s", p.Dest, errText(err))
				return a, s.drain()
			}
		}
	}
	d := "."
	if i := strings.LastIndexByte(f, '/'); i >= 0 {
		if d = f[:i]; d == "" {
			d = "/"
		}
	}
	if p.MakeDirs {
		if err := os.MkdirAll(d, 0777); err != nil {
			fail(70, "mkdir: cannot create directory %s: %s", quote(d), errText(err))
			return a, s.drain()
		}
	}
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		fail(70, "Destination directory %s does not exist", d)
		return a, s.drain()
	}
	sweep(d)
	t := d + "/" + TempPrefix + strconv.Itoa(os.Getpid()) + "." + suffix()
	// pending before it exists: a signal between the create and the
	// record would leave it
	addPending(t)
	tf, err := os.OpenFile(t, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0666)
	if err != nil {
		donePending(t) // (not ours to remove)
		fail(70, "cannot create a temporary file in %s", d)
		return a, s.drain()
	}
	defer func() {
		if tf != nil {
			tf.Close()
		}
		dropPending(t)
	}()
	h := sha1.New()
	n, werr, err := s.receive(io.MultiWriter(tf, h))
	if err != nil {
		return a, err
	}
	if werr != nil {
		fail(71, "%s: %s", t, errText(werr))
		return a, nil
	}
	if n != p.Size || hex.EncodeToString(h.Sum(nil)) != p.Sum {
		fail(77, "upload to %s did not arrive whole (%d of %d bytes, or not the bytes sent); %s was left as it was", f, n, p.Size, f)
		return a, nil
	}
	tf.Sync()
	err = tf.Close()
	tf = nil
	if err != nil {
		fail(71, "%s: %s", t, errText(err))
		return a, nil
	}
	var cur syscall.Stat_t
	exists := syscall.Stat(f, &cur) == nil
	if p.Mode == "" && exists {
		syscall.Chmod(t, cur.Mode&07777)
	}
	if p.Mode != "" {
		m, err := strconv.ParseUint(p.Mode, 8, 32)
		if err == nil {
			err = syscall.Chmod(t, uint32(m))
		}
		if err != nil {
			fail(72, "chmod: changing permissions of %s: %s", quote(t), errText(err))
			return a, nil
		}
	}
	uid, gid := -1, -1
	if exists {
		uid, gid = int(cur.Uid), int(cur.Gid)
		// (chown --reference, whose failure the script ignores)
		if p.Owner == "" || p.Group == "" {
			os.Chown(t, uid, gid)
		}
	}
	if p.Owner != "" || p.Group != "" {
		uid, gid = -1, -1
		if p.Owner != "" {
			if uid, err = lookupUser(p.Owner); err != nil {
				fail(73, "chown: invalid user: %s", quote(p.Owner))
				return a, nil
			}
		}
		if p.Group != "" {
			if gid, err = lookupGroup(p.Group); err != nil {
				if p.Owner != "" {
					fail(73, "chown: invalid group: %s", quote(p.Owner+":"+p.Group))
				} else {
					fail(73, "chgrp: invalid group: %s", quote(p.Group))
				}
				return a, nil
			}
		}
		if err := os.Chown(t, uid, gid); err != nil {
			cmd := "chown"
			if p.Owner == "" {
				cmd = "chgrp"
			}
			fail(73, "%s: changing ownership of %s: %s", cmd, quote(t), errText(err))
			return a, nil
		}
	}
	var st syscall.Stat_t
	if err := syscall.Stat(t, &st); err != nil {
		fail(76, "stat: cannot statx %s: %s", quote(t), errText(err))
		return a, nil
	}
	if err := os.Rename(t, f); err != nil {
		fail(76, "mv: cannot move %s to %s: %s", quote(t), quote(f), errText(err))
		return a, nil
	}
	donePending(t)
	fmt.Fprintf(&a.stdout, "D %s\nS %o %d %d %d %s/%s\n", f, st.Mode&07777, st.Uid, st.Gid, st.Size,
		userName(st.Uid), groupName(st.Gid))
	return a, nil
}

// receive writes the content's frames to w up to End. werr is the first
// write error (the rest is read and dropped); err a broken stream.
func (s *server) receive(w io.Writer) (n int64, werr, err error) {
	for {
		kind, f, err := ReadFrame(s.r)
		if err != nil {
			return n, werr, err
		}
		switch kind {
		case KindEnd:
			return n, werr, nil
		case KindData:
			if len(f) != 1 {
				return n, werr, fmt.Errorf("bad data frame")
			}
			if werr == nil {
				var k int
				k, werr = w.Write(f[0])
				n += int64(k)
			}
		default:
			return n, werr, fmt.Errorf("unexpected frame %q in a put", kind)
		}
	}
}

// drain reads a Put's content that will not be written.
func (s *server) drain() error {
	_, _, err := s.receive(io.Discard)
	return err
}

// sweep removes the temporary files in dir whose writer (the pid in
// their name) is gone: what a writer killed outright leaves. Without
// /proc no writer can be told to be gone, and nothing is removed.
func sweep(dir string) {
	if _, err := os.Stat("/proc/self"); err != nil {
		return
	}
	names, _ := filepath.Glob(filepath.Join(dir, TempPrefix+"*"))
	for _, n := range names {
		rest := strings.TrimPrefix(filepath.Base(n), TempPrefix)
		pid, _, _ := strings.Cut(rest, ".")
		if _, err := strconv.Atoi(pid); err != nil || pid == "" {
			continue
		}
		if fi, err := os.Lstat(n); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); os.IsNotExist(err) {
			os.Remove(n)
		}
	}
}

// suffix makes a temporary name unlikely to be taken (O_EXCL makes
// sure), from the kernel's random source: crypto/rand would make the
// helper a twentieth larger.
func suffix() string {
	var b [8]byte
	if f, err := os.Open("/dev/urandom"); err == nil {
		io.ReadFull(f, b[:])
		f.Close()
	}
	if b == [8]byte{} {
		binary.LittleEndian.PutUint64(b[:], uint64(time.Now().UnixNano()))
	}
	return hex.EncodeToString(b[:])
}

// lookupUser is chown's reading of a user: a name, else a number.
func lookupUser(s string) (int, error) {
	if u, err := user.Lookup(s); err == nil {
		return strconv.Atoi(u.Uid)
	}
	return strconv.Atoi(s)
}

func lookupGroup(s string) (int, error) {
	if g, err := user.LookupGroup(s); err == nil {
		return strconv.Atoi(g.Gid)
	}
	return strconv.Atoi(s)
}

// quote is coreutils' quoting of a name in a message.
func quote(s string) string { return "'" + s + "'" }

// parsePut reads back what PutRequest.Fields encodes.
func parsePut(f [][]byte) (*PutRequest, error) {
	if len(f) != 8 {
		return nil, errors.New("host helper: bad put request")
	}
	size, err := strconv.ParseInt(string(f[6]), 10, 64)
	if err != nil {
		return nil, errors.New("host helper: bad put size")
	}
	return &PutRequest{Dest: string(f[0]), Mode: string(f[1]), Owner: string(f[2]), Group: string(f[3]),
		Follow: string(f[4]) == "1", MakeDirs: string(f[5]) == "1", Size: size, Sum: string(f[7])}, nil
}
