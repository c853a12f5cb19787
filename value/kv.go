package value

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseKV reads "k=v k2='v 2'" as Ansible's parse_kv does (check_raw
// off): arguments are split by SplitArgs, escapes decoded, a value's outer
// quotes removed; values stay strings. Words without an "=" are joined into
// "_raw_params", as Ansible does.
func ParseKV(s string) ([][2]string, error) { return parseKV(s, nil) }

// ParseKVRaw is parse_kv with check_raw, for free-form actions (command,
// shell, ...): only the keys in options are split out; every other word,
// k=v or not, stays in "_raw_params" as written.
func ParseKVRaw(s string, options map[string]bool) ([][2]string, error) {
	if options == nil {
		options = map[string]bool{}
	}
	return parseKV(s, options)
}

// ParseKVRest is ParseKV with the words that are not k=v returned apart,
// joined, as rest (a free-form part such as with_subelements' flags).
func ParseKVRest(s string) (kv [][2]string, rest string, err error) {
	kv, err = ParseKV(s)
	if err != nil {
		return nil, "", err
	}
	kv, rest = takeRaw(kv)
	return kv, rest, nil
}

// SplitFreeForm takes the options a free-form module knows out of s
// (ParseKVRaw) and leaves the rest of the string as written, without
// surrounding blanks; a final newline stays, as in ansible (a shell
// block's cmd ends with it).
func SplitFreeForm(s string, options map[string]bool) (raw string, kv [][2]string, err error) {
	kv, err = ParseKVRaw(s, options)
	if err != nil {
		return "", nil, err
	}
	kv, raw = takeRaw(kv)
	return strings.Trim(raw, " \t"), kv, nil
}

// takeRaw separates _raw_params, always last, from the options.
func takeRaw(kv [][2]string) ([][2]string, string) {
	if n := len(kv); n > 0 && kv[n-1][0] == "_raw_params" {
		return kv[:n-1], kv[n-1][1]
	}
	return kv, ""
}

func parseKV(s string, options map[string]bool) ([][2]string, error) {
	words, err := SplitArgs(s)
	if err != nil {
		return nil, err
	}
	var kv [][2]string
	var raw []string
	for _, orig := range words {
		x, err := DecodeEscapes(orig)
		if err != nil {
			return nil, err
		}
		pos := unescapedEquals(x)
		if pos < 0 {
			if strings.Contains(x, "=") {
				raw = append(raw, strings.ReplaceAll(x, `\=`, "="))
			} else {
				raw = append(raw, orig)
			}
			continue
		}
		if options != nil && !options[x[:pos]] {
			raw = append(raw, orig)
			continue
		}
		kv = append(kv, [2]string{strings.TrimSpace(x[:pos]), kvUnquote(strings.TrimSpace(x[pos+1:]))})
	}
	if len(raw) > 0 {
		kv = append(kv, [2]string{"_raw_params", joinArgs(raw)})
	}
	return kv, nil
}

