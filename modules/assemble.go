package modules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/internal/pyre"
	"github.com/fjord-run/fjord/value"
)

func init() {
	// Ansible's assemble supports neither check nor diff mode.
	Register(Info{
		ID: "ansible.builtin.assemble", Aliases: []string{"assemble"},
		New: func() Module { return &Assemble{} },
	})
}

// Assemble concatenates the files of a directory, in name order, into
// one file.
type Assemble struct {
	FileAttrs
	// Src is the directory of fragments.
	Src string `arg:"src,required"`
	// Dest is the file the fragments are joined into.
	Dest string `arg:"dest,required,path=user"`
	// Backup keeps a timestamped copy of the old dest.
	Backup bool `arg:"backup"`
	// Delimiter is written between fragments.
	Delimiter *string `arg:"delimiter"`
	// RemoteSrc says src is on the host; false, on the controller.
	RemoteSrc bool `arg:"remote_src,default=true"`
	// Regexp keeps only fragments whose names match.
	Regexp *string `arg:"regexp"`
	// IgnoreHidden skips fragments whose names start with a dot.
	IgnoreHidden bool `arg:"ignore_hidden"`
	// ValidateCmd checks the joined file before it replaces dest; %s is its path.
	ValidateCmd string `arg:"validate"`
	// Decrypt is accepted; vaulted fragments are not decrypted yet.
	Decrypt bool `arg:"decrypt,default=true"`

	re *pyre.Regexp
}

// Validate implements Validator.
func (m *Assemble) Validate() error {
	if m.ValidateCmd != "" && !strings.Contains(m.ValidateCmd, "%s") {
		return fmt.Errorf("validate must contain %%s: %s", m.ValidateCmd)
	}
	return nil
}

// Provision implements Provisioner: the regexp compiles once.
func (m *Assemble) Provision() error {
	if m.Regexp != nil {
		var err error
		if m.re, err = compilePy(*m.Regexp); err != nil {
			return fmt.Errorf("Invalid Regexp (%s) in \"%s\"", err, *m.Regexp)
		}
	}
	return nil
}

type fragment struct {
	name string
	data []byte
}

