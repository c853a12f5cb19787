package templates

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"strings"

	"github.com/fjord-run/fjord/value"
)

func registerAnsibleFilters() {
	more := map[string]filterFunc{
		"to_json":       fToJSONAnsible(false),
		"to_nice_json":  fToJSONAnsible(true),
		"from_json":     fFromJSON,
		"to_yaml":       fToYAML(false),
		"to_nice_yaml":  fToYAML(true),
		"from_yaml":     fFromYAML,
		"from_yaml_all": fFromYAMLAll,
		"regex_replace": fRegexReplace,
		"regex_search":  fRegexSearch,
		"regex_findall": fRegexFindall,
		"regex_escape":  fRegexEscape,
		"b64encode":     fB64(true),
		"b64decode":     fB64(false),
		"hash":          fHash,
		"checksum": func(s *state, in any, a []any, k map[string]any) (any, error) {
			return fHash(s, in, []any{"sha1"}, nil)
		},
		"password_hash":        fPasswordHash,
		"combine":              fCombine,
		"dict2items":           fDict2Items,
		"items2dict":           fItems2Dict,
		"ternary":              fTernary,
		"mandatory":            fMandatory,
		"basename":             pathFilter(basename),
		"dirname":              pathFilter(dirname),
		"expanduser":           pathFilter(expandUser),
		"splitext":             fSplitext,
		"quote":                fQuote,
		"flatten":              fFlatten,
		"union":                setFilter("union"),
		"intersect":            setFilter("intersect"),
		"difference":           setFilter("difference"),
		"symmetric_difference": setFilter("symmetric_difference"),
		"zip":                  fZip(false),
		"zip_longest":          fZip(true),
		"subelements":          fSubelements,
		"product":              fProduct,
		"extract":              fExtract,
		"random":               fRandom,
		"shuffle":              fShuffle,
		"comment":              fComment,
		"type_debug":           func(s *state, in any, a []any, k map[string]any) (any, error) { return pyTypeName(in), nil },
		"split":                fSplit,
		"list_of_dict_key_value_elements_to_dict": fItems2Dict,
		"bool_to_str": strFilter(func(s string) string { return s }),
	}
	for k, v := range more {
		filters[k] = v
	}
}

func pyTypeName(v any) string {
	switch v.(type) {
	case *value.Map:
		return "dict"
	case value.Getter:
		return "HostVarsVars"
	case value.Unsafe:
		return "AnsibleUnsafeText"
	}
	return typeName(v)
}

// fToJSONAnsible is ansible-core's to_json, json.dumps(a, **kw), and
// to_nice_json, which adds indent=4 and sort_keys=True; neither changes
// json.dumps's ensure_ascii=True.
func fToJSONAnsible(nice bool) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		o := value.PyJSONOptions{
			Indent:      argInt(nil, kw, -1, "indent", -1),
			SortKeys:    argBool(nil, kw, -1, "sort_keys", false),
			EnsureASCII: argBool(nil, kw, -1, "ensure_ascii", true),
		}
		if nice {
			o.Indent = argInt(args, kw, 0, "indent", 4)
			o.SortKeys = argBool(nil, kw, -1, "sort_keys", true)
		}
		if v, ok := kw["separators"]; ok {
			l, ok := v.([]any)
			if !ok || len(l) != 2 {
				return nil, fmt.Errorf("separators: expected (item_separator, key_separator), got %s", typeName(v))
			}
			o.ItemSep, _ = toStr(l[0])
			o.KeySep, _ = toStr(l[1])
		}
		return jsonEncode(in, o)
	}
}

func fFromJSON(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	return value.FromJSON([]byte(str))
}

func fFromYAML(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, ok := asString(in)
	if !ok {
		return in, nil
	}
	return yamlDecode(str)
}

func fFromYAMLAll(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, ok := asString(in)
	if !ok {
		return in, nil
	}
	return yamlDecodeAll(str)
}

func fToYAML(nice bool) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		indent := 2
		flow := true
		if nice {
			indent = argInt(args, kw, 0, "indent", 4)
			flow = false
		} else if v, ok := kw["indent"]; ok {
			indent, _ = asInt(v)
		}
		if v, ok := kw["default_flow_style"]; ok {
			if v == nil {
				flow = true
			} else {
				b, _ := truth(v)
				flow = b
				if !b {
					flow = false
				}
			}
		}
		sortKeys := argBool(nil, kw, -1, "sort_keys", true)
		return yamlEncode(in, yamlOpts{indent: indent, flowLeaves: flow, sortKeys: sortKeys, width: argInt(nil, kw, -1, "width", 80)})
	}
}

// fB64 is b64encode (the text's bytes in encoding, base64) and b64decode
// (which, as Python's, skips what is not of the alphabet, then reads the
// bytes in encoding).
func fB64(enc bool) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		str, err := toStr(in)
		if err != nil {
			return nil, err
		}
		encoding := argStr(args, kw, 0, "encoding", "utf-8")
		if enc {
			b, err := encodeText(str, encoding)
			if err != nil {
				return nil, err
			}
			return base64.StdEncoding.EncodeToString(b), nil
		}
		clean := strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=' {
				return r
			}
			return -1
		}, str)
		b, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "=")); err != nil || len(strings.TrimRight(clean, "="))%4 != 0 {
				return nil, fmt.Errorf("Incorrect padding")
			}
		}
		return decodeText(b, encoding)
	}
}

