package modules

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/internal/pyre"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.replace", Aliases: []string{"replace"},
		New: func() Module { return &Replace{} }, CheckMode: true,
	})
	Register(Info{
		ID: "ansible.builtin.slurp", Aliases: []string{"slurp"},
		New: func() Module { return &Slurp{} }, CheckMode: true,
	})
}

// Replace substitutes every match of a multiline regular expression in
// a file, optionally only between the after and before matches.
type Replace struct {
	FileAttrs
	// Path is the file to edit.
	Path string `arg:"path,required,aliases=dest|destfile|name,path"`
	// Regexp is the multiline pattern to replace.
	Regexp string `arg:"regexp,required"`
	// Replace is what each match becomes; it may use the regexp's groups.
	Replace string `arg:"replace"`
	// After limits the edit to the text after this regexp's match.
	After string `arg:"after"`
	// Before limits the edit to the text before this regexp's match.
	Before string `arg:"before"`
	// Backup keeps a timestamped copy of the old file.
	Backup bool `arg:"backup"`
	// ValidateCmd checks the new file before it replaces path; %s is its path.
	ValidateCmd string `arg:"validate"`
	// Encoding is the file's character encoding.
	Encoding string `arg:"encoding,default=utf-8"`

	re, section *pyre.Regexp
	pattern     string // the section's pattern, as ansible builds it
}

// Provision implements Provisioner: the regexps compile once. The
// validate check follows them, as it always has, so a task wrong in both
// is told about its regexp first.
func (m *Replace) Provision() error {
	var err error
	if m.re, err = compilePy("(?m)" + m.Regexp); err != nil {
		return fmt.Errorf("regexp %q: %w", m.Regexp, err)
	}
	// Each part alone first, so that an error names the regexp given.
	for _, part := range []string{m.After, m.Before} {
		if part == "" {
			continue
		}
		if _, err := compilePy(part); err != nil {
			return fmt.Errorf("regexp %q: %w", part, err)
		}
	}
	// As ansible: one DOTALL pattern whose subsection group is the text
	// edited (the shortest between after and before).
	switch {
	case m.After != "" && m.Before != "":
		m.pattern = m.After + "(?P<subsection>.*?)" + m.Before
	case m.After != "":
		m.pattern = m.After + "(?P<subsection>.*)"
	case m.Before != "":
		m.pattern = "(?P<subsection>.*)" + m.Before
	}
	if m.pattern != "" {
		if m.section, err = compilePy("(?s)" + m.pattern); err != nil {
			return fmt.Errorf("regexp %q: %w", m.pattern, err)
		}
	}
	if m.ValidateCmd != "" && !strings.Contains(m.ValidateCmd, "%s") {
		return fmt.Errorf("validate must contain %%s: %s", m.ValidateCmd)
	}
	return nil
}

// Run implements Module.
func (m *Replace) Run(ctx context.Context, env *Env) (*Result, error) {
	t := &textEdit{path: m.Path, attrs: &m.FileAttrs, backup: m.Backup, validate: m.ValidateCmd,
		missing: "Path %s does not exist !", backupKey: "backup_file",
		regexps: []*pyre.Regexp{m.re, m.section}}
	t.edit = func(content []byte, exists bool) ([]byte, bool, string, *Result) {
		s := string(content)
		start, end := 0, len(s)
		if m.section != nil {
			loc := m.section.FindStringSubmatchIndex(s)
			if loc == nil {
				msg := "Pattern for before/after params did not match the given file: " + m.pattern
				r := &Result{Msg: msg}
				r.Set("msg", msg)
				return nil, false, "", r
			}
			i := m.section.SubexpIndex("subsection")
			start, end = loc[2*i], loc[2*i+1]
		}
		section := s[start:end]
		var b strings.Builder
		n, last := 0, 0
		for _, loc := range m.re.FindAllStringSubmatchIndex(section, -1) {
			b.WriteString(section[last:loc[0]])
			b.WriteString(expandPy(m.re, m.Replace, section, loc))
			last = loc[1]
			n++
		}
		b.WriteString(section[last:])
		out := s[:start] + b.String() + s[end:]
		if n > 0 && out != s {
			return []byte(out), true, fmt.Sprintf("%d replacements made", n), nil
		}
		return content, false, "", nil
	}
	return t.run(ctx, env)
}

// Slurp returns a host file's content, base64-encoded.
type Slurp struct {
	// Src is the file on the host to read.
	Src string `arg:"src,required,aliases=path"`
}

// Run implements Module.
func (m *Slurp) Run(ctx context.Context, env *Env) (*Result, error) {
	q := connection.Quote(m.Src)
	res, err := hostRun(ctx, env, fmt.Sprintf("[ -e %s ] || { echo missing >&2; exit 3; }\n[ -d %s ] && { echo dir >&2; exit 4; }\n[ -r %s ] || { echo unreadable >&2; exit 5; }\nexec cat -- %s", q, q, q, q), nil)
	if err != nil {
		return nil, err
	}
	switch res.RC {
	case 0:
	case 3:
		return Failf("file not found: %s", m.Src), nil
	case 4:
		return Failf("source is a directory and must be a file: %s", m.Src), nil
	case 5:
		return Failf("file is not readable: %s", m.Src), nil
	default:
		return cmdFailed(res, ""), nil
	}
	r := &Result{}
	r.Set("content", base64.StdEncoding.EncodeToString(res.Stdout)).Set("source", m.Src).Set("encoding", "base64")
	return r, nil
}

var (
	_ Module = (*Replace)(nil)
	_ Module = (*Slurp)(nil)
)
var _ Provisioner = (*Replace)(nil)