// Run implements Module.
func (m *Assemble) Run(ctx context.Context, env *Env) (*Result, error) {
	mode, err := m.mode()
	if err != nil {
		return Failf("%s", err), nil
	}
	// One round trip: the destination's stat and checksum, then (for a
	// remote src) every regular file of src with its size.
	var b strings.Builder
	b.WriteString("( " + connection.StatScript(m.Dest, connection.StatOptions{Follow: true, Checksum: true}) + ") || exit 1\n")
	if m.RemoteSrc {
		fmt.Fprintf(&b, `s=%s
[ -e "$s" ] || { echo @@nosrc; exit 0; }
[ -d "$s" ] || { echo @@notdir; exit 0; }
cd -- "$s" || exit 1
echo @@frags
for f in * .[!.]* ..?*; do
	[ -f "$f" ] || continue
	printf '%%s\0' "$f"; wc -c < "$f"; cat -- "$f"
done
`, hostPath(m.Src))
	}
	res, err := hostRun(ctx, env, b.String(), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	out := res.Stdout
	head, tail := out, []byte(nil)
	if i := bytes.Index(out, []byte("\n@@")); i >= 0 {
		head, tail = out[:i+1], out[i+1:]
	}
	fi, err := connection.ParseStat(m.Dest, string(head))
	if err != nil {
		return Failf("%s", err), nil
	}
	var frags []fragment
	if m.RemoteSrc {
		switch {
		case bytes.HasPrefix(tail, []byte("@@nosrc")):
			return Failf("Source (%s) does not exist", m.Src), nil
		case bytes.HasPrefix(tail, []byte("@@notdir")):
			return Failf("Source (%s) is not a directory", m.Src), nil
		}
		if frags, err = parseFragments(bytes.TrimPrefix(tail, []byte("@@frags\n"))); err != nil {
			return Failf("%s", err), nil
		}
	} else {
		local, err := findFile(env, "files", m.Src)
		if err != nil {
			return Failf("Source (%s) does not exist", m.Src), nil
		}
		if frags, err = localFragments(local); err != nil {
			return Failf("%s", err), nil
		}
	}
	content := m.assemble(frags)
	sum := connection.Checksum(content)
	r := &Result{Msg: "OK"}
	r.Set("src", m.Src).Set("dest", m.Dest).Set("checksum", sum).Set("msg", "OK")
	if fi.Exists && fi.Type == "directory" {
		return Failf("Destination %s is a directory", m.Dest), nil
	}
	if fi.Exists && fi.Checksum == sum {
		plan, err := applyAttrs(ctx, env, m.Dest, fi, &m.FileAttrs, mode)
		if err != nil {
			return nil, err
		}
		r.Changed = plan.changed()
		setFileResult(r, fi)
		return r, nil
	}
	r.Changed = true
	if env.Diff && !m.RemoteSrc {
		// ansible's action computes the diff only for a controller src.
		d, err := m.diff(ctx, env, fi, content)
		if err != nil {
			return nil, err
		}
		r.Diff = append(r.Diff, d)
	}
	po := connection.PutOptions{Owner: m.Owner, Group: m.Group, Backup: m.Backup,
		Validate: m.ValidateCmd, Follow: true, Become: env.Become}
	if mode.Set && !mode.Preserve {
		base := fi.Mode
		if !fi.Exists {
			base = 0666 &^ fi.Umask
		}
		po.Mode = fmt.Sprintf("%04o", mode.Apply(base, false, fi.Umask))
	}
	pr, err := connection.Put(ctx, env.Conn, bytes.NewReader(content), m.Dest, po)
	if err != nil {
		var ve *connection.ValidateError
		if errors.As(err, &ve) {
			f := Failf("failed to validate")
			f.Set("exit_status", ve.RC).Set("stdout", ve.Stdout).Set("stderr", ve.Stderr)
			return f, nil
		}
		return nil, err
	}
	setPut(r, pr).Set("size", int(pr.Size))
	return r, nil
}

// diff is the action's _get_diff_data: the destination before, the
// assembled content after.
func (m *Assemble) diff(ctx context.Context, env *Env, fi *connection.FileInfo, content []byte) (Diff, error) {
	d := Diff{AfterHeader: m.Src}
	var before []byte
	if fi.Exists {
		d.BeforeHeader = m.Dest
		if fi.Size <= maxDiffSize {
			b, err := connection.ReadFile(ctx, env.Conn, m.Dest, env.Become)
			if err != nil {
				return d, err
			}
			before = b
		}
	}
	switch {
	case fi.Size > maxDiffSize || len(content) > maxDiffSize:
		d.Prepared = "diff skipped: source or destination file size is greater than " + fmt.Sprint(maxDiffSize)
	case isBinary(before) || isBinary(content):
		d.Prepared = "diff skipped: source or destination file appears to be binary"
	default:
		d.Before, d.After = string(before), string(content)
	}
	return d, nil
}

// parseFragments reads "NAME\0SIZE\nDATA" records.
func parseFragments(b []byte) ([]fragment, error) {
	var out []fragment
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return nil, errors.New("assemble: truncated fragment listing")
		}
		name := string(b[:i])
		b = b[i+1:]
		j := bytes.IndexByte(b, '\n')
		if j < 0 {
			return nil, errors.New("assemble: truncated fragment listing")
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b[:j])))
		if err != nil || n < 0 || n > len(b)-j-1 {
			return nil, fmt.Errorf("assemble: fragment %s changed while read", name)
		}
		b = b[j+1:]
		out = append(out, fragment{name: name, data: b[:n]})
		b = b[n:]
	}
	return out, nil
}

func localFragments(dir string) ([]fragment, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("Source (%s) does not exist", dir)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("Source (%s) is not a directory", dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []fragment
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, fragment{name: e.Name(), data: data})
	}
	return out, nil
}

// assemble joins the selected fragments in name order. A fragment that
// does not end in a newline gets one before the next; the delimiter (with
// its escapes decoded) goes between fragments, always ending in a newline.
func (m *Assemble) assemble(frags []fragment) []byte {
	sort.Slice(frags, func(i, j int) bool { return frags[i].name < frags[j].name })
	var delim []byte
	if m.Delimiter != nil && *m.Delimiter != "" {
		delim = []byte(value.PyUnescape(*m.Delimiter, true))
	}
	var out bytes.Buffer
	first, endsNL := true, true
	for _, f := range frags {
		if m.re != nil && !m.re.MatchString(f.name) {
			continue
		}
		if m.IgnoreHidden && strings.HasPrefix(f.name, ".") {
			continue
		}
		if !first {
			if !endsNL {
				out.WriteByte('\n')
			}
			if len(delim) > 0 {
				out.Write(delim)
				if delim[len(delim)-1] != '\n' {
					out.WriteByte('\n')
				}
			}
		}
		out.Write(f.data)
		first, endsNL = false, bytes.HasSuffix(f.data, []byte("\n"))
	}
	return out.Bytes()
}

var _ Module = (*Assemble)(nil)
var _ Validator = (*Assemble)(nil)
var _ Provisioner = (*Assemble)(nil)
