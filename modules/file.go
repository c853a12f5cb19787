package modules

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.file", Aliases: []string{"file"},
		New: func() Module { return &File{} }, CheckMode: true,
	})
}

// File sets a path's state (file, directory, link, hard, touch, absent)
// and attributes.
type File struct {
	FileAttrs
	// Path is the file to manage.
	Path string `arg:"path,required,aliases=dest|name,path"`
	// State is what path should be; unset keeps its current kind.
	State string `arg:"state,choices=absent|directory|file|hard|link|touch"`
	// Src is the target of a link.
	Src string `arg:"src,path"`
	// Recurse applies attributes to a directory's whole tree.
	Recurse bool `arg:"recurse"`
	// Force makes a link even where something else stands or its source is missing.
	Force bool `arg:"force"`
	// Follow sets attributes on a symlink's target instead of the link.
	Follow bool `arg:"follow,default=true"`
	// ModificationTime sets the modification time: "now", "preserve", or
	// a time in modification_time_format (what touch -t takes).
	ModificationTime string `arg:"modification_time"`
	// ModificationTimeFormat is the strftime format of modification_time.
	ModificationTimeFormat string `arg:"modification_time_format,default=%Y%m%d%H%M.%S"`
	// AccessTime sets the access time: "now", "preserve" or a time in access_time_format.
	AccessTime string `arg:"access_time"`
	// AccessTimeFormat is the strftime format of access_time.
	AccessTimeFormat string `arg:"access_time_format,default=%Y%m%d%H%M.%S"`
	// OriginalBasename is internal: the source's name when an action plugin renamed it.
	OriginalBasename string `arg:"_original_basename"`
	// DiffPeek is internal: Ansible's probe whether a file is binary.
	DiffPeek string `arg:"_diff_peek"`

	// prev is what the path was before the task, diff the diff ansible's
	// file module returns for it (run sets both).
	prev string
	diff *value.Map
	// outcome and outMode are what a changed task leaves at its path,
	// for the rest of a check run (predict), where the result does not
	// say it: a check run's result describes the path as it still is
	// (ansible's add_path_info stats it as the module exits).
	outcome string
	outMode *uint32
}

// Validate implements Validator.
func (f *File) Validate() error {
	if f.Recurse && f.State != "" && f.State != "directory" {
		return fmt.Errorf("recurse option requires state to be 'directory'")
	}
	if (f.State == "link" || f.State == "hard") && f.Src == "" {
		return fmt.Errorf("src option requires state to be 'link' or 'hard'")
	}
	return nil
}

// Run implements Module.
func (f *File) Run(ctx context.Context, env *Env) (*Result, error) {
	r, err := f.run(ctx, env)
	if err == nil && env.Sim != nil && r.Changed && !r.Failed {
		f.predict(env, r)
	}
	if err == nil && !r.Failed && r.Data != nil {
		f.ansibleOrder(r)
	}
	return r, err
}

