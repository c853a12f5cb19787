package modules

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/internal/pyre"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.blockinfile", Aliases: []string{"blockinfile"},
		New: func() Module { return &BlockInFile{} }, CheckMode: true,
	})
}

// BlockInFile keeps a block of lines between marker lines in a file.
type BlockInFile struct {
	FileAttrs
	// Path is the file to edit.
	Path string `arg:"path,required,aliases=dest|destfile|name,path"`
	// State says whether the block is in the file.
	State string `arg:"state,default=present,choices=absent|present"`
	// Marker is the marker line template; {mark} becomes marker_begin or marker_end.
	Marker string `arg:"marker,default=# {mark} ANSIBLE MANAGED BLOCK"`
	// Block is the text between the markers.
	Block string `arg:"block,aliases=content"`
	// InsertAfter puts a new block after the last line matching this regexp, or at EOF.
	InsertAfter *string `arg:"insertafter"`
	// InsertBefore puts a new block before the last line matching this regexp, or at BOF.
	InsertBefore *string `arg:"insertbefore"`
	// Create creates a missing file.
	Create bool `arg:"create"`
	// Backup keeps a timestamped copy of the old file.
	Backup bool `arg:"backup"`
	// MarkerBegin replaces {mark} in the opening marker.
	MarkerBegin string `arg:"marker_begin,default=BEGIN"`
	// MarkerEnd replaces {mark} in the closing marker.
	MarkerEnd string `arg:"marker_end,default=END"`
	// ValidateCmd checks the new file before it replaces path; %s is its path.
	ValidateCmd string `arg:"validate"`

	ins *pyre.Regexp
}

// Validate implements Validator.
func (m *BlockInFile) Validate() error {
	if m.InsertAfter != nil && m.InsertBefore != nil {
		return errors.New("parameters are mutually exclusive: insertafter|insertbefore")
	}
	if m.ValidateCmd != "" && !strings.Contains(m.ValidateCmd, "%s") {
		return fmt.Errorf("validate must contain %%s: %s", m.ValidateCmd)
	}
	return nil
}

// Provision implements Provisioner: insertafter/insertbefore compiles once.
func (m *BlockInFile) Provision() error {
	var ins *string
	if m.InsertAfter != nil && *m.InsertAfter != "EOF" {
		ins = m.InsertAfter
	} else if m.InsertBefore != nil && *m.InsertBefore != "BOF" {
		ins = m.InsertBefore
	}
	if ins != nil {
		var err error
		if m.ins, err = compilePy(*ins); err != nil {
			return fmt.Errorf("insertafter/insertbefore: %w", err)
		}
	}
	return nil
}

// Run implements Module.
func (m *BlockInFile) Run(ctx context.Context, env *Env) (*Result, error) {
	t := &textEdit{path: m.Path, attrs: &m.FileAttrs, backup: m.Backup, create: m.Create,
		validate: m.ValidateCmd, missing: "Path %s does not exist !", backupKey: "backup_file",
		edit: m.edit, regexps: []*pyre.Regexp{m.ins}}
	return t.run(ctx, env)
}

// splitPyLines splits as Python's str.splitlines: on \n, \r\n and \r, the
// separators dropped.
func splitPyLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return out
}

func (m *BlockInFile) edit(content []byte, exists bool) ([]byte, bool, string, *Result) {
	original := string(content)
	lines := splitPyLinesKeep(original)
	marker0 := strings.ReplaceAll(m.Marker, "{mark}", m.MarkerBegin) + "\n"
	marker1 := strings.ReplaceAll(m.Marker, "{mark}", m.MarkerEnd) + "\n"
	var block []string
	if m.State == "present" && m.Block != "" {
		// The block's lines keep their own endings (a \r\n stays); only
		// a missing final newline is added, as ansible does.
		b := m.Block
		if !strings.HasSuffix(b, "\n") {
			b += "\n"
		}
		block = append(block, marker0)
		block = append(block, splitPyLinesKeep(b)...)
		block = append(block, marker1)
	}
	n0, n1 := -1, -1
	for i, l := range lines {
		if l == marker0 {
			n0 = i
		}
		if l == marker1 {
			n1 = i
		}
	}
	switch {
	case n0 < 0 || n1 < 0:
		n0 = -1
		switch {
		case m.ins != nil && strings.HasPrefix(m.ins.String(), "(?m)"):
			// A MULTILINE regexp searches the whole file; the block goes
			// at the line of the match's end (after) or start (before).
			if loc := m.ins.FindStringIndex(original); loc != nil {
				if m.InsertAfter != nil {
					n0 = strings.Count(original[:loc[1]], "\n") + 1
				} else {
					n0 = strings.Count(original[:loc[0]], "\n")
				}
			} else {
				n0 = len(lines)
			}
		case m.ins != nil:
			for i, l := range lines {
				if m.ins.MatchString(strings.TrimSuffix(l, "\n")) {
					n0 = i
				}
			}
			if n0 < 0 {
				n0 = len(lines)
			} else if m.InsertAfter != nil {
				n0++
			}
		case m.InsertBefore != nil:
			n0 = 0
		default:
			n0 = len(lines)
		}
	case n0 < n1:
		lines = append(lines[:n0], lines[n1+1:]...)
	default:
		lines = append(lines[:n1], lines[n0+1:]...)
		n0 = n1
	}
	// The line before the block must end, or the block's first marker
	// would join it.
	if n0 > 0 && !strings.HasSuffix(lines[n0-1], "\n") {
		lines[n0-1] += "\n"
	}
	lines = append(lines[:n0], append(block, lines[n0:]...)...)
	result := strings.Join(lines, "")
	switch {
	case exists && result == original:
		return content, false, "", nil
	case !exists:
		return []byte(result), true, "File created", nil
	case len(block) == 0:
		return []byte(result), true, "Block removed", nil
	}
	return []byte(result), true, "Block inserted", nil
}

// splitPyLinesKeep is Python's str.splitlines(True): lines keep their
// \n, \r\n or \r.
func splitPyLinesKeep(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			out = append(out, s)
			break
		}
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

var _ Module = (*BlockInFile)(nil)
var _ Validator = (*BlockInFile)(nil)
var _ Provisioner = (*BlockInFile)(nil)
