package templates

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/fjord-run/fjord/value"
)

func yamlDecode(s string) (any, error) {
	n, err := value.ParseYAML([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("from_yaml: %v", err)
	}
	if n.Kind == 0 {
		return nil, nil
	}
	return value.FromNode(n)
}

func yamlDecodeAll(s string) (any, error) {
	dec := value.NewDecoder([]byte(s))
	out := []any{}
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("from_yaml_all: %v", err)
		}
		v, err := value.FromNode(&n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

type yamlOpts struct {
	indent     int
	flowLeaves bool // PyYAML's default_flow_style=None
	sortKeys   bool
	width      int
	// literal says how a string holding a line break is written: as a
	// literal block ("|"), after the clean-up its mode names.
	literal literalMode
}

// literalMode is how a dumper of Ansible's callbacks represents a string
// with a line break: PyYAML is asked for a literal block, which it writes
// when the (cleaned) text allows one, and double-quoted otherwise.
type literalMode int

const (
	literalOff       literalMode = iota
	literalCommunity             // community.general.yaml: trailing spaces, tabs, unprintables cleaned away
	literalLossy                 // ansible's result_format=yaml, pretty: trailing spaces and tabs cleaned away
	literalStrict                // result_format=yaml, not pretty: the text as it is
)

// CallbackYAML is v as the yaml stdout callback (community.general.yaml)
// dumps a result: PyYAML's block style, keys sorted, lines up to 1000
// columns, and a string with a line break as a literal block, its
// trailing spaces, tabs and unprintable characters cleaned away first.
func CallbackYAML(v any) (string, error) {
	return yamlEncode(v, yamlOpts{indent: 2, sortKeys: true, width: 1000, literal: literalCommunity})
}

// ResultYAML is v as ansible-core's callbacks dump a result with
// result_format=yaml: indent spaces per level, keys sorted, 80 columns,
// strings with a line break as literal blocks; pretty (pretty_results,
// on by default) trims trailing spaces and expands tabs to get them.
func ResultYAML(v any, indent int, pretty bool) (string, error) {
	mode := literalStrict
	if pretty {
		mode = literalLossy
	}
	return yamlEncode(v, yamlOpts{indent: indent, sortKeys: true, width: 80, literal: mode})
}

// blockChars make Ansible's dumpers ask for a literal block.
const blockChars = "\n\r\x1c\x1d\x1e\u0085\u2028\u2029"

// isPyBreak is a line break to PyYAML's emitter.
func isPyBreak(r rune) bool { return r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029 }

// blockAllowed is PyYAML's analyze_scalar(s).allow_block (allow_unicode
// on): no unprintable character, no space before a line break, no
// trailing space, and not empty.
func blockAllowed(s string) bool {
	if s == "" || strings.HasSuffix(s, " ") {
		return false
	}
	prevSpace := false
	for _, r := range s {
		printable := r == '\n' || r >= 0x20 && r <= 0x7e || r == 0x85 || r >= 0xa0 && r <= 0xd7ff ||
			r >= 0xe000 && r <= 0xfffd || r >= 0x10000 && r <= 0x10ffff
		if !printable || r == 0xfeff || prevSpace && isPyBreak(r) {
			return false
		}
		prevSpace = r == ' '
	}
	return true
}

// expandTabs is Python's str.expandtabs(): tabs to the next multiple of
// 8 on their line.
func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case '\n', '\r':
			b.WriteRune(r)
			col = 0
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

// pyRstrip is Python's str.rstrip(): its whitespace includes \x1c-\x1f.
func pyRstrip(s string) string {
	return strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f })
}

var spaceBreak = regexp.MustCompile(` +([\n\r])`)

// literalBlock is the represent_scalar of Ansible's dumpers for a string
// holding a line break: the text cleaned as the mode says, as a literal
// block at indentation ind when PyYAML allows one, else double-quoted.
func (e *yamlEnc) literalBlock(s string, ind int) string {
	switch e.o.literal {
	case literalCommunity:
		var b strings.Builder
		for _, r := range pyRstrip(s) {
			// string.printable, or past Latin-1's control characters
			if r >= 0x20 && r < 0x7f || r >= 0xa0 || r == '\t' || r == '\n' || r == '\r' || r == '\x0b' || r == '\x0c' {
				b.WriteRune(r)
			}
		}
		s = strings.NewReplacer("\x0b", "", "\x0c", "", "\r", "").Replace(expandTabs(b.String()))
		s = trailingSpaces.ReplaceAllString(s, "\n")
	case literalLossy:
		s = spaceBreak.ReplaceAllString(expandTabs(pyRstrip(s)), "$1")
	}
	if !blockAllowed(s) {
		return yamlDoubleQuote(s)
	}
	// PyYAML's determine_block_hints: an indentation indicator when the
	// text starts with a space or break, then the chomping indicator.
	hints := ""
	if s[0] == ' ' || s[0] == '\n' {
		hints = strconv.Itoa(e.o.indent)
	}
	body := s
	switch {
	case !strings.HasSuffix(s, "\n"):
		hints += "-"
	case len(s) == 1 || strings.HasSuffix(s, "\n\n"):
		hints += "+"
		body = s[:len(s)-1]
	default:
		body = s[:len(s)-1]
	}
	out := "|" + hints
	for _, l := range strings.Split(body, "\n") {
		out += "\n"
		if l != "" {
			out += strings.Repeat(" ", ind) + l
		}
	}
	return out
}

