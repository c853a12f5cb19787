//go:build linux

package hosthelper

import (
	"fmt"
	"io"
	"syscall"
	"unsafe"
)

// lsattrFlags is e2fsprogs' flag table (lib/e2p/pf.c) in its order: the
// letters lsattr prints, "-" for each flag not set.
var lsattrFlags = []struct {
	bit    uint32
	letter byte
}{
	{0x00000001, 's'}, {0x00000002, 'u'}, {0x00000008, 'S'}, {0x00010000, 'D'},
	{0x00000010, 'i'}, {0x00000020, 'a'}, {0x00000040, 'd'}, {0x00000080, 'A'},
	{0x00000004, 'c'}, {0x00000800, 'E'}, {0x00004000, 'j'}, {0x00001000, 'I'},
	{0x00008000, 't'}, {0x00020000, 'T'}, {0x00080000, 'e'}, {0x00800000, 'C'},
	{0x02000000, 'x'}, {0x40000000, 'F'}, {0x10000000, 'N'}, {0x20000000, 'P'},
	{0x00100000, 'V'}, {0x00000400, 'm'},
}

// The ioctls lsattr reads a file's flags and generation with
// (FS_IOC_GETFLAGS, FS_IOC_GETVERSION): declared as long, read and
// written by the kernel as int.
const (
	iocGetFlags   = 0x80086601
	iocGetVersion = 0x80087601
)

// lsattrVD writes what "lsattr -vd -- p" writes on stdout, without
// starting it (stat's probe of a file's attributes): the generation, the
// flags and the path; nothing where lsattr fails (a file that is neither
// regular nor a directory, a link, a file system without flags), except
// the generation when only the flags fail, as lsattr prints it first.
func lsattrVD(w io.Writer, p string) {
	ver, err := fileIoctl(p, iocGetVersion)
	if err != nil {
		return
	}
	fmt.Fprintf(w, "%-10d ", ver)
	flags, err := fileIoctl(p, iocGetFlags)
	if err != nil {
		return
	}
	b := make([]byte, len(lsattrFlags))
	for i, f := range lsattrFlags {
		b[i] = '-'
		if flags&f.bit != 0 {
			b[i] = f.letter
		}
	}
	fmt.Fprintf(w, "%s %s\n", b, p)
}

// fileIoctl is e2p's fgetflags/fgetversion: a regular file or directory
// (by lstat), opened without following a link, asked for one int.
func fileIoctl(p string, req uintptr) (uint32, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err == nil {
		if t := st.Mode & syscall.S_IFMT; t != syscall.S_IFREG && t != syscall.S_IFDIR {
			return 0, syscall.EOPNOTSUPP
		}
	}
	fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer syscall.Close(fd)
	var v uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(&v))); e != 0 {
		return 0, e
	}
	return v, nil
}
