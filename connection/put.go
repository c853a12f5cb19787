package connection

// Put: a verified, atomic write of a file on the host, through the host
// helper or a script.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// PutOptions tune Put.
type PutOptions struct {
	// Mode is an octal ("0644") or symbolic ("u=rw,go=r") mode for chmod;
	// "" keeps the mode of an existing dst, or gives a new file
	// 0666 &^ umask.
	Mode string
	// Owner and Group are names or ids; "" keeps an existing dst's.
	Owner, Group string
	// Backup copies an existing dst aside first, with Ansible's name
	// dst.PID.YYYY-MM-DD@HH:MM:SS~.
	Backup bool
	// Validate is a command run on the temporary file before it replaces
	// dst; "%s" in it stands for the temporary file's path.
	Validate string
	// Follow writes through a symlink at dst to its target instead of
	// replacing the link.
	Follow bool
	// RemoteSrc copies this file already on the host instead of reading
	// the Put's reader (copy with remote_src).
	RemoteSrc string
	// MakeDirs creates dst's missing parent directories.
	MakeDirs bool
	Become   *Become
}

// PutResult describes the file Put left in place.
type PutResult struct {
	Dest       string // the path written (the link target when following)
	Checksum   string // sha1 of what was written
	Size       int64
	Mode       uint32
	Owner      string
	Group      string
	UID, GID   int
	BackupFile string
}

// ValidateError is returned when PutOptions.Validate rejected the file;
// dst is untouched.
type ValidateError struct {
	Command string
	RC      int
	Stdout  string
	Stderr  string
}

func (e *ValidateError) Error() string {
	return fmt.Sprintf("failed to validate: %s exited %d", e.Command, e.RC)
}

// putScript is Put's shell source; fill is the command whose output
// becomes the file's content, and u, when not nil, what that content must
// be: the temporary file is checked against it before anything renames it.
func putScript(dst string, o PutOptions, fill string, u *Upload) string {
	var b strings.Builder
	fmt.Fprintf(&b, "f=%s\n", Quote(dst))
	if o.Follow {
		b.WriteString("if [ -L \"$f\" ]; then f=$(readlink -m -- \"$f\") || exit 70; fi\n")
	}
	// dirname without a process
	b.WriteString("case $f in */*) d=${f%/*}; [ -n \"$d\" ] || d=/ ;; *) d=. ;; esac\n")
	if o.MakeDirs {
		b.WriteString("mkdir -p -- \"$d\" || exit 70\n")
	}
	b.WriteString("[ -d \"$d\" ] || { echo \"Destination directory $d does not exist\" >&2; exit 70; }\n")
	b.WriteString(TempScript(70))
	fmt.Fprintf(&b, "%s > \"$t\" || exit 71\n", fill)
	if u != nil {
		b.WriteString(VerifyScript(*u, 77))
	}
	b.WriteString("sync -- \"$t\" 2>/dev/null\n")
	// The file keeps the mode and owner of the one it replaces (a new
	// one has the shell's umask from its noclobber create); what the
	// task sets replaces them, with as few processes as it can.
	if o.Mode == "" || strings.Trim(o.Mode, "01234567") != "" {
		// (a symbolic mode changes the replaced file's)
		b.WriteString("[ ! -e \"$f\" ] || chmod --reference=\"$f\" -- \"$t\" 2>/dev/null\n")
	}
	if o.Mode != "" {
		fmt.Fprintf(&b, "chmod -- %s \"$t\" || exit 72\n", Quote(o.Mode))
	}
	switch {
	case o.Owner != "" && o.Group != "":
		fmt.Fprintf(&b, "chown -- %s \"$t\" || exit 73\n", Quote(o.Owner+":"+o.Group))
	case o.Owner == "" && o.Group == "":
		b.WriteString("[ ! -e \"$f\" ] || chown --reference=\"$f\" -- \"$t\" 2>/dev/null\n")
	default:
		b.WriteString("[ ! -e \"$f\" ] || chown --reference=\"$f\" -- \"$t\" 2>/dev/null\n")
		if o.Owner != "" {
			fmt.Fprintf(&b, "chown -- %s \"$t\" || exit 73\n", Quote(o.Owner))
		} else {
			fmt.Fprintf(&b, "chgrp -- %s \"$t\" || exit 73\n", Quote(o.Group))
		}
	}
	if o.Validate != "" {
		v := strings.ReplaceAll(o.Validate, "%s", `"$t"`)
		fmt.Fprintf(&b, "( %s )\nrc=$?\nif [ $rc -ne 0 ]; then printf '\\nfjord-validate-rc=%%d\\n' $rc >&2; exit 74; fi\n", v)
	}
	if o.Backup {
		b.WriteString(`if [ -e "$f" ]; then
	bk="$f.$$.$(date +%Y-%m-%d@%H:%M:%S)~"
	cp -p -- "$f" "$bk" || exit 75
	echo "B $bk"
fi
`)
	}
	// The stat is of the temporary file, taken before the rename, so that
	// a connection lost after the rename cannot leave the run thinking
	// the new file did not land: only the rename is left to do then.
	b.WriteString(`s=$(stat -c '%a %u %g %s %U/%G' -- "$t") || exit 76
mv -f -- "$t" "$f" || exit 76
trap - EXIT
echo "D $f"
echo "S $s"
`)
	return b.String()
}