func (f *File) run(ctx context.Context, env *Env) (*Result, error) {
	mode, err := f.mode()
	if err != nil {
		return Failf("%s", err), nil
	}
	p := strings.TrimSuffix(f.Path, "/")
	if p == "" {
		p = "/"
	}
	fi, err := connection.Stat(ctx, env.Conn, p, connection.StatOptions{Become: env.Become})
	if err != nil {
		return nil, err
	}
	prev := "absent"
	if fi.Exists {
		prev = fi.Type
		if prev == "file" && fi.Nlink > 1 {
			prev = "hard"
		}
	}
	f.prev, f.outcome, f.outMode = prev, "", nil
	state := f.State
	if state == "" {
		switch {
		case f.Recurse:
			state = "directory"
		case prev != "absent":
			state = prev
		case f.Src != "":
			state = "link"
		default:
			state = "file"
		}
	}
	r := &Result{}
	r.Set("path", f.Path)
	diff := Diff{}
	// (the path as written: a trailing slash stays, as in ansible's)
	before := map[string]any{"path": f.Path, "state": prev}
	after := map[string]any{"path": f.Path, "state": state}
	f.diff = nil
	addDiff := func(extraBefore, extraAfter map[string]any) {
		for k, v := range extraBefore {
			before[k] = v
		}
		for k, v := range extraAfter {
			after[k] = v
		}
		if before["state"] == after["state"] {
			delete(before, "state")
			delete(after, "state")
		}
		f.diff = value.MapOf("before", diffSide(before), "after", diffSide(after))
		if env.Diff && r.Changed {
			diff.Before, diff.After = jsonDiff(before), jsonDiff(after)
			r.Diff = append(r.Diff, diff)
		}
	}
	// exec runs a change script followed by a stat of the result, one
	// round trip; in check mode it runs nothing and returns fi.
	exec := func(script string, follow bool) (*connection.FileInfo, error) {
		if env.Check {
			return fi, nil
		}
		if strings.TrimSpace(script) == "" {
			script = ":" // an empty ( ) is a shell syntax error
		}
		s := "(\n" + script + "\n) || exit 1\n" + connection.StatScript(p, connection.StatOptions{Follow: follow})
		res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: s, Become: env.Become})
		if err != nil {
			return nil, err
		}
		if res.RC != 0 {
			return nil, fmt.Errorf("%s", strings.TrimSpace(string(res.Stderr)))
		}
		return connection.ParseStat(p, string(res.Stdout))
	}
	q := connection.Quote(p)

	switch state {
	case "absent":
		var extra map[string]any
		if prev == "directory" {
			pc, err := pathContent(ctx, env, p)
			if err != nil {
				return nil, err
			}
			extra = map[string]any{"path_content": pc}
		}
		if prev != "absent" {
			r.Changed = true
			if !env.Check {
				if _, err := exec("rm -rf -- "+q, false); err != nil {
					return nil, fmt.Errorf("rmtree failed: %w", err)
				}
			}
		}
		r.Set("state", "absent")
		f.outcome = "absent"
		if prev != "absent" {
			addDiff(extra, nil)
			if env.Check {
				setFileResult(r, fi) // (still there)
			}
		}
		return r, nil

	case "file":
		target := fi
		if prev == "link" && f.Follow {
			if target, err = connection.Stat(ctx, env.Conn, p, connection.StatOptions{Follow: true, Become: env.Become}); err != nil {
				return nil, err
			}
			if !target.Exists {
				prev = "absent"
			} else {
				prev = target.Type
			}
		}
		if prev != "file" && prev != "hard" {
			r := Failf("file (%s) is %s, cannot continue", f.Path, prev)
			r.Set("path", f.Path).Set("state", prev)
			return r, nil
		}
		return f.attrsOnly(ctx, env, r, p, target, mode, addDiff)

	case "directory":
		if prev == "link" && f.Follow {
			t, err := connection.Stat(ctx, env.Conn, p, connection.StatOptions{Follow: true, Become: env.Become})
			if err != nil {
				return nil, err
			}
			if t.Exists {
				fi, prev = t, t.Type
			}
		}
		if prev == "absent" {
			r.Changed = true
			// Each missing component is made and given the attributes,
			// as Ansible does.
			base := connection.FileInfo{Type: "directory", Mode: 0777 &^ fi.Umask, Exists: true}
			plan := planAttrs(&base, &f.FileAttrs, mode)
			nfi := fi
			if !env.Check {
				if nfi, err = connection.Mkdir(ctx, env.Conn, p, plan.attrOptions(&f.FileAttrs, env.Become)); err != nil {
					return nil, fmt.Errorf("There was an issue creating %s as requested: %w", f.Path, err)
				}
			}
			if env.Check {
				// ansible's result: path, changed and a diff of the
				// states alone (the modes come from the mkdir)
				m := base.Mode
				if plan.mode {
					m = plan.newMode
				}
				f.outcome, f.outMode = "directory", &m
				addDiff(nil, nil)
				return r, nil
			}
			setFileResult(r, nfi)
			// ansible's diff has the mode mkdir gave before the chmod
			// (its owner and group too: who made it is not known here)
			if plan.mode {
				addDiff(map[string]any{"mode": connection.FormatMode(base.Mode)},
					map[string]any{"mode": connection.FormatMode(plan.newMode)})
			} else {
				addDiff(nil, nil)
			}
			return r, nil
		}
		if prev != "directory" {
			r := Failf("%s already exists as a %s", f.Path, prev)
			r.Set("path", f.Path)
			return r, nil
		}
		if f.Recurse {
			return f.recurse(ctx, env, r, p, fi, mode, addDiff)
		}
		return f.attrsOnly(ctx, env, r, p, fi, mode, addDiff)

	case "link", "hard":
		src := f.Src
		if state == "link" {
			if prev == "link" && fi.LinkTarget == src {
				return f.attrsOnly(ctx, env, r, p, fi, mode, addDiff)
			}
		}
		// The source must exist unless forced; a relative symlink source
		// is relative to the link's directory.
		abs := src
		if state == "link" && !path.IsAbs(src) {
			abs = path.Join(path.Dir(p), src)
		}
		sfi, err := connection.Stat(ctx, env.Conn, abs, connection.StatOptions{Become: env.Become})
		if err != nil {
			return nil, err
		}
		if !sfi.Exists && !f.Force || (state == "hard" && !sfi.Exists) {
			return Failf("src file does not exist, use \"force=yes\" if you really want to create the link: %s", abs), nil
		}
		if state == "hard" && prev != "absent" && fi.Inode == sfi.Inode && fi.Dev == sfi.Dev {
			return f.attrsOnly(ctx, env, r, p, fi, mode, addDiff)
		}
		switch prev {
		case "absent", "link", "hard":
		case "file":
			if !f.Force {
				return Failf("refusing to convert from %s to symlink for %s", prev, f.Path), nil
			}
		case "directory":
			if !f.Force {
				return Failf("refusing to convert from %s to symlink for %s", prev, f.Path), nil
			}
		default:
			if !f.Force {
				return Failf("refusing to convert from %s to symlink for %s", prev, f.Path), nil
			}
		}
		r.Changed = true
		flag := "-s"
		if state == "hard" {
			flag = ""
		}
		script := ""
		if prev == "directory" {
			script = "rmdir -- " + q + " || exit 1\n"
		}
		script += fmt.Sprintf("ln %s -f -n -- %s %s", flag, connection.Quote(src), q)
		nfi, err := exec(script, false)
		if err != nil {
			return nil, fmt.Errorf("Error while linking: %w", err)
		}
		if !env.Check {
			if a := planAttrs(nfi, &f.FileAttrs, mode); a.changed() {
				if _, err := exec(a.script(&f.FileAttrs, p, state == "link"), false); err != nil {
					return nil, err
				}
			}
		}
		r.Set("dest", f.Path).Set("src", src)
		r.Data.Delete("path")
		f.outcome = state
		switch {
		case !env.Check:
			setFileResult(r, nfi)
			r.Set("state", state)
		case prev != "absent":
			setFileResult(r, fi) // (what is there still)
		}
		if prev == "link" {
			// ansible's diff names the sources when a link changes target
			addDiff(map[string]any{"src": fi.LinkTarget}, map[string]any{"src": src})
		} else {
			addDiff(nil, nil)
		}
		return r, nil

	case "touch":
		r.Changed = true
		if prev == "absent" && env.Check {
			// ansible's execute_touch returns dest and changed, no diff
			r.Data.Delete("path")
			r.Set("dest", f.Path)
			f.outcome = "file"
			return r, nil
		}
		var args []string
		for _, t := range []struct{ flag, val, format string }{
			{"-m", f.ModificationTime, f.ModificationTimeFormat}, {"-a", f.AccessTime, f.AccessTimeFormat},
		} {
			switch t.val {
			case "", "now":
				args = append(args, t.flag)
			case "preserve":
			default:
				tt, err := touchTime(t.val, t.format)
				if err != nil {
					return Failf("Error while obtaining timestamp for time %s using format %s: %s", t.val, t.format, err), nil
				}
				args = append(args, t.flag, "-t", tt)
			}
		}
		if prev != "absent" && f.ModificationTime == "preserve" && f.AccessTime == "preserve" {
			r.Changed = false
		}
		script := ""
		if prev == "absent" {
			script = ": > " + q + " || exit 1\n"
		}
		if len(args) > 0 {
			script += "touch " + strings.Join(args, " ") + " -- " + q + " || exit 1\n"
		}
		base := *fi
		if prev == "absent" {
			base = connection.FileInfo{Type: "file", Exists: true, Mode: 0666 &^ fi.Umask}
		}
		plan := planAttrs(&base, &f.FileAttrs, mode)
		script += plan.script(&f.FileAttrs, p, false)
		if plan.changed() {
			r.Changed = true
		}
		nfi, err := exec(script, false)
		if err != nil {
			return nil, fmt.Errorf("Error, could not touch target: %w", err)
		}
		if env.Check {
			nfi = &base
		}
		r.Data.Delete("path")
		r.Set("dest", f.Path)
		setFileResult(r, nfi)
		if prev == "absent" {
			r.Set("state", "file")
		}
		// the times touch set, as ansible's update_timestamp_for_file
		// reports them: before, the path's (a new file's own), after,
		// the new ones ("now" differs from them always)
		was := fi
		if prev == "absent" {
			was = nfi
		}
		for _, t := range []struct {
			key, val    string
			before, now float64
		}{{"mtime", f.ModificationTime, was.Mtime, nfi.Mtime}, {"atime", f.AccessTime, was.Atime, nfi.Atime}} {
			if t.val != "preserve" && (t.val == "" || t.val == "now" || t.before != t.now) {
				plan.before[t.key], plan.after[t.key] = t.before, t.now
			}
		}
		addDiff(plan.before, plan.after)
		return r, nil
	}
	return Failf("unsupported state %s", state), nil
}

