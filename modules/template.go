package modules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.template", Aliases: []string{"template"},
		New: func() Module { return &Template{} }, CheckMode: true,
	})
}

// Template renders a controller-side Jinja2 template and puts the result
// on the host as copy does.
type Template struct {
	FileAttrs
	// Src is the template on the controller.
	Src string `arg:"src,required"`
	// Dest is the rendered file's path on the host.
	Dest string `arg:"dest,required,path"`
	// Backup keeps a timestamped copy of the old dest.
	Backup bool `arg:"backup"`
	// Force replaces a dest whose content differs; false writes only a missing dest.
	Force bool `arg:"force,default=true"`
	// ValidateCmd checks the rendered file before it replaces dest; %s is its path.
	ValidateCmd string `arg:"validate"`
	// Follow keeps dest's symlinks, writing through them.
	Follow bool `arg:"follow"`
	// NewlineSequence is the line ending of the rendered file.
	NewlineSequence string `arg:"newline_sequence"`
	// TrimBlocks drops the newline after a block tag.
	TrimBlocks bool `arg:"trim_blocks,default=true"`
	// LstripBlocks strips blanks before a block tag at a line's start.
	LstripBlocks bool `arg:"lstrip_blocks"`
	// VariableStart opens an expression.
	VariableStart string `arg:"variable_start_string"`
	// VariableEnd closes an expression.
	VariableEnd string `arg:"variable_end_string"`
	// BlockStart opens a block tag.
	BlockStart string `arg:"block_start_string"`
	// BlockEnd closes a block tag.
	BlockEnd string `arg:"block_end_string"`
	// CommentStart opens a comment.
	CommentStart string `arg:"comment_start_string"`
	// CommentEnd closes a comment.
	CommentEnd string `arg:"comment_end_string"`
	// OutputEncoding is the rendered file's character encoding.
	OutputEncoding string `arg:"output_encoding,default=utf-8"`
}

// Validate implements Validator.
func (t *Template) Validate() error {
	switch t.NewlineSequence {
	case "", `\n`:
		t.NewlineSequence = "\n"
	case `\r`:
		t.NewlineSequence = "\r"
	case `\r\n`:
		t.NewlineSequence = "\r\n"
	case "\n", "\r", "\r\n":
	default:
		return fmt.Errorf("newline_sequence needs to be one of: \\n, \\r or \\r\\n")
	}
	if t.ValidateCmd != "" && !strings.Contains(t.ValidateCmd, "%s") {
		return fmt.Errorf("validate must contain %%s: %s", t.ValidateCmd)
	}
	return nil
}

// Run implements Module.
func (t *Template) Run(ctx context.Context, env *Env) (*Result, error) {
	return diffAsList(t.run(ctx, env))
}

func (t *Template) run(ctx context.Context, env *Env) (*Result, error) {
	local, err := findFile(env, "templates", t.Src)
	if err != nil {
		return Failf("Could not find or access '%s'\nSearched in:\n\t%s", t.Src, err), nil
	}
	data, err := readLocal(env, local, true)
	if err != nil {
		return Failf("Could not find or access '%s': %s", t.Src, err), nil
	}
	st, _ := os.Stat(local)
	abs, _ := filepath.Abs(local)
	host, _ := os.Hostname()
	uid := ""
	if u, err := user.Current(); err == nil {
		uid = u.Username
	}
	extra := map[string]any{
		"template_path":     t.Src,
		"template_fullpath": abs,
		"template_destpath": t.Dest,
		"template_host":     host,
		"template_uid":      uid,
		"template_mtime":    st.ModTime().Format("2006-01-02 15:04:05"),
		"template_run_date": time.Now().Format("2006-01-02 15:04:05.000000"),
	}
	var out string
	switch {
	case env.RenderTemplate != nil:
		out, err = env.RenderTemplate(string(data), TemplateOptions{
			Path: abs, TrimBlocks: t.TrimBlocks, LstripBlocks: t.LstripBlocks,
			VariableStart: t.VariableStart, VariableEnd: t.VariableEnd,
			BlockStart: t.BlockStart, BlockEnd: t.BlockEnd,
			CommentStart: t.CommentStart, CommentEnd: t.CommentEnd,
			Extra: extra,
		})
	case env.Template != nil:
		out, err = env.Template(string(data), extra)
	default:
		err = errors.New("no template renderer")
	}
	if err != nil {
		return Failf("%s", err), nil
	}
	if t.NewlineSequence != "\n" {
		out = strings.ReplaceAll(out, "\n", t.NewlineSequence)
	}
	content, err := encodeOutput(out, t.OutputEncoding)
	if err != nil {
		return Failf("%s", err), nil
	}
	w := &writeFile{attrs: &t.FileAttrs, dest: t.Dest, backup: t.Backup, force: t.Force,
		validate: t.ValidateCmd, follow: t.Follow, content: content,
		localMode: uint32(st.Mode().Perm()), basename: filepath.Base(local), afterHeader: local, srcReturn: local}
	return w.run(ctx, env)
}

var _ Module = (*Template)(nil)
var _ Validator = (*Template)(nil)

// encodeOutput is the rendered text in the output_encoding asked for
// (utf-8 when empty), by its IANA or WHATWG name (windows-1252, latin1,
// utf-16...). A character the encoding cannot hold fails, as Python's
// strict encoding does.
func encodeOutput(s, name string) ([]byte, error) {
	switch strings.ToLower(strings.ReplaceAll(name, "_", "-")) {
	case "", "utf-8", "utf8":
		return []byte(s), nil
	}
	enc, err := ianaindex.IANA.Encoding(name)
	if err != nil || enc == nil {
		if enc, err = htmlindex.Get(name); err != nil {
			return nil, fmt.Errorf("unknown encoding: %s", name)
		}
	}
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("'%s' codec can't encode the template's text: %v", name, err)
	}
	return b, nil
}