func fHash(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	var h hash.Hash
	switch argStr(args, kw, 0, "hashtype", "sha1") {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha224":
		h = sha256.New224()
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		if h = moreHashes(argStr(args, kw, 0, "hashtype", "sha1")); h == nil {
			return nil, filterError("unsupported hash type %s", argStr(args, kw, 0, "hashtype", "sha1"))
		}
	}
	h.Write([]byte(str))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fTernary(s *state, in any, args []any, kw map[string]any) (any, error) {
	t := arg(args, kw, 0, "true_val", nil)
	f := arg(args, kw, 1, "false_val", nil)
	if nv := arg(args, kw, 2, "none_val", nil); in == nil && nv != nil {
		return nv, nil
	}
	b, err := truth(in)
	if err != nil {
		return nil, err
	}
	if b {
		return t, nil
	}
	return f, nil
}

func fMandatory(s *state, in any, args []any, kw map[string]any) (any, error) {
	if u, ok := in.(*undefined); ok {
		if m := arg(args, kw, 0, "msg", nil); m != nil {
			msg, _ := toStr(m)
			return nil, filterError("%s", msg)
		}
		return nil, filterError("Mandatory variable %s not defined.", quoteName(u))
	}
	return in, nil
}

func quoteName(u *undefined) string {
	if u.err.Owner == "" && u.err.Hint == "" {
		return "'" + u.err.Name + "' "
	}
	return ""
}

func pathFilter(f func(string) string) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		p, err := toStr(in)
		if err != nil {
			return nil, err
		}
		return f(p), nil
	}
}

func basename(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func dirname(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	head := p[:i+1]
	if strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

func expandUser(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h := os.Getenv("HOME"); h != "" {
			return strings.TrimSuffix(h, "/") + p[1:]
		}
		if h, err := os.UserHomeDir(); err == nil {
			return h + p[1:]
		}
	}
	return p
}

func fSplitext(s *state, in any, args []any, kw map[string]any) (any, error) {
	p, err := toStr(in)
	if err != nil {
		return nil, err
	}
	base := basename(p)
	trimmed := strings.TrimLeft(base, ".")
	i := strings.LastIndexByte(trimmed, '.')
	if i < 0 {
		return []any{p, ""}, nil
	}
	cut := len(p) - (len(trimmed) - i)
	return []any{p[:cut], p[cut:]}, nil
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

func fQuote(s *state, in any, args []any, kw map[string]any) (any, error) {
	if in == nil {
		in = ""
	}
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	return shellQuote(str), nil
}

// fComment is ansible's comment: the text with each line decorated, a
// prefix and postfix line (the decoration without trailing spaces), and a
// style's beginning and end; every part can be given as a keyword.
func fComment(s *state, in any, args []any, kw map[string]any) (any, error) {
	text, err := toStr(in)
	if err != nil {
		return nil, err
	}
	style := argStr(args, kw, 0, "style", "plain")
	styles := map[string]map[string]any{
		"plain":  {"decoration": "# "},
		"erlang": {"decoration": "% "},
		"c":      {"decoration": "// "},
		"cblock": {"beginning": "/*", "decoration": " * ", "end": " */"},
		"xml":    {"beginning": "<!--", "decoration": " - ", "end": "-->"},
	}
	sp, ok := styles[style]
	if !ok {
		return nil, fmt.Errorf("%s", value.Repr(style))
	}
	prepost := sp["decoration"]
	if v, ok := kw["decoration"]; ok {
		prepost = v
	}
	pp, _ := toStr(prepost)
	p := map[string]any{"newline": "\n", "beginning": "", "prefix": strings.TrimRight(pp, " \t\n"), "prefix_count": 1,
		"decoration": "", "postfix": strings.TrimRight(pp, " \t\n"), "postfix_count": 1, "end": ""}
	for k, v := range sp {
		p[k] = v
	}
	for k, v := range kw {
		p[k] = v
	}
	str := func(k string) string { v, _ := toStr(p[k]); return v }
	count := func(k string) int { n, _ := asInt(p[k]); return n }
	nl, deco := str("newline"), str("decoration")
	var b strings.Builder
	if str("beginning") != "" {
		b.WriteString(str("beginning") + nl)
	}
	if pre := str("prefix"); pre != "" {
		unit := pre + nl
		if pre == nl {
			unit = nl
		}
		b.WriteString(strings.Repeat(unit, max(count("prefix_count"), 0)))
	}
	body := deco + strings.ReplaceAll(text, nl, nl+deco)
	b.WriteString(strings.ReplaceAll(body, deco+nl, strings.TrimRight(deco, " \t\n")+nl))
	for i := 0; i < count("postfix_count"); i++ {
		b.WriteString(nl + str("postfix"))
	}
	if str("end") != "" {
		b.WriteString(nl + str("end"))
	}
	return b.String(), nil
}

func fSplit(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	sep, has := strArg(args, 0, "")
	return pySplit(str, sep, has, argInt(args, kw, 1, "maxsplit", -1), false), nil
}

func fDict(s *state, in any, args []any, kw map[string]any) (any, error) {
	if m, ok := asMapping(in); ok {
		return toOrderedMap(m), nil
	}
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	out := value.NewMap(len(items))
	for _, it := range items {
		p, err := iterate(it)
		if err != nil || len(p) != 2 {
			return nil, fmt.Errorf("dictionary update sequence element has wrong length")
		}
		k, _ := mapKey(p[0])
		out.Set(k, p[1])
	}
	return out, nil
}
