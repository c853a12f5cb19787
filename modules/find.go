package modules

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.find", Aliases: []string{"find"},
		New: func() Module { return &Find{} }, CheckMode: true,
	})
}

// Find lists files under directories by name, type, age, size and
// content. The host walks the trees with find(1) and stat(1) in one
// round trip; every filter but content runs here.
type Find struct {
	// Paths are the directories to search.
	Paths []string `arg:"paths,required,aliases=name|path"`
	// Patterns are shell globs (or regexps with use_regex) a base name must match.
	Patterns []string `arg:"patterns,aliases=pattern"`
	// Excludes are patterns whose matches are left out.
	Excludes []string `arg:"excludes,aliases=exclude"`
	// Contains is a regular expression for the content of regular files,
	// matched at a line's start (or anywhere with read_whole_file).
	Contains *string `arg:"contains"`
	// ReadWholeFile matches contains against the whole file instead of line by line.
	ReadWholeFile bool `arg:"read_whole_file"`
	// FileType is the kind of file wanted.
	FileType string `arg:"file_type,default=file,choices=any|directory|file|link"`
	// Recurse descends into subdirectories.
	Recurse bool `arg:"recurse"`
	// Depth is the deepest level recurse goes to.
	Depth *int `arg:"depth"`
	// Hidden includes names starting with a dot.
	Hidden bool `arg:"hidden"`
	// Follow follows symlinks.
	Follow bool `arg:"follow"`
	// Age is "[-]N[smhdw]": at least that old, or (negative) at most.
	Age string `arg:"age"`
	// AgeStamp is the timestamp that age compares.
	AgeStamp string `arg:"age_stamp,default=mtime,choices=atime|ctime|mtime"`
	// Size is "[-]N[bkmgt]": at least that big, or (negative) at most.
	Size string `arg:"size"`
	// GetChecksum returns each file's checksum.
	GetChecksum bool `arg:"get_checksum"`
	// ChecksumAlgorithm is the hash get_checksum uses.
	ChecksumAlgorithm string `arg:"checksum_algorithm,default=sha1,aliases=checksum|checksum_algo,choices=md5|sha1|sha224|sha256|sha384|sha512"`
	// UseRegex takes patterns and excludes as regexps instead of globs.
	UseRegex bool `arg:"use_regex"`
	// Mode selects files with these permissions.
	Mode any `arg:"mode"`
	// ExactMode requires mode exactly; false, at least those bits.
	ExactMode bool `arg:"exact_mode,default=true"`
	// Limit stops after this many matches.
	Limit *int `arg:"limit"`
	// Encoding is accepted; content is matched as bytes.
	Encoding string `arg:"encoding"`

	age, size     int64
	hasAge        bool
	hasSize       bool
	pats, exclude []func(string) bool
	mode          connection.Mode
}

var (
	findAgeRe  = regexp.MustCompile(`^(-?\d+)([smhdw])?$`)
	findSizeRe = regexp.MustCompile(`^(-?\d+)([bkmgt])?$`)
)

