package value

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// YAMLError is a problem in YAML text at a 1-based line and column (0 when
// not known). Readers add the file name in front.
type YAMLError struct {
	Line, Col int
	Msg       string
	Syntax    bool // the text does not parse (else the tree is refused)
}

func (e *YAMLError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Decoder reads the documents of one YAML text. Unlike yaml.v3's, its
// syntax errors are *YAMLError at the line and column PyYAML (so Ansible)
// reports, and a document with runaway or recursive aliases is refused
// (CheckAliases), so that walking it can neither exhaust memory nor loop.
type Decoder struct {
	data []byte
	dec  *yaml.Decoder
}

// NewDecoder reads data, one document per Decode.
func NewDecoder(data []byte) *Decoder {
	return &Decoder{data: data, dec: yaml.NewDecoder(bytes.NewReader(data))}
}

// Decode reads the next document into n; io.EOF after the last one.
func (d *Decoder) Decode(n *yaml.Node) error {
	if err := d.dec.Decode(n); err != nil {
		if errors.Is(err, io.EOF) {
			return err
		}
		return syntaxError(d.data, err)
	}
	return CheckAliases(n)
}

// ParseYAML reads the first document of data as yaml.Unmarshal does (an
// empty text gives a zero node), with Decoder's errors and checks.
func ParseYAML(data []byte) (*yaml.Node, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, syntaxError(data, err)
	}
	if err := CheckAliases(&n); err != nil {
		return nil, err
	}
	return &n, nil
}

var reYAMLErr = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// problemOf strips yaml.v3's "yaml: line N: " from err. That line is not
// where the problem is: for parser errors yaml.v3 prints the 0-based line
// of the construct being parsed (the line above it), or of the problem
// when that construct starts on the first line; only scanner errors get a
// 1-based line, and none on the first line.
func problemOf(err error) (msg string, line int) {
	s := err.Error()
	if m := reYAMLErr.FindStringSubmatch(s); m != nil {
		line, _ = strconv.Atoi(m[1])
		s = s[len(m[0]):]
	}
	return s, line
}

// maxLocate bounds the texts whose errors are located by re-parsing: the
// search costs some 100 parses of the text.
const maxLocate = 16 << 20

func syntaxError(data []byte, err error) *YAMLError {
	msg, line := problemOf(err)
	e := &YAMLError{Line: line, Msg: msg, Syntax: true}
	if len(data) <= maxLocate {
		if off, ok := locate(data, msg); ok {
			e.Line, e.Col = lineCol(data, off)
		}
	}
	return e
}

// problemIn parses every document of b and gives the first problem, ""
// if there is none.
func problemIn(b []byte) string {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			msg, _ := problemOf(err)
			return msg
		}
	}
}

// probes are texts appended to a prefix that fails, to tell a problem
// inside the prefix (the same error whatever follows) from one the cut
// itself made (an unclosed "[" at the end of the text): they close an
// open flow collection. They follow a line break so that the last token
// of the prefix stays what it is; a plain scalar there would not do, as
// block context takes it for a key missing its ':'.
var probes = []string{"\n]", "\n}"}

// locate finds the byte offset at which yaml.v3, reading data, meets the
// problem msg, by re-parsing prefixes: the shortest prefix that fails with
// msg, whatever is appended to it, ends at the problem (PyYAML's
// problem_mark; both are ports of libyaml). Lines are searched first,
// then the bytes of the line.
func locate(data []byte, msg string) (int, bool) {
	if problemIn(data) != msg {
		return 0, false
	}
	if strings.Contains(msg, "end of stream") {
		return len(data), true
	}
	// A key left without its ':' is only found stale once the scanner has
	// moved past it; every cut from the key on fails so, at its end. The
	// search finds the key, keyEnd the token libyaml marks.
	missingColon := msg == "could not find expected ':'"
	ps := probes
	if missingColon {
		ps = nil
	}
	fails := prefixFails(data, msg, ps)
	if !fails(len(data)) {
		// The whole text fails only because it ends: the problem is
		// its end, as PyYAML marks it.
		return len(data), true
	}
	start, b := shortestFailingCut(data, fails)
	off := b - 1 // the last character of the shortest failing cut
	for off > start && !utf8.RuneStart(data[off]) {
		off--
	}
	if missingColon {
		return keyEnd(data, start, off), true
	}
	return markFor(data, msg, start, off, b), true
}

// prefixFails returns a test of whether the prefix data[:k] fails with msg
// whatever of probes is appended to it.
func prefixFails(data []byte, msg string, probes []string) func(k int) bool {
	buf := make([]byte, 0, len(data)+4)
	return func(k int) bool {
		if problemIn(data[:k]) != msg {
			return false
		}
		for _, p := range probes {
			buf = append(append(buf[:0], data[:k]...), p...)
			if problemIn(buf) != msg {
				return false
			}
		}
		return true
	}
}

