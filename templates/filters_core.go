package templates

import (
	"crypto/sha1"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/blake2s"

	"github.com/fjord-run/fjord/value"
)

// ansible's core filters on paths and identifiers: path_join, relpath,
// expandvars, the win_ family, fileglob, to_uuid, md5 and sha1.

func registerCoreFilters() {
	for k, v := range map[string]filterFunc{
		"path_join":      fPathJoin,
		"relpath":        fRelpath,
		"realpath":       pathFilter(pyRealpath),
		"expandvars":     pathFilter(expandVars),
		"win_basename":   pathFilter(func(p string) string { _, t := ntSplit(p); return t }),
		"win_dirname":    pathFilter(func(p string) string { h, _ := ntSplit(p); return h }),
		"win_splitdrive": fWinSplitdrive,
		"fileglob":       fFileglob,
		"to_uuid":        fToUUID,
		"md5": func(s *state, in any, a []any, k map[string]any) (any, error) {
			return fHash(s, in, []any{"md5"}, nil)
		},
		"sha1": func(s *state, in any, a []any, k map[string]any) (any, error) {
			return fHash(s, in, []any{"sha1"}, nil)
		},
		"strftime":    fStrftime,
		"to_datetime": fToDatetime,
	} {
		filters[k] = v
	}
}

// fPathJoin is os.path.join over a list (or one string).
func fPathJoin(s *state, in any, args []any, kw map[string]any) (any, error) {
	var parts []any
	switch v := plain(in).(type) {
	case string:
		return v, nil
	case []any:
		parts = v
	default:
		return nil, fmt.Errorf("|path_join expects string or sequence, got %s instead.", pyClass(in))
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("join() missing 1 required positional argument: 'a'")
	}
	out := ""
	for _, p := range parts {
		str, ok := asString(p)
		if !ok {
			return nil, fmt.Errorf("join() argument must be str, bytes, or os.PathLike object, not '%s'", typeName(p))
		}
		switch {
		case strings.HasPrefix(str, "/"):
			out = str
		case out == "" || strings.HasSuffix(out, "/"):
			out += str
		default:
			out += "/" + str
		}
	}
	return out, nil
}

// pyClass is str(type(v)).
func pyClass(v any) string { return "<class '" + typeName(v) + "'>" }

// fRelpath is os.path.relpath(path, start=os.curdir).
func fRelpath(s *state, in any, args []any, kw map[string]any) (any, error) {
	p, err := toStr(in)
	if err != nil {
		return nil, err
	}
	if p == "" {
		return nil, fmt.Errorf("no path specified")
	}
	start := "."
	if v := arg(args, kw, 0, "start", nil); v != nil {
		if start, err = toStr(v); err != nil {
			return nil, err
		}
	}
	ap, err1 := filepath.Abs(p)
	as, err2 := filepath.Abs(start)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("relpath: cannot read the current directory")
	}
	r, err := filepath.Rel(as, ap)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// pyRealpath is os.path.realpath: symlinks resolved as far as the path
// exists, the rest joined as written; ~ is not expanded.
func pyRealpath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	resolved := "/"
	rest := strings.Split(strings.TrimPrefix(abs, "/"), "/")
	for hops := 0; len(rest) > 0 && hops < 64; {
		part := rest[0]
		rest = rest[1:]
		if part == "" || part == "." {
			continue
		}
		next := filepath.Join(resolved, part)
		target, err := os.Readlink(next)
		if err != nil {
			resolved = next
			continue
		}
		hops++
		if strings.HasPrefix(target, "/") {
			resolved = "/"
		}
		rest = append(strings.Split(strings.TrimPrefix(target, "/"), "/"), rest...)
	}
	if len(rest) > 0 {
		resolved = filepath.Join(append([]string{resolved}, rest...)...)
	}
	return resolved
}

var envRef = regexp.MustCompile(`\$(\w+|\{[^}]*\})`)

// expandVars is os.path.expandvars: $name and ${name} of variables that
// are set in the controller's environment; others stay as written.
func expandVars(p string) string {
	if !strings.Contains(p, "$") {
		return p
	}
	return envRef.ReplaceAllStringFunc(p, func(m string) string {
		name := strings.TrimSuffix(strings.TrimPrefix(m[1:], "{"), "}")
		if v, ok := os.LookupEnv(name); ok {
			return v
		}
		return m
	})
}

