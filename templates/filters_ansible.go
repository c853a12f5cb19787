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
	"hash/fnv"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
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
		"realpath":             pathFilter(realpath),
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
	str, err := toStr(in)
	if err != nil {
		return nil, err
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

// compileRegex accepts Python's syntax where Go's RE2 agrees with it.
func compileRegex(pat, flags string) (*regexp.Regexp, error) {
	pat = strings.ReplaceAll(pat, `\Z`, `\z`)
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression: %v", err)
	}
	return re, nil
}

func reFlags(args []any, kw map[string]any, ic, ml int) string {
	f := ""
	if argBool(args, kw, ic, "ignorecase", false) {
		f += "i"
	}
	if argBool(args, kw, ml, "multiline", false) {
		f += "m"
	}
	return f
}

// pyReplacement turns Python's \1, \g<1>, \g<name> into Go's ${1}.
func pyReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c == '$' {
			b.WriteString("$$")
			continue
		}
		if c == '\\' && i+1 < len(r) {
			n := r[i+1]
			switch {
			case n >= '0' && n <= '9':
				j := i + 1
				for j < len(r) && j < i+3 && r[j] >= '0' && r[j] <= '9' {
					j++
				}
				b.WriteString("${" + r[i+1:j] + "}")
				i = j - 1
				continue
			case n == 'g' && i+2 < len(r) && r[i+2] == '<':
				if k := strings.IndexByte(r[i:], '>'); k > 0 {
					b.WriteString("${" + r[i+3:i+k] + "}")
					i += k
					continue
				}
			case n == 'n':
				b.WriteByte('\n')
				i++
				continue
			case n == 't':
				b.WriteByte('\t')
				i++
				continue
			case n == '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func fRegexReplace(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	re, err := compileRegex(argStr(args, kw, 0, "pattern", ""), reFlags(args, kw, 2, 3))
	if err != nil {
		return nil, err
	}
	repl := pyReplacement(argStr(args, kw, 1, "replacement", ""))
	count := argInt(nil, kw, -1, "count", 0)
	if count <= 0 {
		return re.ReplaceAllString(str, repl), nil
	}
	n := 0
	out := re.ReplaceAllStringFunc(str, func(m string) string {
		n++
		if n > count {
			return m
		}
		return re.ReplaceAllString(m, repl)
	})
	return out, nil
}

func fRegexSearch(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("regex_search requires a pattern")
	}
	pat, _ := toStr(args[0])
	re, err := compileRegex(pat, reFlags(nil, kw, -1, -1))
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatchIndex(str)
	if m == nil {
		return nil, nil
	}
	if len(args) == 1 {
		return str[m[0]:m[1]], nil
	}
	out := []any{}
	for _, g := range args[1:] {
		gs, _ := toStr(g)
		var idx int
		switch {
		case strings.HasPrefix(gs, `\g<`) && strings.HasSuffix(gs, ">"):
			name := gs[3 : len(gs)-1]
			idx = re.SubexpIndex(name)
			if idx < 0 {
				if _, err := fmt.Sscanf(name, "%d", &idx); err != nil {
					return nil, fmt.Errorf("unknown group %s", gs)
				}
			}
		case strings.HasPrefix(gs, `\`):
			if _, err := fmt.Sscanf(gs[1:], "%d", &idx); err != nil {
				return nil, fmt.Errorf("unknown group %s", gs)
			}
		default:
			return nil, fmt.Errorf("unknown argument %s", gs)
		}
		if idx*2+1 >= len(m) {
			return nil, fmt.Errorf("invalid group reference %s", gs)
		}
		if m[idx*2] < 0 {
			out = append(out, nil)
		} else {
			out = append(out, str[m[idx*2]:m[idx*2+1]])
		}
	}
	return out, nil
}

func fRegexFindall(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	re, err := compileRegex(argStr(args, kw, 0, "regex", ""), reFlags(args, kw, 2, 1))
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, m := range re.FindAllStringSubmatch(str, -1) {
		switch len(m) {
		case 1:
			out = append(out, m[0])
		case 2:
			out = append(out, m[1])
		default:
			out = append(out, strsToList(m[1:]))
		}
	}
	return out, nil
}

func fRegexEscape(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	if argStr(args, kw, 0, "re_type", "python") == "posix_basic" {
		return regexp.MustCompile(`([.\[\]\\*^$])`).ReplaceAllString(str, `\$1`), nil
	}
	var b strings.Builder
	for _, r := range str {
		if r < 128 && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

func fB64(enc bool) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		str, err := toStr(in)
		if err != nil {
			return nil, err
		}
		if enc {
			return base64.StdEncoding.EncodeToString([]byte(str)), nil
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(str))
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(str), "="))
		}
		if err != nil {
			return nil, fmt.Errorf("b64decode: %v", err)
		}
		return string(b), nil
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
		return nil, nil
	}
	h.Write([]byte(str))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fPasswordHash(s *state, in any, args []any, kw map[string]any) (any, error) {
	pw, err := toStr(in)
	if err != nil {
		return nil, err
	}
	typ := argStr(args, kw, 0, "hashtype", "sha512")
	salt := argStr(args, kw, 1, "salt", "")
	rounds := argInt(args, kw, 2, "rounds", 0)
	if salt == "" {
		const letters = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		b := make([]byte, 16)
		for i := range b {
			b[i] = letters[rand.Intn(len(letters))]
		}
		salt = string(b)
	}
	switch typ {
	// Ansible hashes through passlib, whose default rounds it writes out.
	case "sha512", "sha512_crypt":
		if rounds == 0 {
			rounds = 656000
		}
		return shaCrypt(pw, salt, rounds, true), nil
	case "sha256", "sha256_crypt":
		if rounds == 0 {
			rounds = 535000
		}
		return shaCrypt(pw, salt, rounds, false), nil
	}
	return nil, fmt.Errorf("password_hash: unsupported hash type %s", typ)
}

func asMapping(v any) (value.Getter, bool) {
	m, ok := plain(v).(value.Getter)
	return m, ok
}

func toOrderedMap(m value.Getter) *value.Map {
	if om, ok := m.(*value.Map); ok {
		return om.Clone()
	}
	keys := append([]string(nil), m.Keys()...)
	sort.Strings(keys)
	out := value.NewMap(len(keys))
	for _, k := range keys {
		v, _ := m.Get(k)
		out.Set(k, v)
	}
	return out
}

func fCombine(s *state, in any, args []any, kw map[string]any) (any, error) {
	recursive := argBool(nil, kw, -1, "recursive", false)
	listMerge := argStr(nil, kw, -1, "list_merge", "replace")
	terms := append([]any{in}, args...)
	var flat []any
	for _, t := range terms {
		if l, ok := t.([]any); ok {
			flat = append(flat, l...)
		} else {
			flat = append(flat, t)
		}
	}
	out := value.NewMap(0)
	for _, t := range flat {
		m, ok := asMapping(t)
		if !ok {
			return nil, fmt.Errorf("failed to combine variables, expected dicts but got a '%s'", pyTypeName(t))
		}
		out = mergeMaps(out, toOrderedMap(m), recursive, listMerge)
	}
	return out, nil
}

func mergeMaps(a, b *value.Map, recursive bool, listMerge string) *value.Map {
	out := a.Clone()
	for _, k := range b.Keys() {
		bv, _ := b.Get(k)
		av, has := out.Get(k)
		if has && recursive {
			am, aok := asMapping(av)
			bm, bok := asMapping(bv)
			if aok && bok {
				out.Set(k, mergeMaps(toOrderedMap(am), toOrderedMap(bm), recursive, listMerge))
				continue
			}
		}
		if has {
			al, aok := av.([]any)
			bl, bok := bv.([]any)
			if aok && bok {
				switch listMerge {
				case "keep":
					continue
				case "append":
					bv = append(append([]any{}, al...), bl...)
				case "prepend":
					bv = append(append([]any{}, bl...), al...)
				case "append_rp":
					var keep []any
					for _, x := range al {
						if found, _ := contains(bl, x); !found {
							keep = append(keep, x)
						}
					}
					bv = append(keep, bl...)
				case "prepend_rp":
					var keep []any
					for _, x := range al {
						if found, _ := contains(bl, x); !found {
							keep = append(keep, x)
						}
					}
					bv = append(append([]any{}, bl...), keep...)
				}
			}
		}
		out.Set(k, bv)
	}
	return out
}

func fDict2Items(s *state, in any, args []any, kw map[string]any) (any, error) {
	m, ok := asMapping(in)
	if !ok {
		return nil, fmt.Errorf("dict2items requires a dictionary, got %s instead.", pyTypeName(in))
	}
	kn := argStr(args, kw, 0, "key_name", "key")
	vn := argStr(args, kw, 1, "value_name", "value")
	om := toOrderedMap(m)
	out := []any{}
	for _, k := range om.Keys() {
		v, _ := om.Get(k)
		out = append(out, value.MapOf(kn, k, vn, v))
	}
	return out, nil
}

func fItems2Dict(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	kn := argStr(args, kw, 0, "key_name", "key")
	vn := argStr(args, kw, 1, "value_name", "value")
	out := value.NewMap(len(items))
	for _, it := range items {
		m, ok := asMapping(it)
		if !ok {
			return nil, fmt.Errorf("items2dict requires a list of dictionaries")
		}
		k, ok1 := m.Get(kn)
		v, ok2 := m.Get(vn)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("items2dict requires each dictionary to have '%s' and '%s' keys", kn, vn)
		}
		ks, _ := mapKey(k)
		out.Set(ks, v)
	}
	return out, nil
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
		if msg := argStr(args, kw, 0, "msg", ""); msg != "" {
			return nil, fmt.Errorf("%s", msg)
		}
		return nil, fmt.Errorf("Mandatory variable %s not defined.", quoteName(u))
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

func realpath(p string) string {
	abs, err := filepath.Abs(expandUser(p))
	if err != nil {
		return p
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	return abs
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

func flatten(items []any, levels int, skipNulls bool) []any {
	out := []any{}
	for _, it := range items {
		if it == nil && skipNulls || it == "None" && skipNulls {
			continue
		}
		if l, ok := it.([]any); ok && levels != 0 {
			out = append(out, flatten(l, levels-1, skipNulls)...)
			continue
		}
		out = append(out, it)
	}
	return out
}

func fFlatten(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	levels := -1
	if v := arg(args, kw, 0, "levels", nil); v != nil {
		levels, _ = asInt(v)
	}
	return flatten(items, levels, argBool(args, kw, 1, "skip_nulls", true)), nil
}

func uniq(items []any) []any {
	out := []any{}
	for _, it := range items {
		if found, _ := contains(out, it); !found {
			out = append(out, it)
		}
	}
	return out
}

func setFilter(op string) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		a, err := iterate(in)
		if err != nil {
			return nil, err
		}
		b, err := iterate(arg(args, kw, 0, "b", nil))
		if err != nil {
			return nil, err
		}
		var out []any
		has := func(l []any, x any) bool { f, _ := contains(l, x); return f }
		switch op {
		case "union":
			out = uniq(append(append([]any{}, a...), b...))
		case "intersect":
			for _, x := range uniq(a) {
				if has(b, x) {
					out = append(out, x)
				}
			}
		case "difference":
			for _, x := range uniq(a) {
				if !has(b, x) {
					out = append(out, x)
				}
			}
		case "symmetric_difference":
			for _, x := range uniq(append(append([]any{}, a...), b...)) {
				if has(a, x) != has(b, x) {
					out = append(out, x)
				}
			}
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
}

func fZip(longest bool) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		lists := [][]any{}
		for _, x := range append([]any{in}, args...) {
			l, err := iterate(x)
			if err != nil {
				return nil, err
			}
			lists = append(lists, l)
		}
		n := len(lists[0])
		for _, l := range lists {
			if longest {
				n = max(n, len(l))
			} else {
				n = min(n, len(l))
			}
		}
		fill := arg(nil, kw, -1, "fillvalue", nil)
		out := make([]any, n)
		for i := range out {
			row := make([]any, len(lists))
			for j, l := range lists {
				if i < len(l) {
					row[j] = l[i]
				} else {
					row[j] = fill
				}
			}
			out[i] = row
		}
		return out, nil
	}
}

func fSubelements(s *state, in any, args []any, kw map[string]any) (any, error) {
	var items []any
	if m, ok := asMapping(in); ok {
		om := toOrderedMap(m)
		for _, k := range om.Keys() {
			v, _ := om.Get(k)
			items = append(items, v)
		}
	} else {
		var err error
		if items, err = iterate(in); err != nil {
			return nil, err
		}
	}
	path := argStr(args, kw, 0, "subelements", "")
	skip := argBool(args, kw, 1, "skip_missing", false)
	out := []any{}
	for _, it := range items {
		v := it
		for _, p := range strings.Split(path, ".") {
			m, ok := asMapping(v)
			if !ok {
				return nil, fmt.Errorf("subelements: the key %s should point to a dictionary", p)
			}
			nv, found := m.Get(p)
			if !found {
				if skip {
					v = nil
					break
				}
				return nil, fmt.Errorf("could not find '%s' key in iterated item", p)
			}
			v = nv
		}
		if v == nil && skip {
			continue
		}
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("the key %s should point to a list, got '%s'", path, value.String(v))
		}
		for _, e := range l {
			out = append(out, []any{it, e})
		}
	}
	return out, nil
}

func fProduct(s *state, in any, args []any, kw map[string]any) (any, error) {
	res := [][]any{{}}
	for _, x := range append([]any{in}, args...) {
		l, err := iterate(x)
		if err != nil {
			return nil, err
		}
		var next [][]any
		for _, r := range res {
			for _, e := range l {
				next = append(next, append(append([]any{}, r...), e))
			}
		}
		res = next
	}
	out := make([]any, len(res))
	for i, r := range res {
		out[i] = r
	}
	return out, nil
}

func fExtract(s *state, in any, args []any, kw map[string]any) (any, error) {
	container := arg(args, kw, 0, "container", nil)
	v := getitem(container, in)
	if mk := arg(args, kw, 1, "morekeys", nil); mk != nil {
		keys, ok := mk.([]any)
		if !ok {
			keys = []any{mk}
		}
		for _, k := range keys {
			v = getitem(v, k)
		}
	}
	if u, ok := v.(*undefined); ok {
		return nil, u.err
	}
	return v, nil
}

func seededRand(s *state, args []any, kw map[string]any, idx int) *rand.Rand {
	if seed := arg(args, kw, idx, "seed", nil); seed != nil {
		h := fnv.New64a()
		str, _ := toStr(seed)
		h.Write([]byte(str))
		return rand.New(rand.NewSource(int64(h.Sum64())))
	}
	return rand.New(rand.NewSource(rand.Int63()))
}

func fRandom(s *state, in any, args []any, kw map[string]any) (any, error) {
	r := seededRand(s, args, kw, 2)
	if n, ok := asInt(plain(in)); ok {
		start := argInt(args, kw, 0, "start", 0)
		step := argInt(args, kw, 1, "step", 1)
		if step <= 0 || n <= start {
			return nil, fmt.Errorf("random: empty range")
		}
		k := (n - start + step - 1) / step
		return start + r.Intn(k)*step, nil
	}
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("random: empty sequence")
	}
	return items[r.Intn(len(items))], nil
}

func fShuffle(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	out := append([]any{}, items...)
	r := seededRand(s, args, kw, 0)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

func fComment(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	style := argStr(args, kw, 0, "style", "plain")
	p := map[string][3]string{
		"plain":  {"", "# ", ""},
		"erlang": {"", "% ", ""},
		"c":      {"", "// ", ""},
		"cblock": {"/*", " * ", " */"},
		"xml":    {"<!--", " - ", "-->"},
	}[style]
	if v, ok := kw["decoration"]; ok {
		p[1], _ = toStr(v)
	}
	if v, ok := kw["prefix"]; ok {
		p[0], _ = toStr(v)
	}
	if v, ok := kw["postfix"]; ok {
		p[2], _ = toStr(v)
	}
	prefixCount := argInt(nil, kw, -1, "prefix_count", 1)
	postfixCount := argInt(nil, kw, -1, "postfix_count", 1)
	deco := p[1]
	var b strings.Builder
	if p[0] != "" {
		for i := 0; i < prefixCount; i++ {
			b.WriteString(p[0] + "\n")
		}
	}
	empty := strings.TrimRight(deco, " ")
	for i := 0; i < prefixCount && p[0] == ""; i++ {
		b.WriteString(empty + "\n")
	}
	if p[0] != "" {
		b.WriteString(empty + "\n")
	}
	for _, l := range strings.Split(str, "\n") {
		if l == "" {
			b.WriteString(empty + "\n")
		} else {
			b.WriteString(deco + l + "\n")
		}
	}
	b.WriteString(empty + "\n")
	if p[2] != "" {
		for i := 0; i < postfixCount; i++ {
			b.WriteString(p[2] + "\n")
		}
	} else {
		for i := 1; i < postfixCount; i++ {
			b.WriteString(empty + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
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
