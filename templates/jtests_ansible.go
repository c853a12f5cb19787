package templates

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fjord-run/fjord/value"
)

// Ansible's own tests (ansible/plugins/test: core, files, mathstuff, uri)
// and the Jinja2 tests registered beside them here.

func registerAnsibleTests() {
	more := map[string]testFunc{
		// Jinja2 3's `is true` / `is false`: the very objects True and False.
		"true":  typeTest(func(v any) bool { b, ok := v.(bool); return ok && b }),
		"false": typeTest(func(v any) bool { b, ok := v.(bool); return ok && !b }),

		"failed":      resultTest("failed", func(m value.Getter) bool { return field(m, "failed") }),
		"failure":     resultTest("failed", func(m value.Getter) bool { return field(m, "failed") }),
		"succeeded":   resultTest("failed", func(m value.Getter) bool { return !field(m, "failed") }),
		"success":     resultTest("failed", func(m value.Getter) bool { return !field(m, "failed") }),
		"successful":  resultTest("failed", func(m value.Getter) bool { return !field(m, "failed") }),
		"unreachable": resultTest("unreachable", func(m value.Getter) bool { return field(m, "unreachable") }),
		"reachable":   resultTest("unreachable", func(m value.Getter) bool { return !field(m, "unreachable") }),
		"changed":     resultTest("changed", resultChanged),
		"change":      resultTest("changed", resultChanged),
		"skipped":     resultTest("skipped", func(m value.Getter) bool { return field(m, "skipped") }),
		"skip":        resultTest("skipped", func(m value.Getter) bool { return field(m, "skipped") }),
		"finished":    resultTest("finished", asyncField("finished")),
		"started":     resultTest("started", asyncField("started")),

		"vault_encrypted": typeTest(func(v any) bool { return false }),

		"directory":    pathTest(func(fi os.FileInfo) bool { return fi.IsDir() }, os.Stat),
		"is_dir":       pathTest(func(fi os.FileInfo) bool { return fi.IsDir() }, os.Stat),
		"file":         pathTest(func(fi os.FileInfo) bool { return fi.Mode().IsRegular() }, os.Stat),
		"is_file":      pathTest(func(fi os.FileInfo) bool { return fi.Mode().IsRegular() }, os.Stat),
		"link":         pathTest(func(fi os.FileInfo) bool { return fi.Mode()&os.ModeSymlink != 0 }, os.Lstat),
		"is_link":      pathTest(func(fi os.FileInfo) bool { return fi.Mode()&os.ModeSymlink != 0 }, os.Lstat),
		"exists":       pathTest(func(fi os.FileInfo) bool { return true }, os.Stat),
		"link_exists":  pathTest(func(fi os.FileInfo) bool { return true }, os.Lstat),
		"abs":          tAbs,
		"is_abs":       tAbs,
		"same_file":    tSameFile,
		"is_same_file": tSameFile,
		"mount":        tMount,
		"is_mount":     tMount,

		"subset":     tSubset(false),
		"issubset":   tSubset(false),
		"superset":   tSubset(true),
		"issuperset": tSubset(true),
		"contains": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			return contains(in, arg(a, k, 0, "value", nil))
		},
		"nan":   tNaN,
		"isnan": tNaN,

		"uri": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			return isURI(in, arg(a, k, 0, "schemes", nil)), nil
		},
		"url": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			if !isURI(in, arg(a, k, 0, "schemes", nil)) {
				return false, nil
			}
			str, _ := asString(in)
			u, err := pyURLSplit(str)
			return err == nil && (u.netloc != "" || u.scheme == "file"), nil
		},
		"urn": func(s *state, in any, a []any, k map[string]any) (bool, error) {
			return isURI(in, []any{"urn"}), nil
		},
	}
	for k, v := range more {
		jtests[k] = v
	}
}

// resultTest is one of ansible's tests on a registered result, which
// refuses anything but a dict.
func resultTest(name string, f func(m value.Getter) bool) testFunc {
	return func(s *state, in any, args []any, kw map[string]any) (bool, error) {
		m, ok := plain(in).(value.Getter)
		if !ok {
			return false, fmt.Errorf("The '%s' test expects a dictionary", name)
		}
		return f(m), nil
	}
}

// resultChanged is ansible's changed test: without a changed key, a loop's
// result changed when one of its items did.
func resultChanged(m value.Getter) bool {
	if _, ok := m.Get("changed"); ok {
		return field(m, "changed")
	}
	rs, ok := m.Get("results")
	l, isList := plain(rs).([]any)
	if !ok || !isList || len(l) == 0 {
		return false
	}
	if _, ok := plain(l[0]).(value.Getter); !ok {
		return false
	}
	for _, r := range l {
		if rm, ok := plain(r).(value.Getter); ok && field(rm, "changed") {
			return true
		}
	}
	return false
}

// asyncField is the started and finished tests: 1 on an async result, true
// on any other.
func asyncField(k string) func(m value.Getter) bool {
	return func(m value.Getter) bool {
		v, ok := m.Get(k)
		if !ok {
			return true
		}
		return equal(v, 1)
	}
}

func tAbs(s *state, in any, a []any, k map[string]any) (bool, error) {
	p, err := toStr(in)
	return strings.HasPrefix(p, "/"), err
}

// tSameFile is os.path.samefile, which raises when either path is missing.
func tSameFile(s *state, in any, a []any, k map[string]any) (bool, error) {
	p, err := toStr(in)
	if err != nil {
		return false, err
	}
	q, err := toStr(arg(a, k, 0, "f2", nil))
	if err != nil {
		return false, err
	}
	f1, err := os.Stat(p)
	if err != nil {
		return false, pyOSError(err, p)
	}
	f2, err := os.Stat(q)
	if err != nil {
		return false, pyOSError(err, q)
	}
	return os.SameFile(f1, f2), nil
}

// tMount is os.path.ismount: a directory whose parent is another device,
// or the same inode as its parent (/).
func tMount(s *state, in any, a []any, k map[string]any) (bool, error) {
	p, err := toStr(in)
	if err != nil {
		return false, err
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&os.ModeSymlink != 0 || !fi.IsDir() {
		return false, nil
	}
	pi, err := os.Lstat(filepath.Join(p, ".."))
	if err != nil {
		return false, nil
	}
	st, ok1 := fi.Sys().(*syscall.Stat_t)
	pst, ok2 := pi.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 {
		return false, nil
	}
	return st.Dev != pst.Dev || st.Ino == pst.Ino, nil
}

// tSubset is issubset (set(a) <= set(b)) or, reversed, issuperset.
func tSubset(super bool) testFunc {
	return func(s *state, in any, a []any, k map[string]any) (bool, error) {
		other := arg(a, k, 0, "b", nil)
		if super {
			return subset(other, in)
		}
		return subset(in, other)
	}
}

// tNaN is math.isnan, false on anything that is not a number.
func tNaN(s *state, in any, a []any, k map[string]any) (bool, error) {
	f, ok := plain(in).(float64)
	return ok && math.IsNaN(f), nil
}

// isURI is ansible's is_uri: anything urlparse accepts, with a scheme among
// schemes when they are given.
func isURI(in any, schemes any) bool {
	str, ok := asString(in)
	if !ok {
		return false
	}
	u, err := pyURLSplit(str)
	if err != nil {
		return false
	}
	if t, _ := truth(schemes); !t || schemes == nil {
		return true
	}
	found, _ := contains(schemes, u.scheme)
	return found
}
