package modules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/fjord-run/fjord/dryrun"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/internal/pyre"
)

// textEdit is lineinfile and blockinfile's shared flow: read the file and
// its attributes in one round trip, compute the new text, write it with
// Put when it differs (attributes applied in the same command), else fix
// attributes alone.
type textEdit struct {
	path     string
	attrs    *FileAttrs
	backup   bool
	create   bool
	validate string
	// missing is the message for an absent file without create.
	missing string
	// edit computes the new content; exists tells whether the file exists.
	edit func(content []byte, exists bool) (out []byte, changed bool, msg string, res *Result)
	// backupKey is the result key for the backup path ("backup",
	// "backup_file").
	backupKey string
	// alwaysBackupKey sets backupKey to "" when no backup was made.
	alwaysBackupKey bool
	// regexps are the task's patterns: a match that timed out fails it.
	regexps []*pyre.Regexp
}

func (t *textEdit) run(ctx context.Context, env *Env) (*Result, error) {
	mode, err := t.attrs.mode()
	if err != nil {
		return Failf("%s", err), nil
	}
	fi, content, err := connection.StatRead(ctx, env.Conn, t.path, connection.StatOptions{Follow: true, Become: env.Become})
	if err != nil {
		return nil, err
	}
	if fi.Exists && fi.Type == "directory" {
		r := Failf("Path %s is a directory !", t.path)
		r.Set("rc", 256)
		return r, nil
	}
	if !fi.Exists && !t.create {
		r := Failf(t.missing, t.path)
		r.Set("rc", 257)
		return r, nil
	}
	out, changed, msg, r := t.edit(content, fi.Exists)
	for _, re := range t.regexps {
		if re != nil && re.Err() != nil {
			return Failf("%s", re.Err()), nil
		}
	}
	if r != nil {
		return r, nil
	}
	r = &Result{Changed: changed}
	if env.Diff {
		before := string(content)
		r.Diff = append(r.Diff, Diff{
			BeforeHeader: t.path + " (content)", AfterHeader: t.path + " (content)",
			Before: before, After: string(out),
		})
	}
	backup := ""
	base := *fi
	if !fi.Exists {
		base.Mode = 0666 &^ fi.Umask
		base.Type = "file"
	}
	plan := planAttrs(&base, t.attrs, mode)
	if changed {
		pf := dryrun.File{Type: "file", Content: out, Known: true, Owner: t.attrs.Owner, Group: t.attrs.Group, Mode: base.Mode}
		if plan.mode {
			pf.Mode = plan.newMode
		}
		predictFile(env, t.path, pf)
	}
	if changed && !env.Check {
		po := connection.PutOptions{Owner: t.attrs.Owner, Group: t.attrs.Group, Backup: t.backup && fi.Exists,
			Validate: t.validate, Follow: true, MakeDirs: t.create, Become: env.Become}
		if plan.mode {
			po.Mode = fmt.Sprintf("%04o", plan.newMode)
		}
		pr, err := connection.Put(ctx, env.Conn, bytes.NewReader(out), t.path, po)
		if err != nil {
			var ve *connection.ValidateError
			if errors.As(err, &ve) {
				r := Failf("failed to validate")
				r.Set("exit_status", ve.RC).Set("stdout", ve.Stdout).Set("stderr", ve.Stderr)
				return r, nil
			}
			return nil, err
		}
		backup = pr.BackupFile
	} else if !changed {
		if _, err := applyAttrs(ctx, env, t.path, fi, t.attrs, mode); err != nil {
			return nil, err
		}
	}
	if env.Check && !fi.Exists {
		// Ansible reports no attribute changes for a file check mode
		// would create.
		plan = &attrPlan{}
	}
	if plan.changed() {
		if msg != "" {
			msg += " and "
		}
		msg += "ownership, perms or SE linux context changed"
		r.Changed = true
		if env.Diff {
			r.Diff = append(r.Diff, Diff{
				BeforeHeader: t.path + " (file attributes)", AfterHeader: t.path + " (file attributes)",
				Before: jsonDiff(withPath(plan.before, t.path)), After: jsonDiff(withPath(plan.after, t.path)),
			})
		}
	}
	r.Msg = msg
	r.Set("msg", msg)
	if backup != "" || t.alwaysBackupKey {
		r.Set(t.backupKey, backup)
	}
	return r, nil
}

// splitLines splits after each "\n", keeping it, as Python's readlines.
func splitLines(b []byte) []string {
	s := string(b)
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}