var trailingSpaces = regexp.MustCompile(` +\n`)

// yamlEncode writes YAML the way PyYAML's dump does (Ansible's to_yaml and
// to_nice_yaml), so that rendered files match byte for byte.
func yamlEncode(v any, o yamlOpts) (string, error) {
	if o.indent < 2 || o.indent > 9 {
		o.indent = 2
	}
	e := &yamlEnc{o: o}
	if err := e.node(v, 0, false); err != nil {
		return "", err
	}
	out := e.b.String()
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	// A lone plain scalar document ends with "...".
	switch plain(v).(type) {
	case string, int, float64, bool, nil:
		if !strings.HasPrefix(out, "'") && !strings.HasPrefix(out, "\"") && !strings.Contains(strings.TrimSuffix(out, "\n"), "\n") {
			out += "...\n"
		}
	}
	return out, nil
}

type yamlEnc struct {
	b   strings.Builder
	o   yamlOpts
	col int
}

func (e *yamlEnc) write(s string) {
	e.b.WriteString(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		e.col = len(s) - i - 1
	} else {
		e.col += len(s)
	}
}

func isScalar(v any) bool {
	switch plain(v).(type) {
	case []any, value.Getter:
		return false
	}
	return true
}

func (e *yamlEnc) keys(m value.Getter) []string {
	ks := append([]string(nil), m.Keys()...)
	if _, ordered := m.(*value.Map); e.o.sortKeys || !ordered {
		sort.Strings(ks)
	}
	return ks
}

func (e *yamlEnc) isFlowLeaf(v any) bool {
	if !e.o.flowLeaves {
		return false
	}
	switch x := plain(v).(type) {
	case []any:
		for _, c := range x {
			if !isScalar(c) {
				return false
			}
		}
		return true
	case value.Getter:
		for _, k := range x.Keys() {
			c, _ := x.Get(k)
			if !isScalar(c) {
				return false
			}
		}
		return true
	}
	return false
}

// node writes v at indentation ind; inSeq says v follows "- ".
func (e *yamlEnc) node(v any, ind int, inSeq bool) error {
	v = plain(v)
	if u, ok := v.(*undefined); ok {
		return u.err
	}
	if e.isFlowLeaf(v) {
		return e.flow(v, ind)
	}
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			e.write("[]\n")
			return nil
		}
		for i, c := range x {
			if i > 0 || !inSeq {
				if e.col != 0 {
					e.write("\n")
				}
				e.write(strings.Repeat(" ", ind))
			}
			e.write("-")
			if isBlockCollection(c, e) {
				// PyYAML pads a block collection item to the next indent.
				e.write(strings.Repeat(" ", e.o.indent-1))
			} else {
				e.write(" ")
			}
			if err := e.seqItem(c, ind+e.o.indent); err != nil {
				return err
			}
		}
		return nil
	case value.Getter:
		ks := e.keys(x)
		if len(ks) == 0 {
			e.write("{}\n")
			return nil
		}
		for i, k := range ks {
			if i > 0 || !inSeq {
				if e.col != 0 {
					e.write("\n")
				}
				e.write(strings.Repeat(" ", ind))
			}
			e.write(e.scalar(k, ind, true) + ":")
			c, _ := x.Get(k)
			c = plain(c)
			switch cv := c.(type) {
			case []any:
				if len(cv) == 0 || e.isFlowLeaf(cv) {
					e.write(" ")
					if err := e.node(cv, ind+e.o.indent, false); err != nil {
						return err
					}
					continue
				}
				e.write("\n")
				// PyYAML does not indent a sequence inside a mapping.
				if err := e.node(cv, ind, false); err != nil {
					return err
				}
			case value.Getter:
				if len(cv.Keys()) == 0 || e.isFlowLeaf(cv) {
					e.write(" ")
					if err := e.node(cv, ind+e.o.indent, false); err != nil {
						return err
					}
					continue
				}
				e.write("\n")
				if err := e.node(cv, ind+e.o.indent, false); err != nil {
					return err
				}
			default:
				e.write(" ")
				if err := e.node(cv, ind+e.o.indent, false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	e.write(e.scalar(v, ind, false) + "\n")
	return nil
}

func (e *yamlEnc) seqItem(c any, ind int) error {
	c = plain(c)
	switch cv := c.(type) {
	case []any:
		if len(cv) > 0 && !e.isFlowLeaf(cv) {
			return e.node(cv, ind, true)
		}
	case value.Getter:
		if len(cv.Keys()) > 0 && !e.isFlowLeaf(cv) {
			return e.node(cv, ind, true)
		}
	}
	return e.node(c, ind, true)
}

func (e *yamlEnc) flow(v any, ind int) error {
	var b strings.Builder
	switch x := plain(v).(type) {
	case []any:
		b.WriteByte('[')
		for i, c := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.flowScalar(c, ind))
		}
		b.WriteByte(']')
	case value.Getter:
		b.WriteByte('{')
		for i, k := range e.keys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			c, _ := x.Get(k)
			b.WriteString(e.flowScalar(k, ind) + ": " + e.flowScalar(c, ind))
		}
		b.WriteByte('}')
	}
	e.write(b.String() + "\n")
	return nil
}