// joinArgs is Ansible's join_args: words joined by a space, none after a
// newline.
func joinArgs(words []string) string {
	var b strings.Builder
	for _, w := range words {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// unescapedEquals is the index of the first "=" past index 0 not preceded
// by a backslash, or -1 (Ansible's search starts at 1: a leading "=" never
// splits).
func unescapedEquals(x string) int {
	for pos := 1; pos < len(x); pos++ {
		if x[pos] == '=' && x[pos-1] != '\\' {
			return pos
		}
	}
	return -1
}

func kvQuoted(s string) bool {
	return len(s) > 1 && s[0] == s[len(s)-1] && (s[0] == '"' || s[0] == '\'') && s[len(s)-2] != '\\'
}

func kvUnquote(s string) string {
	if kvQuoted(s) {
		return s[1 : len(s)-1]
	}
	return s
}

// SplitArgs is Ansible's split_args: split on spaces and newlines, but keep
// quoted strings and jinja2 blocks ({{ }}, {% %}, {# #}) in one piece. Quotes
// are kept in the words.
func SplitArgs(args string) ([]string, error) {
	var params []string
	var quote byte
	printDepth, blockDepth, commentDepth := 0, 0, 0
	items := strings.Split(args, "\n")
	for itemIdx, item := range items {
		tokens := strings.Split(item, " ")
		lineContinuation := false
		for idx, token := range tokens {
			inJinja := printDepth > 0 || blockDepth > 0 || commentDepth > 0
			if token == "" && idx != 0 {
				if len(params) == 0 {
					return nil, fmt.Errorf("unable to parse argument string")
				}
				params[len(params)-1] += " "
				continue
			}
			if token == `\` && quote == 0 {
				lineContinuation = true
				continue
			}
			wasInQuotes := quote != 0
			quote = quoteState(token, quote)
			inQuotes := quote != 0
			appended := false
			switch {
			case inQuotes && !wasInQuotes && !inJinja:
				params = append(params, token)
				appended = true
			case inJinja || inQuotes || wasInQuotes:
				if len(params) == 0 {
					return nil, fmt.Errorf("unable to parse argument string")
				}
				last := &params[len(params)-1]
				switch {
				case idx == 0 && wasInQuotes:
					*last += token
				case len(tokens) > 1:
					if idx > 0 {
						*last += " "
					}
					*last += token
				default:
					*last += "\n" + token
				}
				appended = true
			}
			for _, d := range []struct {
				depth       *int
				open, close string
			}{{&printDepth, "{{", "}}"}, {&blockDepth, "{%", "%}"}, {&commentDepth, "{#", "#}"}} {
				prev := *d.depth
				*d.depth = jinjaDepth(token, prev, d.open, d.close)
				if *d.depth != prev && !appended {
					params = append(params, token)
					appended = true
				}
			}
			if printDepth == 0 && blockDepth == 0 && commentDepth == 0 && quote == 0 && !appended && token != "" {
				params = append(params, token)
			}
		}
		if len(items) > 1 && itemIdx != len(items)-1 && !lineContinuation && len(params) > 0 {
			params[len(params)-1] += "\n"
		}
	}
	if printDepth > 0 || blockDepth > 0 || commentDepth > 0 || quote != 0 {
		return nil, fmt.Errorf("failed at splitting arguments, either an unbalanced jinja2 block or quotes: %s", args)
	}
	return params, nil
}

func quoteState(token string, quote byte) byte {
	for i := 0; i < len(token); i++ {
		c := token[i]
		if (c == '"' || c == '\'') && (i == 0 || token[i-1] != '\\') {
			switch {
			case quote == 0:
				quote = c
			case c == quote:
				quote = 0
			}
		}
	}
	return quote
}

func jinjaDepth(token string, depth int, open, close string) int {
	o, c := strings.Count(token, open), strings.Count(token, close)
	if o != c {
		depth += o - c
		if depth < 0 {
			depth = 0
		}
	}
	return depth
}

// escapeRE is ansible-core 2.14's _ESCAPE_SEQUENCE_RE: hex digits only,
// no octal.
var escapeRE = regexp.MustCompile(`\\U[a-fA-F0-9]{8}|\\u[a-fA-F0-9]{4}|\\x[a-fA-F0-9]{2}|\\N\{[^}]+\}|\\[\\'"abfnrtv]`)

// DecodeEscapes decodes Python escape sequences as Ansible's
// _decode_escapes does; \N{NAME} is left as written.
func DecodeEscapes(s string) (string, error) {
	var bad error
	out := escapeRE.ReplaceAllStringFunc(s, func(m string) string {
		switch m[1] {
		case 'U', 'u', 'x':
			n, err := strconv.ParseUint(m[2:], 16, 32)
			if err != nil || n > utf8.MaxRune {
				bad = fmt.Errorf("can't decode escape %q", m)
				return m
			}
			return string(rune(n))
		case 'N':
			return m
		}
		c, _ := SimpleEscape(m[1]) // escapeRE lets no other letter through
		return string(rune(c))
	})
	return out, bad
}