// PutScript is the shell source of a Put that writes content, for modules
// that fold several file writes and other changes into one command of
// their own. It exits with Put's codes (70-77), so callers run it in a
// subshell; it prints Put's "D"/"S" lines on stdout. content travels in
// the script itself, so it suits small files only.
func PutScript(dst string, o PutOptions, content string) string {
	u := UploadOf(content)
	return putScript(dst, o, "printf '%s' "+Quote(content), &u)
}

// Put writes r to dst atomically in one remote command: a temporary file
// in dst's directory receives the data, is checked to hold exactly the
// bytes sent (size and sha1, measured here first), synced and given its
// mode and ownership, then renamed over dst. On any failure, a dropped
// connection included, the temporary file is removed and dst is left as
// it was. A seekable r (a file) is read twice and never held whole.
func Put(ctx context.Context, c Conn, r io.Reader, dst string, o PutOptions) (*PutResult, error) {
	if o.Mode != "" {
		if err := checkChmodMode(o.Mode); err != nil {
			return nil, err
		}
	}
	fill := "cat"
	var u *Upload
	if o.RemoteSrc != "" {
		// The bytes never leave the host; cat's status covers the copy.
		fill = "cat -- " + Quote(o.RemoteSrc)
		r = strings.NewReader("")
	} else {
		var m Upload
		var err error
		if r, m, err = Measure(r); err != nil {
			return nil, err
		}
		u = &m
	}
	var out bytes.Buffer
	var res *Result
	var err error
	if h := helperOf(ctx, c, o.Become); h != nil && u != nil && helperPuts(o) {
		res, err = h.put(ctx, r, dst, o, *u)
	} else {
		script := putScript(dst, o, fill, u)
		res, err = c.Exec(ctx, &Cmd{Command: script, Stdin: r, Become: o.Become, Stdout: &out})
		if err != nil && ctx.Err() != nil {
			sweepAfterCancel(c, dst, o.Become)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(res.Stdout) > 0 {
		out.Write(res.Stdout)
	}
	switch res.RC {
	case 0:
	case 74:
		stderr := string(res.Stderr)
		rc := 1
		if i := strings.LastIndex(stderr, "\nfjord-validate-rc="); i >= 0 {
			rc, _ = strconv.Atoi(strings.TrimSpace(stderr[i+len("\nfjord-validate-rc="):]))
			stderr = stderr[:i]
		}
		return nil, &ValidateError{Command: o.Validate, RC: rc, Stdout: out.String(), Stderr: stderr}
	case 70:
		return nil, errors.New(errText(res))
	default:
		return nil, fmt.Errorf("put %s: %s", dst, errText(res))
	}
	pr := &PutResult{Dest: dst}
	if u != nil {
		pr.Checksum, pr.Size = u.Sum, u.Size
	}
	for _, line := range strings.Split(out.String(), "\n") {
		tag, rest, _ := strings.Cut(line, " ")
		switch tag {
		case "B":
			pr.BackupFile = rest
		case "D":
			pr.Dest = rest
		case "S":
			f := strings.Fields(rest)
			if len(f) != 5 {
				return nil, errors.New("put: unexpected stat output " + rest)
			}
			m, _ := strconv.ParseUint(f[0], 8, 32)
			pr.Mode = uint32(m)
			pr.UID, _ = strconv.Atoi(f[1])
			pr.GID, _ = strconv.Atoi(f[2])
			pr.Size, _ = strconv.ParseInt(f[3], 10, 64)
			pr.Owner, pr.Group, _ = strings.Cut(f[4], "/")
		}
	}
	return pr, nil
}

// sweepAfterCancel removes, once a cancel killed a Put's script, the
// temporary files its killed writer left beside dst (the script's own
// traps normally do; under load a test still found one the moment Put
// returned, its cause not found): fjord may exit the next moment, before
// a later write would sweep them.
func sweepAfterCancel(c Conn, dst string, become *Become) {
	d := "."
	if i := strings.LastIndexByte(dst, '/'); i >= 0 {
		if d = dst[:i]; d == "" {
			d = "/"
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Exec(ctx, &Cmd{Command: "d=" + Quote(d) + "\n" + sweepScript, Become: become})
}
