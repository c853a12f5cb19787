package templates

// The encoder's scalars: how a string is written plain, quoted or folded
// (PyYAML's rules, as ansible's yaml output uses them).

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

func (e *yamlEnc) flowScalar(v any, ind int) string {
	s := e.scalar(v, ind, true)
	if str, ok := asString(v); ok && !strings.HasPrefix(s, "'") && !strings.HasPrefix(s, "\"") && strings.ContainsAny(str, ",[]{}") {
		return yamlSingleQuote(str)
	}
	return s
}

var yamlSpecialPlain = regexp.MustCompile(`^(?i:yes|no|true|false|on|off|null|~)$|^[-+]?(\d[\d_]*)?\.?\d[\d_]*([eE][-+]?\d+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$|^0x[0-9a-fA-F_]+$|^0o?[0-7_]+$|^0b[01_]+$|^[-+]?[1-9][\d_]*(:[0-5]?\d)+(\.\d*)?$|^[-+]?\d[\d_]*(:[0-5]?\d)+\.[\d_]*$|^\d{4}-\d\d?-\d\d?([Tt ].*)?$|^[-+]?\d+\.$|^=$|^<<$`)

func (e *yamlEnc) scalar(v any, ind int, key bool) string {
	switch x := plain(v).(type) {
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int:
		return strconv.Itoa(x)
	case float64:
		switch {
		case math.IsNaN(x):
			return ".nan"
		case math.IsInf(x, 1):
			return ".inf"
		case math.IsInf(x, -1):
			return "-.inf"
		}
		s := value.FormatFloat(x)
		if strings.Contains(s, "e") && !strings.Contains(s, ".") {
			i := strings.IndexByte(s, 'e')
			s = s[:i] + ".0" + s[i:]
		}
		return s
	case string:
		return e.yamlString(x, ind, key)
	}
	s, _ := toStr(v)
	return e.yamlString(s, ind, key)
}

func (e *yamlEnc) yamlString(s string, ind int, key bool) string {
	if e.o.literal != literalOff && !key && strings.ContainsAny(s, blockChars) {
		return e.literalBlock(s, ind)
	}
	if s == "" {
		return "''"
	}
	if yamlNeedsDouble(s) {
		return yamlDoubleQuote(s)
	}
	if strings.Contains(s, "\n") {
		if key {
			return yamlDoubleQuote(s)
		}
		return e.foldSingle(s, ind)
	}
	if yamlPlainOK(s) {
		return e.fold(s, ind, false)
	}
	return e.fold(s, ind, true)
}

func yamlNeedsDouble(s string) bool {
	for _, r := range s {
		// a tab is not printable to PyYAML's emitter either: "a\tb"
		if r < 0x20 && r != '\n' || r == 0x7f || r == 0xfeff || r >= 0x80 && r < 0xa0 {
			return true
		}
	}
	return false
}

func yamlPlainOK(s string) bool {
	if yamlSpecialPlain.MatchString(s) {
		return false
	}
	if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.ContainsAny(s, "\t") {
		return false
	}
	if strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`", rune(s[0])) {
		if !(s[0] == '-' || s[0] == '?' || s[0] == ':') || len(s) == 1 || s[1] == ' ' {
			return false
		}
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	return true
}

func yamlSingleQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// fold writes a plain or single-quoted scalar, breaking at a single space
// once past the line width, as PyYAML does.
func (e *yamlEnc) fold(s string, ind int, quoted bool) string {
	if quoted {
		s = strings.ReplaceAll(s, "'", "''")
	}
	var b strings.Builder
	col := e.col
	if quoted {
		b.WriteByte('\'')
		col++
	}
	words := strings.Split(s, " ")
	for i, w := range words {
		if i > 0 {
			if col > e.o.width && w != "" && words[i-1] != "" {
				b.WriteString("\n" + strings.Repeat(" ", ind))
				col = ind
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(w)
		col += len(w)
	}
	if quoted {
		b.WriteByte('\'')
	}
	return b.String()
}

func (e *yamlEnc) foldSingle(s string, ind int) string {
	var b strings.Builder
	b.WriteByte('\'')
	lines := strings.Split(strings.ReplaceAll(s, "'", "''"), "\n")
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\n")
			if i == 1 {
				b.WriteString("\n")
			}
			if l != "" || i == len(lines)-1 {
				b.WriteString(strings.Repeat(" ", ind))
			}
		}
		b.WriteString(l)
	}
	b.WriteByte('\'')
	return b.String()
}

func yamlDoubleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\0`)
		default:
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
				fmt.Fprintf(&b, `\x%02X`, r)
			} else if r == 0xfeff {
				b.WriteString(`\uFEFF`)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func isBlockCollection(v any, e *yamlEnc) bool {
	switch x := plain(v).(type) {
	case []any:
		return len(x) > 0 && !e.isFlowLeaf(x)
	case value.Getter:
		return len(x.Keys()) > 0 && !e.isFlowLeaf(x)
	}
	return false
}
