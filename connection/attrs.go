package connection

import (
	"context"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection/hosthelper"
)

// AttrOptions are the attributes Chattr and Mkdir set: "" leaves one as
// it is.
type AttrOptions struct {
	Owner, Group string // names or ids
	Mode         string // octal, as chmod takes it
	Become       *Become
}

// attrScript is chown, chgrp and chmod of target (a shell word), each
// exiting 1 when it fails.
func attrScript(o AttrOptions, target string) string {
	var b strings.Builder
	if o.Owner != "" {
		fmt.Fprintf(&b, "chown -- %s %s || exit 1\n", Quote(o.Owner), target)
	}
	if o.Group != "" {
		fmt.Fprintf(&b, "chgrp -- %s %s || exit 1\n", Quote(o.Group), target)
	}
	if o.Mode != "" {
		fmt.Fprintf(&b, "chmod -- %s %s || exit 1\n", o.Mode, target)
	}
	return b.String()
}

// helperAttrs says whether the helper sets o: a mode that is octal, and
// names without chown's own syntax in them.
func helperAttrs(o AttrOptions) bool {
	return strings.Trim(o.Mode, "01234567") == "" &&
		!strings.ContainsAny(o.Owner, ":.") && !strings.ContainsAny(o.Group, ":")
}

// Chattr sets o's owner, group and mode on p, following a link, in one
// round trip; the error is the failing command's message.
func Chattr(ctx context.Context, c Conn, p string, o AttrOptions) error {
	_, err := chattr(ctx, c, p, o, false)
	return err
}

// ChattrStat is Chattr returning p's stat after the change, in the same
// round trip: a chown by name does not tell the uid, nor one by id the
// name.
func ChattrStat(ctx context.Context, c Conn, p string, o AttrOptions) (*FileInfo, error) {
	return chattr(ctx, c, p, o, true)
}

func chattr(ctx context.Context, c Conn, p string, o AttrOptions, stat bool) (*FileInfo, error) {
	var res *Result
	var err error
	if h := helperOf(ctx, c, o.Become); h != nil && helperAttrs(o) {
		res, err = h.call(ctx, hosthelper.KindAttrs, [][]byte{[]byte(p), []byte(o.Owner), []byte(o.Group),
			[]byte(o.Mode), hosthelper.Flag(false), hosthelper.Flag(stat)}, nil)
	} else {
		script := attrScript(o, Quote(p))
		if stat {
			script += statScript(p, StatOptions{})
		}
		res, err = c.Exec(ctx, &Cmd{Command: script, Become: o.Become})
	}
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return nil, fmt.Errorf("%s", strings.TrimSpace(string(res.Stderr)))
	}
	if !stat {
		return nil, nil
	}
	return parseStat(p, string(res.Stdout))
}

// Mkdir creates p and each missing directory above it, giving each o's
// attributes as it is made (as Ansible's file module does), and returns
// p's stat, in one round trip; the error is the failing command's
// message.
func Mkdir(ctx context.Context, c Conn, p string, o AttrOptions) (*FileInfo, error) {
	var res *Result
	var err error
	if h := helperOf(ctx, c, o.Become); h != nil && helperAttrs(o) {
		res, err = h.call(ctx, hosthelper.KindAttrs, [][]byte{[]byte(p), []byte(o.Owner), []byte(o.Group),
			[]byte(o.Mode), hosthelper.Flag(true), hosthelper.Flag(true)}, nil)
	} else {
		var s strings.Builder
		fmt.Fprintf(&s, "(\np=%s\nmissing=\nwhile [ ! -e \"$p\" ]; do missing=\"$p\n$missing\"; p=$(dirname -- \"$p\"); done\n", Quote(p))
		s.WriteString("printf %s \"$missing\" | while IFS= read -r d; do [ -n \"$d\" ] || continue; mkdir -- \"$d\" 2>/dev/null || [ -d \"$d\" ] || { mkdir -- \"$d\"; exit 1; }\n")
		s.WriteString(attrScript(o, `"$d"`))
		s.WriteString("done\n) || exit 1\n")
		s.WriteString(statScript(p, StatOptions{}))
		res, err = c.Exec(ctx, &Cmd{Command: s.String(), Become: o.Become})
	}
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return nil, fmt.Errorf("%s", strings.TrimSpace(string(res.Stderr)))
	}
	return parseStat(p, string(res.Stdout))
}
