package modules

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/fjord-run/fjord/dryrun"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.copy", Aliases: []string{"copy"},
		New: func() Module { return &Copy{} }, CheckMode: true,
	})
}

// Copy puts a controller file or literal content on the host.
type Copy struct {
	FileAttrs
	// Src is the controller file to copy (or a host file with remote_src).
	Src string `arg:"src"`
	// Content is literal content for dest, instead of src.
	Content *string `arg:"content"`
	// Dest is the path on the host; a directory receives src's base name.
	Dest string `arg:"dest,required,path=user"`
	// Backup keeps a timestamped copy of the old dest.
	Backup bool `arg:"backup"`
	// Force replaces a dest whose content differs; false writes only a missing dest.
	Force bool `arg:"force,default=true"`
	// Validate runs on the temporary file before it replaces dest; %s is
	// its path.
	ValidateCmd string `arg:"validate"`
	// RemoteSrc says src is on the host.
	RemoteSrc bool `arg:"remote_src"`
	// Follow keeps dest's symlinks, writing through them.
	Follow bool `arg:"follow"`
	// LocalFollow follows symlinks in a controller src; accepted, as src
	// directories are not copied yet (nor are directory_mode, checksum
	// and decrypt used).
	LocalFollow bool `arg:"local_follow,default=true"`
	// DirectoryMode is the mode of directories a recursive copy creates.
	DirectoryMode any `arg:"directory_mode"`
	// Checksum is src's expected SHA1; the copy fails when it differs.
	Checksum string `arg:"checksum"`
	// Decrypt decrypts a vault-encrypted src.
	Decrypt bool `arg:"decrypt,default=true"`
	// OriginalBasename is internal: the source's name when an action plugin renamed it.
	OriginalBasename string `arg:"_original_basename"`
}

// Validate implements Validator.
func (c *Copy) Validate() error {
	if c.Src != "" && c.Content != nil {
		return errors.New("src and content are mutually exclusive")
	}
	if c.Src == "" && c.Content == nil {
		return errors.New("src (or content) is required")
	}
	if c.ValidateCmd != "" && !strings.Contains(c.ValidateCmd, "%s") {
		return fmt.Errorf("validate must contain %%s: %s", c.ValidateCmd)
	}
	return nil
}

// Run implements Module.
func (c *Copy) Run(ctx context.Context, env *Env) (*Result, error) {
	return diffAsList(c.run(ctx, env))
}

// diffAsList marks a result of the copy action (copy, template), whose
// diff ansible registers as a list.
func diffAsList(r *Result, err error) (*Result, error) {
	if r != nil {
		r.DiffList = true
	}
	return r, err
}

func (c *Copy) run(ctx context.Context, env *Env) (*Result, error) {
	w := &writeFile{attrs: &c.FileAttrs, dest: c.Dest, backup: c.Backup, force: c.Force,
		validate: c.ValidateCmd, follow: c.Follow}
	switch {
	case c.Content != nil:
		if strings.HasSuffix(c.Dest, "/") {
			return Failf("can not use content with a dir as dest"), nil
		}
		w.content = []byte(*c.Content)
		w.afterHeader = "dynamically generated"
	case c.RemoteSrc:
		w.remoteSrc = c.Src
		w.basename = path.Base(c.Src)
	default:
		local, err := findFile(env, "files", c.Src)
		if err != nil {
			return Failf("Could not find or access '%s'\nSearched in:\n\t%s", c.Src, err), nil
		}
		st, err := os.Stat(local)
		if err != nil {
			return Failf("Could not find or access '%s': %s", c.Src, err), nil
		}
		if st.IsDir() {
			return c.copyDir(ctx, env, local)
		}
		if c.Decrypt && isVaultFile(local) {
			data, err := readLocal(env, local, true)
			if err != nil {
				return Failf("%v", err), nil
			}
			w.content = data
		} else {
			w.localPath = local
		}
		w.localMode = uint32(st.Mode().Perm())
		w.afterHeader = local
		w.basename = filepath.Base(local)
		w.srcReturn = local
	}
	return w.run(ctx, env)
}

func findFile(env *Env, kind, name string) (string, error) {
	if env.FindFile == nil {
		return name, nil
	}
	return env.FindFile(kind, name)
}

// writeFile is copy and template's shared logic: compare the host's file
// with the wanted content by checksum, write it atomically when it
// differs, fix mode/owner/group when only they differ.
type writeFile struct {
	attrs       *FileAttrs
	dest        string
	backup      bool
	force       bool
	validate    string
	follow      bool
	content     []byte // or localPath, or remoteSrc
	localPath   string
	localMode   uint32
	remoteSrc   string
	basename    string // file name to use when dest is a directory
	afterHeader string
	srcReturn   string
}

