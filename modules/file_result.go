package modules

import (
	"context"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/dryrun"
	"github.com/fjord-run/fjord/value"
)

// The file module's result: its keys as ansible orders them, and what a
// changed task leaves for the rest of a check run.

// ansibleOrder puts r's keys in the order ansible's file module returns
// them, which a registered result keeps (a loop over it labels its items
// with it): path, or dest and src for links and touch, then changed and
// the diff (before and after, returned whether or not --diff is on),
// then the path's attributes.
func (f *File) ansibleOrder(r *Result) {
	out := value.NewMap(r.Data.Len() + 2)
	lead := []string{"path"}
	if _, ok := r.Data.Get("dest"); ok {
		lead = []string{"dest", "src"}
	}
	for _, k := range lead {
		if v, ok := r.Data.Get(k); ok {
			out.Set(k, v)
		}
	}
	out.Set("changed", r.Changed)
	if f.diff != nil {
		out.Set("diff", f.diff)
	}
	setRest(out, r.Data)
	r.Data = out
}

// setRest sets in out the keys of from it lacks, in from's order.
func setRest(out, from *value.Map) {
	for _, k := range from.Keys() {
		if _, done := out.Get(k); !done {
			v, _ := from.Get(k)
			out.Set(k, v)
		}
	}
}

// diffSide is one side of the file module's diff, its keys in the order
// ansible's file module and set_fs_attributes_if_different add them.
func diffSide(m map[string]any) *value.Map {
	out := value.NewMap(len(m))
	for _, k := range []string{"path", "state", "path_content", "src", "owner", "group", "mode", "mtime", "atime"} {
		if v, ok := m[k]; ok {
			out.Set(k, v)
		}
	}
	return out
}

// predict records what a changed file task leaves at its path for the
// rest of a check run (package dryrun).
func (f *File) predict(env *Env, r *Result) {
	p := strings.TrimSuffix(f.Path, "/")
	var pf dryrun.File
	if r.Data == nil {
		return
	}
	var st any = f.outcome
	if f.outcome == "" {
		st, _ = r.Data.Get("state")
	}
	switch st {
	case "absent":
	case "directory":
		if f.prev != "absent" {
			return // attributes only
		}
		pf = dryrun.File{Type: "directory", New: true}
	case "link":
		pf = dryrun.File{Type: "link", Target: f.Src}
	case "file":
		if f.State != "touch" {
			return // attributes only
		}
		pf = dryrun.File{Type: "file", Known: true}
	case "hard":
		pf = dryrun.File{Type: "file"}
	default:
		return
	}
	if f.outMode != nil {
		pf.Mode = *f.outMode
	} else if m, ok := r.Data.Get("mode"); ok {
		if pm, err := connection.ParseMode(m); err == nil && pm.Octal {
			pf.Mode = pm.Bits
		}
	}
	predictFile(env, p, pf)
}

// pathContent is what ansible's file module lists in the diff of a
// directory it removes: os.walk's directories and files below p, in its
// order (each directory's entries as the directory holds them, then each
// subdirectory in turn; a link to a directory is listed with the
// directories and not entered). One command, before the removal.
func pathContent(ctx context.Context, env *Env, p string) (*value.Map, error) {
	script := `w() {
	ls -U -A -- "$1" 2>/dev/null | while IFS= read -r n; do
		if [ -d "$1/$n" ]; then echo "D $1/$n"; else echo "F $1/$n"; fi
	done
	ls -U -A -- "$1" 2>/dev/null | while IFS= read -r n; do
		if [ -d "$1/$n" ] && [ ! -L "$1/$n" ]; then w "$1/$n"; fi
	done
}
w ` + connection.Quote(p)
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script, Become: env.Become})
	if err != nil {
		return nil, err
	}
	dirs, files := []any{}, []any{}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		switch {
		case strings.HasPrefix(l, "D "):
			dirs = append(dirs, l[2:])
		case strings.HasPrefix(l, "F "):
			files = append(files, l[2:])
		}
	}
	return value.MapOf("directories", dirs, "files", files), nil
}
