package modules

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/internal/pyre"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.lineinfile", Aliases: []string{"lineinfile"},
		New: func() Module { return &LineInFile{} }, CheckMode: true,
	})
}

// LineInFile makes sure one line is in a file (or is not).
type LineInFile struct {
	FileAttrs
	// Path is the file to edit.
	Path string `arg:"path,required,aliases=dest|destfile|name,path"`
	// State says whether the line is in the file.
	State string `arg:"state,default=present,choices=absent|present"`
	// Regexp finds the line to replace or remove.
	Regexp *string `arg:"regexp,aliases=regex"`
	// SearchString finds the line to replace or remove, literally.
	SearchString *string `arg:"search_string"`
	// Line is the line to put in the file.
	Line *string `arg:"line,aliases=value"`
	// Backrefs expands regexp's groups in line, and leaves the file alone when nothing matches.
	Backrefs bool `arg:"backrefs"`
	// InsertAfter puts a new line after the last line matching this regexp, or at EOF.
	InsertAfter *string `arg:"insertafter"`
	// InsertBefore puts a new line before the last line matching this regexp, or at BOF.
	InsertBefore *string `arg:"insertbefore"`
	// Create creates a missing file.
	Create bool `arg:"create"`
	// Backup keeps a timestamped copy of the old file.
	Backup bool `arg:"backup"`
	// FirstMatch makes insertafter and insertbefore use the first match instead of the last.
	FirstMatch bool `arg:"firstmatch"`
	// ValidateCmd checks the new file before it replaces path; %s is its path.
	ValidateCmd string `arg:"validate"`
	// Others is accepted for compatibility and unused.
	Others string `arg:"others"`

	re, ins *pyre.Regexp
}

// Validate implements Validator.
func (m *LineInFile) Validate() error {
	switch {
	case m.InsertAfter != nil && m.InsertBefore != nil:
		return errors.New("parameters are mutually exclusive: insertbefore|insertafter")
	case m.Regexp != nil && m.SearchString != nil:
		return errors.New("parameters are mutually exclusive: regexp|search_string")
	case m.Backrefs && m.SearchString != nil:
		return errors.New("parameters are mutually exclusive: backrefs|search_string")
	}
	if m.State == "present" {
		if m.Backrefs && m.Regexp == nil {
			return errors.New("regexp is required with backrefs=true")
		}
		if m.Line == nil {
			return errors.New("line is required with state=present")
		}
	} else if m.Regexp == nil && m.SearchString == nil && m.Line == nil {
		return errors.New("one of line, search_string, or regexp is required with state=absent")
	}
	if m.ValidateCmd != "" && !strings.Contains(m.ValidateCmd, "%s") {
		return fmt.Errorf("validate must contain %%s: %s", m.ValidateCmd)
	}
	return nil
}

// Provision implements Provisioner: the regexps compile once.
func (m *LineInFile) Provision() error {
	var err error
	if m.Regexp != nil {
		if m.re, err = compilePy(*m.Regexp); err != nil {
			return fmt.Errorf("regexp: %w", err)
		}
	}
	var ins *string
	if m.InsertAfter != nil && *m.InsertAfter != "EOF" && *m.InsertAfter != "BOF" {
		ins = m.InsertAfter
	} else if m.InsertBefore != nil && *m.InsertBefore != "BOF" {
		ins = m.InsertBefore
	}
	if ins != nil {
		if m.ins, err = compilePy(*ins); err != nil {
			return fmt.Errorf("insertafter/insertbefore: %w", err)
		}
	}
	return nil
}

// compilePy compiles a Python regular expression: RE2 when it can,
// backtracking for backreferences and lookarounds.
func compilePy(s string) (*pyre.Regexp, error) {
	return pyre.Compile(s)
}

// Run implements Module.
func (m *LineInFile) Run(ctx context.Context, env *Env) (*Result, error) {
	r, err := m.run(ctx, env)
	if w := m.emptyWarning(); w != "" && r != nil {
		r.Set("warnings", []any{w})
	}
	return r, err
}

// emptyWarning is ansible's warning for an empty regexp or search_string,
// which matches every line.
func (m *LineInFile) emptyWarning() string {
	name := ""
	switch {
	case m.Regexp != nil && *m.Regexp == "":
		name = "regular expression"
	case m.SearchString != nil && *m.SearchString == "":
		name = "search string"
	default:
		return ""
	}
	msg := "The " + name + " is an empty string, which will match every line in the file. " +
		"This may have unintended consequences, such as replacing the last line in the file rather than appending."
	if name == "regular expression" {
		msg += " If this is desired, use '^' to match every line in the file and avoid this warning."
	}
	return msg
}