// attrsOnly handles an existing path whose attributes are all that may
// change.
func (f *File) attrsOnly(ctx context.Context, env *Env, r *Result, p string, fi *connection.FileInfo, mode connection.Mode, addDiff func(b, a map[string]any)) (*Result, error) {
	plan, err := applyAttrs(ctx, env, p, fi, &f.FileAttrs, mode)
	if err != nil {
		return nil, err
	}
	r.Changed = plan.changed()
	setFileResult(r, fi)
	if fi.Type == "link" {
		r.Set("state", "link")
	}
	addDiff(plan.before, plan.after)
	return r, nil
}

// recurse applies attributes to a directory tree: one round trip lists
// the tree, another (when something differs) applies the changes.
func (f *File) recurse(ctx context.Context, env *Env, r *Result, p string, fi *connection.FileInfo, mode connection.Mode, addDiff func(b, a map[string]any)) (*Result, error) {
	q := connection.Quote(p)
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: "find " + q + " -printf '%m %U %G %u %g %y\\n'", Become: env.Become})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return Failf("%s", strings.TrimSpace(string(res.Stderr))), nil
	}
	var script strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		var m uint32
		var uid, gid int
		var u, g, typ string
		if _, err := fmt.Sscanf(line, "%o %d %d %s %s %s", &m, &uid, &gid, &u, &g, &typ); err != nil {
			continue
		}
		e := &connection.FileInfo{Mode: m, UID: uid, GID: gid, Owner: u, Group: g, Type: map[string]string{"d": "directory", "l": "link"}[typ]}
		if typ == "l" {
			e.Mode = fi.Mode // chmod does not apply to links themselves
		}
		if planAttrs(e, &f.FileAttrs, mode).changed() {
			r.Changed = true
			break
		}
	}
	if r.Changed && !env.Check {
		if f.Owner != "" {
			fmt.Fprintf(&script, "chown -R -- %s %s || exit 1\n", connection.Quote(f.Owner), q)
		}
		if f.Group != "" {
			fmt.Fprintf(&script, "chgrp -R -- %s %s || exit 1\n", connection.Quote(f.Group), q)
		}
		if mode.Set {
			m := mode.Symbolic
			if mode.Octal {
				m = fmt.Sprintf("%04o", mode.Bits)
			}
			fmt.Fprintf(&script, "chmod -R -- %s %s || exit 1\n", connection.Quote(m), q)
		}
		res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script.String() + connection.StatScript(p, connection.StatOptions{}), Become: env.Become})
		if err != nil {
			return nil, err
		}
		if res.RC != 0 {
			return Failf("%s", strings.TrimSpace(string(res.Stderr))), nil
		}
		if fi, err = connection.ParseStat(p, string(res.Stdout)); err != nil {
			return Failf("%s", err), nil
		}
	}
	setFileResult(r, fi)
	addDiff(nil, nil)
	return r, nil
}

var _ Module = (*File)(nil)
var _ Validator = (*File)(nil)