// shortestFailingCut finds the shortest prefix data[:b] that fails, given
// that the whole does, and the start of its line: a binary search over
// line ends first, then over the (rune-aligned) bytes of that line.
func shortestFailingCut(data []byte, fails func(int) bool) (start, b int) {
	ends := lineEnds(data)
	lo, hi := 0, len(ends)-1 // the first failing line end is in ends[lo..hi]
	for lo < hi {
		if mid := (lo + hi) / 2; fails(ends[mid]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo > 0 {
		start = ends[lo-1]
	}
	a, b := start+1, ends[lo] // the first failing cut is in [a, b]
	for a < b {
		mid := (a + b) / 2
		for mid < b && !utf8.RuneStart(data[mid]) {
			mid++
		}
		if mid < b && fails(mid) {
			b = mid
		} else {
			a = mid + 1
		}
	}
	return start, b
}

// lineEnds is the offsets just past each line of data, the last line's
// end being len(data) whether or not it ends with a newline.
func lineEnds(data []byte) []int {
	var ends []int
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	return ends
}

// markFor moves off, the last character of the shortest failing cut
// data[:b] in the line from start, to where libyaml marks the problem msg.
func markFor(data []byte, msg string, start, off, b int) int {
	if msg == "did not find expected alphabetic or numeric character" {
		// an anchor or alias name: libyaml marks the character after
		// the '&' or '*', which the cut leaves out
		off = b
	}
	if data[min(off, len(data)-1)] == ':' && blockParserError(msg) {
		off = keyStart(data, start, off)
	}
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		// the cut ends with the alias's name; PyYAML marks its '*'
		name = strings.TrimSuffix(name, "' referenced")
		if s := b - len(name) - 1; s >= start && data[s] == '*' {
			off = s
		}
	}
	return off
}

// keyEnd is where the scanner goes on after a key that starts at key and
// has no ':': past the key's plain scalar, which goes on over the lines
// indented deeper than the key (and blank ones) unless a comment ends it,
// and past blanks and comments to the next token.
func keyEnd(data []byte, ls, key int) int {
	eol := bytes.IndexByte(data[key:], '\n')
	if eol < 0 {
		return len(data)
	}
	off := key + eol + 1
	if bytes.Contains(data[key:off], []byte(" #")) {
		return nextToken(data, off)
	}
	for off < len(data) {
		line := data[off:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		body := bytes.TrimLeft(line, " ")
		indent := len(line) - len(body)
		blank := len(bytes.TrimSpace(body)) == 0
		if !blank && (indent <= key-ls || body[0] == '#') {
			break
		}
		// a continuation line: ": " ends the scalar, and the scanner
		// stops at that ':'; so does a comment
		for i := indent; i < len(line); i++ {
			if line[i] == ':' && (i+1 == len(line) || isBlank(line[i+1])) {
				return off + i
			}
			if line[i] == '#' && isBlank(line[i-1]) {
				return nextToken(data, off+len(line))
			}
		}
		off += len(line)
	}
	return nextToken(data, off)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// nextToken skips blanks, line breaks and comments from off.
func nextToken(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\n', '\r':
			off++
		case '#':
			for off < len(data) && data[off] != '\n' {
				off++
			}
		default:
			return off
		}
	}
	return off
}

// blockParserError tells the parser's errors about block structure, whose
// offending token may be an implicit key.
func blockParserError(msg string) bool {
	switch msg {
	case "did not find expected key", "did not find expected '-' indicator",
		"did not find expected node content", "did not find expected <document start>":
		return true
	}
	return false
}

// keyStart: when the cut that makes a parser error ends at a ':', the token
// the parser refused is the implicit key before it (the scanner only knows
// it is a key once it sees the ':'), and libyaml marks its first
// character: past the indentation and the "- " and "? " indicators of its
// line (an anchor or tag in front belongs to the key).
func keyStart(data []byte, ls, colon int) int {
	i := ls
	for i < colon {
		switch {
		case data[i] == ' ' || data[i] == '\t':
			i++
		case (data[i] == '-' || data[i] == '?') && i+1 < colon && (data[i+1] == ' ' || data[i+1] == '\t'):
			i += 2
		default:
			return i
		}
	}
	return colon
}

// lineCol turns a byte offset into libyaml's 1-based line and column: a
// column counts characters, "\r\n" is one line break.
func lineCol(data []byte, off int) (line, col int) {
	line, ls := 1, 0
	for i := 0; i < off && i < len(data); i++ {
		switch data[i] {
		case '\n':
			line, ls = line+1, i+1
		case '\r':
			if i+1 >= len(data) || data[i+1] != '\n' {
				line, ls = line+1, i+1
			}
		}
	}
	return line, utf8.RuneCount(data[ls:min(off, len(data))]) + 1
}