func (m *LineInFile) run(ctx context.Context, env *Env) (*Result, error) {
	t := &textEdit{path: m.Path, attrs: &m.FileAttrs, backup: m.Backup, create: m.Create,
		validate: m.ValidateCmd, missing: "Destination %s does not exist !",
		backupKey: "backup", alwaysBackupKey: true, regexps: []*pyre.Regexp{m.re, m.ins}}
	if m.State == "absent" {
		// A missing file is fine: there is no line to remove.
		t.create = true
		found := -1
		t.edit = func(content []byte, exists bool) ([]byte, bool, string, *Result) {
			if !exists {
				r := &Result{Msg: "file not present"}
				r.Set("msg", r.Msg)
				return nil, false, "", r
			}
			out, n := m.absent(content)
			found = n
			if n == 0 {
				return content, false, "", nil
			}
			return out, true, fmt.Sprintf("%d line(s) removed", n), nil
		}
		r, err := t.run(ctx, env)
		if found < 0 {
			return r, err
		}
		if err != nil {
			// found is returned on failure too, as Ansible's module does.
			return nil, &FailError{Msg: err.Error(), Data: value.MapOf("found", found), Err: err}
		}
		return r.Set("found", found), nil
	}
	t.edit = m.present
	return t.run(ctx, env)
}

func (m *LineInFile) matches(line string) bool {
	cur := strings.TrimSuffix(line, "\n")
	switch {
	case m.re != nil:
		return m.re.MatchString(cur)
	case m.SearchString != nil:
		return strings.Contains(line, *m.SearchString)
	}
	return *m.Line == strings.TrimRight(line, "\r\n")
}

func (m *LineInFile) absent(content []byte) ([]byte, int) {
	lines := splitLines(content)
	var kept []string
	found := 0
	for _, l := range lines {
		if m.matches(l) {
			found++
			continue
		}
		kept = append(kept, l)
	}
	return []byte(strings.Join(kept, "")), found
}

func (m *LineInFile) present(content []byte, exists bool) ([]byte, bool, string, *Result) {
	lines := splitLines(content)
	line := *m.Line
	insAfter, insBefore := "", ""
	if m.InsertAfter != nil {
		insAfter = *m.InsertAfter
	}
	if m.InsertBefore != nil {
		insBefore = *m.InsertBefore
	}
	matchIdx, insIdx := -1, -1
	var match []int
	var matchLine string
	if m.re != nil {
		for i, l := range lines {
			cur := strings.TrimSuffix(l, "\n")
			if loc := m.re.FindStringSubmatchIndex(cur); loc != nil {
				matchIdx, match, matchLine = i, loc, cur
				if m.FirstMatch {
					break
				}
			}
		}
	}
	if m.SearchString != nil {
		for i, l := range lines {
			if strings.Contains(l, *m.SearchString) {
				matchIdx, match = i, []int{}
				if m.FirstMatch {
					break
				}
			}
		}
	}
	if match == nil {
		for i, l := range lines {
			if line == strings.TrimRight(l, "\r\n") {
				matchIdx = i
			} else if m.ins != nil && m.ins.MatchString(strings.TrimSuffix(l, "\n")) {
				if insAfter != "" {
					insIdx = i + 1
					if m.FirstMatch {
						break
					}
				}
				if insBefore != "" {
					insIdx = i
					if m.FirstMatch {
						break
					}
				}
			}
		}
	}
	added := func(at int) ([]byte, bool, string, *Result) {
		lines = append(lines[:at], append([]string{line + "\n"}, lines[at:]...)...)
		return []byte(strings.Join(lines, "")), true, "line added", nil
	}
	same := func() ([]byte, bool, string, *Result) { return content, false, "", nil }
	endsNL := func() {
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") && !strings.HasSuffix(lines[n-1], "\r") {
			lines[n-1] += "\n"
		}
	}
	switch {
	case matchIdx != -1:
		newLine := line
		if m.Backrefs && match != nil && m.re != nil {
			newLine = expandPy(m.re, line, matchLine, match)
		}
		if !strings.HasSuffix(newLine, "\n") {
			newLine += "\n"
		}
		if lines[matchIdx] == newLine {
			return same()
		}
		lines[matchIdx] = newLine
		return []byte(strings.Join(lines, "")), true, "line replaced", nil
	case m.Backrefs:
		return same()
	case insBefore == "BOF" || insAfter == "BOF":
		return added(0)
	case insAfter == "EOF" || insIdx == -1:
		endsNL()
		return added(len(lines))
	case insAfter != "":
		if len(lines) == insIdx {
			if strings.TrimRight(lines[insIdx-1], "\r\n") == line {
				return same()
			}
			return added(insIdx)
		}
		if strings.TrimRight(lines[insIdx], "\r\n") == line {
			return same()
		}
		return added(insIdx)
	default:
		return added(insIdx)
	}
}

// expandPy expands a Python re replacement template (\1, \g<1>,
// \g<name>, \n) for one match.
func expandPy(re *pyre.Regexp, tmpl, src string, loc []int) string {
	return re.Expand(tmpl, src, loc)
}

var _ Module = (*LineInFile)(nil)
var _ Validator = (*LineInFile)(nil)
var _ Provisioner = (*LineInFile)(nil)
