package connection

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// FileInfo is what Stat learned about one path in one round trip.
type FileInfo struct {
	Path   string
	Exists bool
	Type   string // "file", "directory", "link", "other" ("" if absent)
	Mode   uint32 // permission bits incl. setuid/setgid/sticky
	Owner  string // user name, or the uid when it has none
	Group  string
	UID    int
	GID    int
	Size   int64
	// Mtime, Atime and Ctime are seconds since the epoch with fractions.
	Mtime, Atime, Ctime float64
	Inode               uint64
	Dev                 uint64
	Nlink               int
	// Blocks (512-byte), BlockSize (the I/O size hint) and Rdev (a
	// device file's number) are ansible stat's blocks, block_size and
	// device_type.
	Blocks, BlockSize int64
	Rdev              uint64
	RawType           string // stat's %F: "regular file", "fifo", "socket", ...
	LinkTarget        string // readlink of the path when it is a symlink
	LinkSource        string // the path with every link resolved (realpath)
	Checksum          string // sha1 hex of a regular file's content, when asked
	Readable          bool   // for the user the command ran as
	Writeable         bool
	Executable        bool
	// Umask is the umask of the shell that ran the stat, which is what a
	// new file or directory created the same way gets.
	Umask uint32
	// Predicted: a check run's prediction answered, not the host.
	Predicted bool
}

// ModeString is the mode as Ansible prints it: four octal digits.
func (fi *FileInfo) ModeString() string { return FormatMode(fi.Mode) }

// FormatMode prints permission bits the way Ansible does ("0644").
func FormatMode(m uint32) string { return fmt.Sprintf("%04o", m&07777) }

// StatOptions tune Stat.
type StatOptions struct {
	Follow   bool // stat the target of a symlink instead of the link
	Checksum bool // return the sha1 of a regular file
	// ChecksumAlgorithm is md5, sha1 (default), sha224, sha256, sha384 or
	// sha512 (coreutils' NAMEsum must exist on the host).
	ChecksumAlgorithm string
	Become            *Become
}

// Simulated is a connection that knows what a check run predicts for
// some paths (package dryrun): Stat, StatRead and ReadFile ask it before
// the host. ok false: ask the host.
type Simulated interface {
	SimStat(p string) (fi *FileInfo, content []byte, ok bool)
}

// IsPredicted says whether fi came from a check run's prediction
// (Simulated), not from the host.
func IsPredicted(fi *FileInfo) bool { return fi.Predicted }

// simStat is c's prediction for p, following a predicted link when o
// says so (to the host when the target is not predicted).
func simStat(ctx context.Context, c Conn, p string, o StatOptions) (*FileInfo, []byte, bool, error) {
	sim, ok := c.(Simulated)
	if !ok {
		return nil, nil, false, nil
	}
	fi, content, ok := sim.SimStat(p)
	for n := 0; ok && o.Follow && fi.Type == "link" && n < 20; n++ {
		t := fi.LinkTarget
		if !strings.HasPrefix(t, "/") {
			t = path.Join(path.Dir(p), t)
		}
		if fi, content, ok = sim.SimStat(t); !ok {
			hfi, err := Stat(ctx, c, t, o)
			if err != nil {
				return nil, nil, false, err
			}
			hfi.Path = p
			return hfi, nil, true, nil
		}
	}
	if ok {
		cp := *fi
		cp.Path, cp.Predicted = p, true
		fi = &cp
	}
	return fi, content, ok, nil
}

// Stat describes path on the host with one remote command. A missing path
// is not an error: the result has Exists false.
func Stat(ctx context.Context, c Conn, p string, o StatOptions) (*FileInfo, error) {
	if fi, _, ok, err := simStat(ctx, c, p, o); ok || err != nil {
		return fi, err
	}
	var res *Result
	var err error
	if h := helperOf(ctx, c, o.Become); h != nil {
		res, err = h.stat(ctx, p, o, false)
	} else {
		res, err = c.Exec(ctx, &Cmd{Command: statScript(p, o), Become: o.Become})
	}
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return nil, fmt.Errorf("stat %s: %s", p, errText(res))
	}
	return parseStat(p, string(res.Stdout))
}