// ntSplitdrive is ntpath.splitdrive (Python 3.11): a drive letter, or a
// UNC \\server\share or device path.
func ntSplitdrive(p string) (string, string) {
	if len(p) < 2 {
		return "", p
	}
	n := strings.ReplaceAll(p, "/", `\`)
	if n[:2] == `\\` {
		start := 2
		if len(n) >= 8 && strings.EqualFold(n[:8], `\\?\UNC\`) {
			start = 8
		}
		i := strings.IndexByte(n[start:], '\\')
		if i < 0 {
			return p, ""
		}
		i += start
		j := strings.IndexByte(n[i+1:], '\\')
		if j < 0 {
			return p, ""
		}
		j += i + 1
		return p[:j], p[j:]
	}
	if n[1] == ':' {
		return p[:2], p[2:]
	}
	return "", p
}

// ntSplit is ntpath.split: (head, tail), the head without trailing
// separators unless it is nothing else.
func ntSplit(p string) (string, string) {
	d, rest := ntSplitdrive(p)
	i := len(rest)
	for i > 0 && rest[i-1] != '/' && rest[i-1] != '\\' {
		i--
	}
	head, tail := rest[:i], rest[i:]
	if h := strings.TrimRight(head, `/\`); h != "" {
		head = h
	}
	return d + head, tail
}

func fWinSplitdrive(s *state, in any, args []any, kw map[string]any) (any, error) {
	p, err := toStr(in)
	if err != nil {
		return nil, err
	}
	d, rest := ntSplitdrive(p)
	return []any{d, rest}, nil
}

// fFileglob is ansible's fileglob: the regular files glob.glob finds, which
// skips names starting with a dot unless the pattern's part does.
func fFileglob(s *state, in any, args []any, kw map[string]any) (any, error) {
	pat, err := toStr(in)
	if err != nil {
		return nil, err
	}
	matches, _ := filepath.Glob(pat)
	out := []any{}
	for _, m := range matches {
		if hiddenMatch(pat, m) {
			continue
		}
		if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].(string) < out[j].(string) })
	return out, nil
}

// hiddenMatch reports a match whose dot-file part was matched by a
// wildcard, which Python's glob does not do.
func hiddenMatch(pat, m string) bool {
	pp := strings.Split(pat, "/")
	mp := strings.Split(m, "/")
	if len(pp) != len(mp) {
		return false
	}
	for i := range pp {
		if strings.HasPrefix(mp[i], ".") && !strings.HasPrefix(pp[i], ".") {
			return true
		}
	}
	return false
}

var uuidNamespaceAnsible = "361e6d51-faec-444a-9079-341386da8e2e"

// fToUUID is uuid.uuid5 in ansible's namespace (or the one given).
func fToUUID(s *state, in any, args []any, kw map[string]any) (any, error) {
	name, err := toStr(in)
	if err != nil {
		return nil, err
	}
	nsArg := arg(args, kw, 0, "namespace", uuidNamespaceAnsible)
	nsStr, _ := asString(nsArg)
	ns, err := parseUUID(nsStr)
	if err != nil {
		return nil, filterError("Invalid value '%s' for 'namespace': %v", value.String(nsArg), err)
	}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:], nil
}

// parseUUID is uuid.UUID(hex): braces, urn:uuid: and dashes allowed.
func parseUUID(s string) ([]byte, error) {
	h := strings.ReplaceAll(strings.ReplaceAll(s, "urn:", ""), "uuid:", "")
	h = strings.ReplaceAll(strings.Trim(h, "{}"), "-", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		return nil, fmt.Errorf("badly formed hexadecimal UUID string")
	}
	return b, nil
}

// moreHashes are the rest of hashlib.new's algorithms that Go has.
func moreHashes(name string) hash.Hash {
	switch name {
	case "sha3_224":
		return sha3.New224()
	case "sha3_256":
		return sha3.New256()
	case "sha3_384":
		return sha3.New384()
	case "sha3_512":
		return sha3.New512()
	case "sha512_224":
		return sha512.New512_224()
	case "sha512_256":
		return sha512.New512_256()
	case "blake2b":
		h, _ := blake2b.New512(nil)
		return h
	case "blake2s":
		h, _ := blake2s.New256(nil)
		return h
	}
	return nil
}