// Provision implements Provisioner: age, size, patterns and mode are
// parsed once.
func (m *Find) Provision() error {
	if m.Age != "" {
		g := findAgeRe.FindStringSubmatch(strings.ToLower(m.Age))
		if g == nil {
			return fmt.Errorf("failed to process age")
		}
		n, _ := strconv.ParseInt(g[1], 10, 64)
		unit := map[string]int64{"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[g[2]]
		m.age, m.hasAge = n*unit, true
	}
	if m.Size != "" {
		g := findSizeRe.FindStringSubmatch(strings.ToLower(m.Size))
		if g == nil {
			return fmt.Errorf("failed to process size")
		}
		n, _ := strconv.ParseInt(g[1], 10, 64)
		unit := map[string]int64{"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[g[2]]
		m.size, m.hasSize = n*unit, true
	}
	var err error
	if m.pats, err = m.matchers(m.Patterns); err != nil {
		return err
	}
	if m.exclude, err = m.matchers(m.Excludes); err != nil {
		return err
	}
	if m.Contains != nil {
		if _, err := compilePy(*m.Contains); err != nil {
			return fmt.Errorf("contains: %w", err)
		}
	}
	if m.mode, err = connection.ParseMode(m.Mode); err != nil {
		return err
	}
	return nil
}

// findEntry is one path the host listed.
type findEntry struct {
	root  int // index into Paths
	fi    connection.FileInfo
	depth int
}

const findStatFmt = `S %f %u %g %s %.9X %.9Y %.9Z %i %d %h %U %G %n\0`

// hostPath expands a leading ~ the way the host's shell would; the rest
// is quoted.
func hostPath(p string) string {
	switch {
	case p == "~":
		return `"$HOME"`
	case strings.HasPrefix(p, "~/"):
		return `"$HOME"/` + connection.Quote(p[2:])
	}
	return connection.Quote(p)
}

// Run implements Module.
func (m *Find) Run(ctx context.Context, env *Env) (*Result, error) {
	var b strings.Builder
	b.WriteString("printf 'N %s\\0' \"$(date +%s)\"\n")
	maxDepth := ""
	switch {
	case !m.Recurse:
		maxDepth = " -maxdepth 1"
	case m.Depth != nil && *m.Depth > 0:
		// One level past depth is listed, and counts as examined, as
		// Ansible's walk lists it before pruning.
		maxDepth = fmt.Sprintf(" -maxdepth %d", *m.Depth+1)
	}
	follow := "-H"
	if m.Follow {
		follow = "-L"
	}
	for i, p := range m.Paths {
		fmt.Fprintf(&b, "p=%s\nif [ -d \"$p\" ]; then printf 'P %d %%s\\0' \"$p\"; { err=$(LC_ALL=C find %s \"$p\" -mindepth 1%s -exec stat --printf '%s' {} + 2>&1 >&3 3>&-); } 3>&1; [ -z \"$err\" ] || printf 'W %%s\\0' \"$err\"\n", hostPath(p), i, follow, maxDepth, findStatFmt)
		fmt.Fprintf(&b, "else printf 'X %d %%s\\0' \"$p\"; fi\n", i)
	}
	b.WriteString("true\n")
	res, err := hostRun(ctx, env, b.String(), nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	var now float64
	roots := make([]string, len(m.Paths))
	skipped := value.NewMap(2)
	var entries []findEntry
	var warnings []any
	for _, rec := range bytes.Split(res.Stdout, []byte{0}) {
		if len(rec) < 2 {
			continue
		}
		tag, rest := rec[0], string(rec[2:])
		switch tag {
		case 'N':
			now, _ = strconv.ParseFloat(strings.TrimSpace(rest), 64)
		case 'P', 'X':
			is, p, _ := strings.Cut(rest, " ")
			i, _ := strconv.Atoi(is)
			if i < 0 || i >= len(roots) {
				continue
			}
			roots[i] = path.Clean(p)
			if tag == 'X' {
				skipped.Set(p, fmt.Sprintf("%s was skipped as it does not seem to be a valid directory or it cannot be accessed", m.Paths[i]))
			}
		case 'W':
			for _, w := range findErrors(rest) {
				skipped.Set(w[0], w[1])
				warnings = append(warnings, fmt.Sprintf("Skipped '%s' path due to this access issue: %s\n", w[0], w[1]))
			}
		case 'S':
			fi, err := parseFindStat(rest)
			if err != nil {
				return Failf("%s", err), nil
			}
			root := -1
			for i, r := range roots {
				if r != "" && (fi.Path == r || strings.HasPrefix(fi.Path, strings.TrimSuffix(r, "/")+"/")) {
					root = i
				}
			}
			if root < 0 {
				continue
			}
			rel := strings.TrimPrefix(fi.Path, strings.TrimSuffix(roots[root], "/")+"/")
			entries = append(entries, findEntry{root: root, fi: *fi, depth: strings.Count(rel, "/") + 1})
		}
	}
	examined := len(entries)
	var matched []*findEntry
	for i := range entries {
		e := &entries[i]
		if m.keep(e, now) {
			matched = append(matched, e)
		}
	}
	// Content and checksums need the files themselves: one more round
	// trip, for the candidates only.
	sums := map[string]string{}
	if len(matched) > 0 && (m.Contains != nil && m.FileType == "file" || m.GetChecksum) {
		kept, s, r, err := m.readFiles(ctx, env, matched)
		if err != nil || r != nil {
			return r, err
		}
		matched, sums = kept, s
	}
	if m.Limit != nil && *m.Limit > 0 && len(matched) > *m.Limit {
		matched = matched[:*m.Limit]
	}
	files := make([]any, 0, len(matched))
	for _, e := range matched {
		d := foundFile(&e.fi)
		if s, ok := sums[e.fi.Path]; ok {
			d.Set("checksum", s)
		}
		files = append(files, d)
	}
	msg := "All paths examined"
	if skipped.Len() > 0 {
		msg = "Not all paths examined, check warnings for details"
	}
	r := &Result{Msg: msg}
	if len(warnings) > 0 {
		r.Set("warnings", warnings)
	}
	r.Set("files", files).Set("matched", len(files)).Set("examined", examined).
		Set("skipped_paths", skipped).Set("msg", msg)
	return r, nil
}

// foundFileKeys are a found file's keys in the order ansible's find
// prints them (path, then its statinfo: the names before the bits).
var foundFileKeys = []string{"path", "mode", "isdir", "ischr", "isblk", "isreg", "isfifo", "islnk", "issock",
	"uid", "gid", "size", "inode", "dev", "nlink", "atime", "mtime", "ctime", "gr_name", "pw_name",
	"wusr", "rusr", "xusr", "wgrp", "rgrp", "xgrp", "woth", "roth", "xoth", "isuid", "isgid"}

// foundFile is a found file as ansible's find returns it: stat's values,
// in its own order, without what only stat adds.
func foundFile(fi *connection.FileInfo) *value.Map {
	st := statDict(fi)
	d := value.NewMap(len(foundFileKeys) + 1)
	for _, k := range foundFileKeys {
		v, _ := st.Get(k)
		d.Set(k, v)
	}
	return d
}

// findErrors reads find's (C locale) complaints, "find: 'PATH': why",
// as path and reason.
func findErrors(s string) [][2]string {
	var out [][2]string
	for _, l := range strings.Split(s, "\n") {
		rest, ok := strings.CutPrefix(l, "find: '")
		if !ok {
			continue
		}
		i := strings.LastIndex(rest, "': ")
		if i < 0 {
			continue
		}
		out = append(out, [2]string{rest[:i], rest[i+3:]})
	}
	return out
}

func parseFindStat(rec string) (*connection.FileInfo, error) {
	f := strings.SplitN(rec, " ", 13)
	if len(f) != 13 {
		return nil, fmt.Errorf("find: unexpected stat output %q", rec)
	}
	// ParseStat reads the same fields from its S and N lines.
	fi, err := connection.ParseStat(f[12], "E1\nS "+strings.Join(f[:10], " ")+"\nN "+f[10]+"/"+f[11]+"\n")
	if err != nil {
		return nil, err
	}
	fi.Path = path.Clean(f[12])
	return fi, nil
}

// readFiles greps the candidate regular files for contains and sums them
// for get_checksum, in one round trip; the file list goes on stdin.
func (m *Find) readFiles(ctx context.Context, env *Env, cand []*findEntry) ([]*findEntry, map[string]string, *Result, error) {
	var list bytes.Buffer
	for _, e := range cand {
		if e.fi.Type == "file" {
			list.WriteString(e.fi.Path)
			list.WriteByte(0)
		}
	}
	var b strings.Builder
	b.WriteString("l=$(mktemp) || exit 1\ntrap 'rm -f -- \"$l\"' EXIT\ncat > \"$l\"\n")
	grep := m.Contains != nil && m.FileType == "file"
	if grep {
		// Python's re is closest to PCRE; a grep without -P gets the
		// expression as an ERE.
		// grep takes a newline as a pattern separator; Python's re, as a
		// character to match.
		pcre, ere, z := `^(?:`+strings.ReplaceAll(*m.Contains, "\n", `\n`)+`)`, `^(`+*m.Contains+`)`, ""
		if m.ReadWholeFile {
			pcre, ere, z = pcreDollar(*m.Contains), *m.Contains, "z"
		}
		fmt.Fprintf(&b, "if echo | grep -qP '' 2>/dev/null; then f=-lsZ%sP; re=%s; else f=-lsZ%sE; re=%s; fi\n", z, connection.Quote(pcre), z, connection.Quote(ere))
		b.WriteString("printf '@@grep\\0'\nxargs -0 -r grep \"$f\" -e \"$re\" -- < \"$l\"\n")
		b.WriteString("rc=$?; [ $rc -eq 0 ] || [ $rc -eq 123 ] || { echo \"grep failed: $rc\" >&2; exit 1; }\n")
	}
	if m.GetChecksum {
		fmt.Fprintf(&b, "printf '@@sum\\0'\nxargs -0 -r %ssum -z -- < \"$l\" 2>/dev/null\n", m.ChecksumAlgorithm)
	}
	b.WriteString("true\n")
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: b.String(), Stdin: &list, Env: env.Environment, Become: env.Become})
	if err != nil {
		return nil, nil, nil, err
	}
	if res.RC != 0 {
		return nil, nil, cmdFailed(res, ""), nil
	}
	hit := map[string]bool{}
	sums := map[string]string{}
	sec := ""
	for _, rec := range bytes.Split(res.Stdout, []byte{0}) {
		s := string(rec)
		switch {
		case s == "@@grep" || s == "@@sum":
			sec = s
		case s == "":
		case sec == "@@grep":
			hit[path.Clean(s)] = true
		case sec == "@@sum":
			// sha1sum -z prints "SUM  NAME\0".
			sum, name, ok := strings.Cut(strings.TrimPrefix(s, "\n"), "  ")
			if ok {
				sums[path.Clean(name)] = sum
			}
		}
	}
	if !grep {
		return cand, sums, nil, nil
	}
	var kept []*findEntry
	for _, e := range cand {
		if hit[e.fi.Path] {
			kept = append(kept, e)
		}
	}
	return kept, sums, nil, nil
}

var _ Module = (*Find)(nil)
var _ Provisioner = (*Find)(nil)

// pcreDollar rewrites each $ outside a character class to Python's
// meaning without MULTILINE, the end or before a final newline (grep -zP
// matches $ only at the very end of the file), and a newline to \n.
func pcreDollar(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteByte(c)
			i++
			b.WriteByte(p[i])
			continue
		case inClass && c == ']':
			inClass = false
		case !inClass && c == '[':
			inClass = true
			b.WriteByte(c)
			// a ] right after [ or [^ is literal
			if i+1 < len(p) && p[i+1] == '^' {
				i++
				b.WriteByte('^')
			}
			if i+1 < len(p) && p[i+1] == ']' {
				i++
				b.WriteByte(']')
			}
			continue
		case c == '\n':
			b.WriteString(`\n`)
			continue
		case !inClass && c == '$':
			b.WriteString(`(?=\n?\z)`)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