func (w *writeFile) checksum() (string, int64, error) {
	if w.localPath == "" {
		return connection.Checksum(w.content), int64(len(w.content)), nil
	}
	f, err := os.Open(w.localPath)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha1.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func (w *writeFile) md5() (string, error) {
	h := md5.New()
	if w.localPath == "" {
		h.Write(w.content)
	} else {
		f, err := os.Open(w.localPath)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (w *writeFile) run(ctx context.Context, env *Env) (*Result, error) {
	mode, err := w.attrs.mode()
	if err != nil {
		return Failf("%s", err), nil
	}
	if mode.Preserve {
		mode = connection.Mode{Set: true, Octal: true, Bits: w.localMode}
		if w.remoteSrc != "" {
			return Failf("mode=preserve is not supported with remote_src"), nil
		}
	}
	var sum string
	var size int64
	if w.remoteSrc == "" {
		if sum, size, err = w.checksum(); err != nil {
			return Failf("%s", err), nil
		}
	}
	dest := w.dest
	if strings.HasSuffix(dest, "/") && w.basename != "" {
		dest = path.Join(dest, w.basename)
	}
	so := connection.StatOptions{Follow: w.follow, Checksum: true, Become: env.Become}
	stat := func(p string) (*connection.FileInfo, []byte, error) {
		if env.Diff {
			return connection.StatRead(ctx, env.Conn, p, so)
		}
		fi, err := connection.Stat(ctx, env.Conn, p, so)
		return fi, nil, err
	}
	fi, before, err := stat(dest)
	if err != nil {
		return nil, err
	}
	if fi.Exists && fi.Type == "directory" && w.basename != "" {
		dest = path.Join(dest, w.basename)
		if fi, before, err = stat(dest); err != nil {
			return nil, err
		}
	}
	if w.remoteSrc != "" {
		sfi, err := connection.Stat(ctx, env.Conn, w.remoteSrc, connection.StatOptions{Follow: true, Checksum: true, Become: env.Become})
		if err != nil {
			return nil, err
		}
		if !sfi.Exists {
			return Failf("Source %s not found", w.remoteSrc), nil
		}
		sum, size = sfi.Checksum, sfi.Size
	}
	r := &Result{}
	r.Set("dest", dest)
	if w.srcReturn != "" {
		r.Set("src", w.srcReturn)
	} else if w.remoteSrc != "" {
		r.Set("src", w.remoteSrc)
	}
	if w.remoteSrc == "" && !env.Check && !(fi.Exists && (fi.Type == "directory" || fi.Checksum == sum || !w.force)) {
		// ansible's copy module, which runs only to write, reports the
		// new content's md5 too.
		md5sum, err := w.md5()
		if err != nil {
			return Failf("%s", err), nil
		}
		r.Set("md5sum", md5sum)
	}
	r.Set("checksum", sum)
	if fi.Exists && fi.Type == "directory" {
		return Failf("can not use content with a dir as dest"), nil
	}
	if fi.Exists && (fi.Checksum == sum || !w.force) {
		// Same content: only attributes may change.
		plan, err := applyAttrs(ctx, env, dest, fi, w.attrs, mode)
		if err != nil {
			return nil, err
		}
		r.Changed = plan.changed()
		if r.Changed && env.Diff {
			r.Diff = append(r.Diff, Diff{Before: jsonDiff(withPath(plan.before, dest)), After: jsonDiff(withPath(plan.after, dest))})
		}
		setFileResult(r, fi)
		r.Set("state", "file")
		if w.force && w.remoteSrc == "" {
			copySame(r, dest, plan)
		}
		return r, nil
	}
	r.Changed = true
	if env.Diff {
		d := Diff{AfterHeader: w.afterHeader}
		if fi.Exists {
			d.BeforeHeader = dest
		}
		after := w.content
		if w.localPath != "" && size <= maxDiffSize {
			after, _ = os.ReadFile(w.localPath)
		}
		switch {
		case size > maxDiffSize || len(before) > maxDiffSize:
			d.Prepared = "diff skipped: source or destination file size is greater than " + fmt.Sprint(maxDiffSize)
		case isBinary(before) || isBinary(after):
			d.Prepared = "diff skipped: source or destination file appears to be binary"
		case w.remoteSrc == "":
			d.Before, d.After = string(before), string(after)
		}
		r.Diff = append(r.Diff, d)
	}
	if env.Check || env.Sim != nil {
		f := dryrun.File{Type: "file", Owner: w.attrs.Owner, Group: w.attrs.Group}
		if w.remoteSrc == "" {
			f.Content, f.Known = w.writtenContent()
		}
		if mode.Set {
			f.Mode = mode.Apply(fi.Mode, false, fi.Umask)
		} else if fi.Exists {
			f.Mode = fi.Mode
		}
		predictFile(env, dest, f)
	}
	if env.Check {
		r.Set("size", int(size))
		if fi.Exists {
			setFileResult(r, fi)
			r.Set("size", int(size))
		}
		r.Set("state", "file")
		if mode.Set {
			r.Set("mode", connection.FormatMode(mode.Apply(fi.Mode, false, fi.Umask)))
		}
		if w.remoteSrc == "" {
			copyChecked(r)
		}
		return r, nil
	}
	po := connection.PutOptions{Owner: w.attrs.Owner, Group: w.attrs.Group, Backup: w.backup,
		Validate: w.validate, Follow: w.follow, RemoteSrc: w.remoteSrc, Become: env.Become}
	if mode.Set {
		if mode.Octal {
			po.Mode = fmt.Sprintf("%04o", mode.Bits)
		} else {
			base := fi.Mode
			if !fi.Exists {
				base = 0666 &^ fi.Umask
			}
			po.Mode = fmt.Sprintf("%04o", mode.Apply(base, false, fi.Umask))
		}
	}
	var src io.Reader = bytes.NewReader(w.content)
	if w.localPath != "" {
		f, err := os.Open(w.localPath)
		if err != nil {
			return Failf("%s", err), nil
		}
		defer f.Close()
		src = f
	}
	pr, err := connection.Put(ctx, env.Conn, src, dest, po)
	if err != nil {
		var ve *connection.ValidateError
		if errors.As(err, &ve) {
			r.Failed = true
			r.Msg = "failed to validate"
			r.Set("msg", r.Msg).Set("exit_status", ve.RC).Set("stdout", ve.Stdout).Set("stderr", ve.Stderr)
			return r, nil
		}
		return nil, err
	}
	setPut(r, pr).Set("size", int(pr.Size))
	if w.remoteSrc == "" {
		copyWritten(r)
	}
	return r, nil
}

// setPut sets the keys a module that wrote a file with connection.Put
// returns about it: backup_file when one was made, then the file's
// ownership, mode and state.
func setPut(r *Result, pr *connection.PutResult) *Result {
	if pr.BackupFile != "" {
		r.Set("backup_file", pr.BackupFile)
	}
	return r.Set("uid", pr.UID).Set("gid", pr.GID).Set("owner", pr.Owner).Set("group", pr.Group).
		Set("mode", connection.FormatMode(pr.Mode)).Set("state", "file")
}

func withPath(m map[string]any, p string) map[string]any {
	m["path"] = p
	return m
}

var _ Module = (*Copy)(nil)

// copyDir copies a controller directory tree: "src/" copies its contents
// into dest, "src" the directory itself. Directories are made in one round
// trip; each file then goes as a single-file copy.
func (c *Copy) copyDir(ctx context.Context, env *Env, local string) (*Result, error) {
	root := c.Dest
	if !strings.HasSuffix(c.Src, "/") {
		root = path.Join(c.Dest, filepath.Base(local))
	}
	var dirs, files []string
	err := filepath.WalkDir(local, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(local, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			dirs = append(dirs, rel)
		} else {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return Failf("copy: %s", err), nil
	}
	var script strings.Builder
	dmode := ""
	if c.DirectoryMode != nil {
		dm, err := connection.ParseMode(c.DirectoryMode)
		if err != nil {
			return Failf("%s", err), nil
		}
		dmode = fmt.Sprintf("%04o", dm.Apply(0755, true, 022))
	}
	for _, d := range dirs {
		target := path.Join(root, d)
		fmt.Fprintf(&script, "d=%s; if [ ! -d \"$d\" ]; then echo made; ", connection.Quote(target))
		if !env.Check {
			script.WriteString("mkdir -p -- \"$d\" || exit 1; ")
			if dmode != "" {
				fmt.Fprintf(&script, "chmod %s \"$d\" || exit 1; ", dmode)
			}
		}
		script.WriteString("fi\n")
	}
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script.String(), Become: env.Become})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return Failf("copy: could not create directories under %s: %s", root, strings.TrimSpace(string(res.Stderr))), nil
	}
	out := &Result{Changed: strings.Contains(string(res.Stdout), "made")}
	for _, f := range files {
		lp := filepath.Join(local, filepath.FromSlash(f))
		st, err := os.Stat(lp)
		if err != nil {
			return Failf("copy: %s", err), nil
		}
		w := &writeFile{attrs: &c.FileAttrs, dest: path.Join(root, f), backup: c.Backup, force: c.Force,
			validate: c.ValidateCmd, follow: c.Follow, localPath: lp, localMode: uint32(st.Mode().Perm()),
			afterHeader: lp, basename: filepath.Base(lp), srcReturn: lp}
		if env.Check && out.Changed {
			// the directory does not exist yet: the file would be new.
			out.Changed = true
			continue
		}
		r, err := w.run(ctx, env)
		if err != nil {
			return nil, err
		}
		if r.Failed {
			return r, nil
		}
		out.Changed = out.Changed || r.Changed
		out.Diff = append(out.Diff, r.Diff...)
	}
	out.Set("dest", strings.TrimSuffix(c.Dest, "/")+"/")
	out.Set("src", local)
	return out, nil
}

var _ Validator = (*Copy)(nil)