// statScript prints tagged lines: E (exists 0/1), S (stat fields),
// N (owner and group names), A (access flags), L (link target),
// R (realpath), C (sha1).
func statScript(p string, o StatOptions) string {
	l := ""
	if o.Follow {
		l = "-L "
	}
	// Every fork costs milliseconds on a busy host: builtins where
	// possible, one stat for all fields, readlink only for links.
	var b strings.Builder
	fmt.Fprintf(&b, "p=%s\n", Quote(p))
	b.WriteString("printf 'U '; umask\n")
	b.WriteString("if [ ! -e \"$p\" ] && [ ! -L \"$p\" ]; then echo E0; exit 0; fi\n")
	if o.Follow {
		b.WriteString("if [ ! -e \"$p\" ]; then echo E0; exit 0; fi\n")
	}
	b.WriteString("echo E1\n")
	fmt.Fprintf(&b, "stat %s--printf 'S %%f %%u %%g %%s %%.9X %%.9Y %%.9Z %%i %%d %%h %%b %%o %%t %%T\\nN %%U/%%G\\n' -- \"$p\" || exit 1\n", l)
	b.WriteString("a=; [ -r \"$p\" ] && a=${a}r; [ -w \"$p\" ] && a=${a}w; [ -x \"$p\" ] && a=${a}x; echo \"A $a\"\n")
	b.WriteString("if [ -L \"$p\" ]; then\n")
	if !o.Follow {
		b.WriteString("  printf 'L '; readlink -- \"$p\"\n")
	}
	b.WriteString("  printf 'R '; readlink -m -- \"$p\"\nfi\n")
	if o.Checksum {
		algo := o.ChecksumAlgorithm
		if algo == "" {
			algo = "sha1"
		}
		fmt.Fprintf(&b, "if [ -f \"$p\" ] && [ -r \"$p\" ]%s; then printf 'C '; %ssum < \"$p\"; fi\n",
			map[bool]string{true: "", false: " && [ ! -L \"$p\" ]"}[o.Follow], algo)
	}
	return b.String()
}

func parseStat(p, out string) (*FileInfo, error) {
	fi := &FileInfo{Path: p}
	for _, line := range strings.Split(out, "\n") {
		if len(line) < 2 {
			continue
		}
		tag, rest := line[0], strings.TrimPrefix(line[1:], " ")
		switch tag {
		case 'E':
			fi.Exists = rest == "1"
		case 'S':
			f := strings.Fields(rest)
			// (find's lines stop at the link count: 10)
			if len(f) != 14 && len(f) != 10 {
				return nil, fmt.Errorf("stat %s: unexpected output %q", p, line)
			}
			raw, err := strconv.ParseUint(f[0], 16, 32)
			if err != nil {
				return nil, fmt.Errorf("stat %s: bad mode %q", p, f[0])
			}
			fi.Mode = uint32(raw) & 07777
			switch raw & 0170000 {
			case 0100000:
				fi.Type, fi.RawType = "file", "regular file"
			case 0040000:
				fi.Type, fi.RawType = "directory", "directory"
			case 0120000:
				fi.Type, fi.RawType = "link", "symbolic link"
			case 0010000:
				fi.Type, fi.RawType = "other", "fifo"
			case 0140000:
				fi.Type, fi.RawType = "other", "socket"
			case 0020000:
				fi.Type, fi.RawType = "other", "character special file"
			case 0060000:
				fi.Type, fi.RawType = "other", "block special file"
			default:
				fi.Type, fi.RawType = "other", "unknown"
			}
			fi.UID, _ = strconv.Atoi(f[1])
			fi.GID, _ = strconv.Atoi(f[2])
			fi.Size, _ = strconv.ParseInt(f[3], 10, 64)
			fi.Atime, _ = strconv.ParseFloat(f[4], 64)
			fi.Mtime, _ = strconv.ParseFloat(f[5], 64)
			fi.Ctime, _ = strconv.ParseFloat(f[6], 64)
			fi.Inode, _ = strconv.ParseUint(f[7], 10, 64)
			fi.Dev, _ = strconv.ParseUint(f[8], 10, 64)
			fi.Nlink, _ = strconv.Atoi(f[9])
			if len(f) == 14 {
				fi.Blocks, _ = strconv.ParseInt(f[10], 10, 64)
				fi.BlockSize, _ = strconv.ParseInt(f[11], 10, 64)
				major, _ := strconv.ParseUint(f[12], 16, 32)
				minor, _ := strconv.ParseUint(f[13], 16, 32)
				fi.Rdev = Makedev(major, minor)
			}
		case 'N':
			u, g, _ := strings.Cut(rest, "/")
			if u == "UNKNOWN" {
				u = strconv.Itoa(fi.UID)
			}
			if g == "UNKNOWN" {
				g = strconv.Itoa(fi.GID)
			}
			fi.Owner, fi.Group = u, g
		case 'A':
			fi.Readable = strings.Contains(rest, "r")
			fi.Writeable = strings.Contains(rest, "w")
			fi.Executable = strings.Contains(rest, "x")
		case 'L':
			fi.LinkTarget = rest
		case 'R':
			fi.LinkSource = rest
		case 'C':
			fi.Checksum, _, _ = strings.Cut(rest, " ")
		case 'U':
			if u, err := strconv.ParseUint(rest, 8, 32); err == nil {
				fi.Umask = uint32(u)
			}
		}
	}
	return fi, nil
}

