package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

// FileAttrs are the arguments every file-writing module shares.
type FileAttrs struct {
	// Mode is octal ("0644", or an int as YAML gives it) or symbolic.
	Mode any `arg:"mode"`
	// Owner is the user that should own the file.
	Owner string `arg:"owner"`
	// Group is the group that should own the file.
	Group string `arg:"group"`
	// Seuser is the SELinux user; it, the other SELinux arguments and
	// the chattr attributes are accepted and ignored.
	Seuser string `arg:"seuser"`
	// Serole is the SELinux role (ignored).
	Serole string `arg:"serole"`
	// Setype is the SELinux type (ignored).
	Setype string `arg:"setype"`
	// Selevel is the SELinux level (ignored).
	Selevel string `arg:"selevel"`
	// Attributes are chattr attributes (ignored).
	Attributes string `arg:"attributes,aliases=attr"`
	// UnsafeWrites allows non-atomic writes (ignored: writes are always atomic).
	UnsafeWrites bool `arg:"unsafe_writes"`
}

func (a *FileAttrs) mode() (connection.Mode, error) { return connection.ParseMode(a.Mode) }

// attrPlan is what chmod/chown/chgrp would change on one path.
type attrPlan struct {
	mode, owner, group bool
	newMode            uint32
	before, after      map[string]any
}

func (p *attrPlan) changed() bool { return p.mode || p.owner || p.group }

func sameID(want, name string, id int) bool {
	return want == name || want == strconv.Itoa(id)
}

// planAttrs compares fi against the requested attributes.
func planAttrs(fi *connection.FileInfo, a *FileAttrs, m connection.Mode) *attrPlan {
	p := &attrPlan{before: map[string]any{}, after: map[string]any{}}
	if m.Set && !m.Preserve {
		p.newMode = m.Apply(fi.Mode, fi.Type == "directory", fi.Umask)
		if p.newMode != fi.Mode {
			p.mode = true
			p.before["mode"] = connection.FormatMode(fi.Mode)
			p.after["mode"] = connection.FormatMode(p.newMode)
		}
	}
	if a.Owner != "" && !sameID(a.Owner, fi.Owner, fi.UID) {
		p.owner = true
		p.before["owner"] = fi.UID
		p.after["owner"] = idOrName(a.Owner)
	}
	if a.Group != "" && !sameID(a.Group, fi.Group, fi.GID) {
		p.group = true
		p.before["group"] = fi.GID
		p.after["group"] = idOrName(a.Group)
	}
	return p
}

// script returns shell commands applying the plan to path (links are not
// followed when noFollow).
func (p *attrPlan) script(a *FileAttrs, path string, noFollow bool) string {
	var b strings.Builder
	h := ""
	if noFollow {
		h = "-h "
	}
	q := connection.Quote(path)
	if p.owner {
		fmt.Fprintf(&b, "chown %s-- %s %s || exit 1\n", h, connection.Quote(a.Owner), q)
	}
	if p.group {
		fmt.Fprintf(&b, "chgrp %s-- %s %s || exit 1\n", h, connection.Quote(a.Group), q)
	}
	if p.mode && !(noFollow && h != "") {
		fmt.Fprintf(&b, "chmod -- %o %s || exit 1\n", p.newMode, q)
	}
	return b.String()
}

// attrOptions is what the plan changes, for connection.Chattr and
// connection.Mkdir.
func (p *attrPlan) attrOptions(a *FileAttrs, become *connection.Become) connection.AttrOptions {
	o := connection.AttrOptions{Become: become}
	if p.owner {
		o.Owner = a.Owner
	}
	if p.group {
		o.Group = a.Group
	}
	if p.mode {
		o.Mode = fmt.Sprintf("%o", p.newMode)
	}
	return o
}

// applyAttrs makes path's mode/owner/group match a, in one round trip when
// something differs (none when not, or in check mode).
func applyAttrs(ctx context.Context, env *Env, path string, fi *connection.FileInfo, a *FileAttrs, m connection.Mode) (*attrPlan, error) {
	p := planAttrs(fi, a, m)
	if !p.changed() || env.Check {
		return p, nil
	}
	o := p.attrOptions(a, env.Become)
	if !p.owner && !p.group {
		if err := connection.Chattr(ctx, env.Conn, path, o); err != nil {
			return nil, err
		}
		fi.Mode = p.newMode // (the mode is all that changed)
		return p, nil
	}
	// A new owner or group: the stat after tells both its id and name.
	nfi, err := connection.ChattrStat(ctx, env.Conn, path, o)
	if err != nil {
		return nil, err
	}
	if p.mode {
		fi.Mode = p.newMode
	}
	fi.UID, fi.Owner, fi.GID, fi.Group = nfi.UID, nfi.Owner, nfi.GID, nfi.Group
	// ansible's diff names the ids set, never the names
	if p.owner {
		p.after["owner"] = fi.UID
	}
	if p.group {
		p.after["group"] = fi.GID
	}
	return p, nil
}

// idOrName is a diff's new owner or group before the change: the id when
// one was given (a name's id is known only after the change, or, in check
// mode, not at all).
func idOrName(s string) any {
	if id, err := strconv.Atoi(s); err == nil {
		return id
	}
	return s
}

// setFileResult adds the keys Ansible returns about a file.
func setFileResult(r *Result, fi *connection.FileInfo) {
	r.Set("uid", fi.UID).Set("gid", fi.GID).Set("owner", fi.Owner).Set("group", fi.Group).
		Set("mode", fi.ModeString())
	state := fi.Type
	switch state {
	case "link":
	case "directory", "file":
	default:
		if !fi.Exists {
			state = "absent"
		}
	}
	if fi.Type == "file" && fi.Nlink > 1 {
		state = "hard"
	}
	r.Set("state", state).Set("size", int(fi.Size))
}

// jsonDiff renders a dict the way Ansible's callback shows a non-text
// diff side: sorted keys, four-space indent.
func jsonDiff(m map[string]any) string {
	b, _ := json.MarshalIndent(m, "", "    ")
	return string(b) + "\n"
}

// isBinary reports whether Ansible would refuse to diff data.
func isBinary(data []byte) bool {
	return strings.IndexByte(string(data), 0) >= 0
}

// maxDiffSize is Ansible's default max_diff_size.
const maxDiffSize = 104448