// Makedev is glibc's dev_t of a device's major and minor numbers (what
// Python's st_rdev holds).
func Makedev(major, minor uint64) uint64 {
	return minor&0xff | (major&0xfff)<<8 | (minor&^0xff)<<12 | (major&^0xfff)<<32
}

func errText(r *Result) string {
	s := strings.TrimSpace(string(r.Stderr))
	if s == "" {
		s = strings.TrimSpace(string(r.Stdout))
	}
	if s == "" {
		s = fmt.Sprintf("exit status %d", r.RC)
	}
	return s
}

// ReadFile returns the content of path on the host.
func ReadFile(ctx context.Context, c Conn, p string, become *Become) ([]byte, error) {
	if fi, content, ok, err := simStat(ctx, c, p, StatOptions{Follow: true}); err != nil {
		return nil, err
	} else if ok && fi.Type == "file" && content != nil {
		return content, nil
	} else if ok && !fi.Exists {
		return nil, fmt.Errorf("read %s: No such file or directory", p)
	}
	var buf bytes.Buffer
	var res *Result
	var err error
	if h := helperOf(ctx, c, become); h != nil {
		res, err = h.read(ctx, p)
	} else {
		res, err = c.Exec(ctx, &Cmd{Command: "cat -- " + Quote(p), Become: become, Stdout: &buf})
	}
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return nil, fmt.Errorf("read %s: %s", p, errText(res))
	}
	if buf.Len() == 0 && len(res.Stdout) > 0 {
		return res.Stdout, nil
	}
	return buf.Bytes(), nil
}

// Checksum is the sha1 hex digest of data, Ansible's file checksum.
func Checksum(data []byte) string {
	s := sha1.Sum(data)
	return hex.EncodeToString(s[:])
}

// Dir is path.Dir for host paths.
func Dir(p string) string { return path.Dir(p) }

// StatScript is the shell source Stat runs, for modules that fold a stat
// into a command of their own (apply a change, then report the result in
// the same round trip); ParseStat reads its output.
func StatScript(p string, o StatOptions) string { return statScript(p, o) }

// ParseStat parses the output of StatScript.
func ParseStat(p, out string) (*FileInfo, error) { return parseStat(p, out) }

// StatRead stats path and, when it is a regular file (following links),
// returns its content too, in one round trip.
func StatRead(ctx context.Context, c Conn, p string, o StatOptions) (*FileInfo, []byte, error) {
	if fi, content, ok, err := simStat(ctx, c, p, o); err != nil {
		return nil, nil, err
	} else if ok && (fi.Type != "file" || content != nil) {
		// (a predicted file of unknown content is read from the host)
		return fi, content, nil
	}
	var out bytes.Buffer
	var res *Result
	var err error
	if h := helperOf(ctx, c, o.Become); h != nil {
		res, err = h.stat(ctx, p, o, true)
	} else {
		script := "( " + statScript(p, o) + ") || exit 1\n" +
			"if [ -f " + Quote(p) + " ]; then echo Z; exec cat -- " + Quote(p) + "; fi\n"
		res, err = c.Exec(ctx, &Cmd{Command: script, Become: o.Become, Stdout: &out})
	}
	if err != nil {
		return nil, nil, err
	}
	out.Write(res.Stdout)
	if res.RC != 0 {
		return nil, nil, fmt.Errorf("read %s: %s", p, errText(res))
	}
	data := out.Bytes()
	head := data
	var content []byte
	if i := bytes.Index(data, []byte("\nZ\n")); i >= 0 {
		head, content = data[:i+1], data[i+3:]
		if content == nil {
			content = []byte{}
		}
	}
	fi, err := parseStat(p, string(head))
	return fi, content, err
}
