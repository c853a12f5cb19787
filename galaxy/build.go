package galaxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ordered is a JSON object that keeps its keys in the order given, as
// Python's dicts do in the files ansible-galaxy writes.
type ordered []kv

type kv struct {
	k string
	v any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(e.v); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o ordered) get(k string) any {
	for _, e := range o {
		if e.k == k {
			return e.v
		}
	}
	return nil
}

// pyJSON renders v as Python's json.dumps(v, indent=True): one space of
// indent per level, ", " nowhere, non-ASCII escaped, no trailing newline.
func pyJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	var esc bytes.Buffer
	for len(out) > 0 {
		r, n := utf8.DecodeRune(out)
		switch {
		case r < utf8.RuneSelf:
			esc.WriteByte(out[0])
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&esc, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&esc, `\u%04x`, r)
		}
		out = out[n:]
	}
	return esc.Bytes(), nil
}

// yamlToJSON turns a YAML node into a value whose JSON keeps the
// mapping order of the YAML text.
func yamlToJSON(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 1 {
			return yamlToJSON(n.Content[0])
		}
		return nil
	case yaml.AliasNode:
		return yamlToJSON(n.Alias)
	case yaml.MappingNode:
		o := ordered{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			o = append(o, kv{n.Content[i].Value, yamlToJSON(n.Content[i+1])})
		}
		return o
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, yamlToJSON(c))
		}
		return l
	}
	var v any
	if n.Decode(&v) != nil {
		return n.Value
	}
	return v
}

// galaxyYMLKeys are galaxy.yml's keys and the type each defaults as.
var galaxyYMLKeys = []struct{ key, typ string }{
	{"namespace", "str"}, {"name", "str"}, {"version", "str"}, {"readme", "str"},
	{"authors", "list"}, {"description", "str"}, {"license", "list"}, {"license_file", "str"},
	{"tags", "list"}, {"dependencies", "dict"}, {"repository", "str"}, {"documentation", "str"},
	{"homepage", "str"}, {"issues", "str"}, {"build_ignore", "list"}, {"manifest", "sentinel"},
}

// readGalaxyYML reads and normalizes a collection's galaxy.yml: the
// required keys checked, the optional ones given their defaults.
func readGalaxyYML(file string) (ordered, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("failed to parse the galaxy.yml at '%s' with the following error:\n%w", file, err)
	}
	m, ok := yamlToJSON(&doc).(ordered)
	if !ok {
		return nil, fmt.Errorf("the collection galaxy.yml at '%s' is not a mapping", file)
	}
	var missing []string
	for _, k := range []string{"authors", "name", "namespace", "readme", "version"} {
		if !m.has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("The collection galaxy.yml at '%s' is missing the following mandatory keys: %s", file, strings.Join(missing, ", "))
	}
	for _, d := range galaxyYMLKeys {
		v := m.get(d.key)
		switch {
		case d.typ == "list" && v == nil:
			m = m.set(d.key, []any{})
		case d.typ == "list":
			if _, ok := v.([]any); !ok {
				m = m.set(d.key, []any{v})
			}
		case d.typ == "dict" && !m.has(d.key):
			m = m.set(d.key, ordered{})
		case d.typ == "str" && !m.has(d.key):
			m = m.set(d.key, nil)
		}
	}
	if v := m.get("version"); v == nil || v == "" {
		m = m.set("version", "*")
	}
	return m, nil
}

func (o ordered) has(k string) bool {
	for _, e := range o {
		if e.k == k {
			return true
		}
	}
	return false
}

func (o ordered) set(k string, v any) ordered {
	for i, e := range o {
		if e.k == k {
			o[i].v = v
			return o
		}
	}
	return append(o, kv{k, v})
}

// buildManifest is MANIFEST.json's content for a collection from source.
func buildManifest(meta ordered) ordered {
	info := ordered{}
	for _, k := range []string{"namespace", "name", "version", "authors", "readme", "tags", "description", "license", "license_file", "dependencies", "repository", "documentation", "homepage", "issues"} {
		v := meta.get(k)
		if k == "license_file" && v == "" {
			v = nil
		}
		info = append(info, kv{k, v})
	}
	return ordered{
		{"collection_info", info},
		{"file_manifest_file", ordered{{"name", "FILES.json"}, {"ftype", "file"}, {"chksum_type", "sha256"}, {"chksum_sha256", nil}, {"format", 1}}},
		{"format", 1},
	}
}

func fileEntry(name, ftype, sum string) ordered {
	if sum == "" {
		return ordered{{"name", name}, {"ftype", ftype}, {"chksum_type", nil}, {"chksum_sha256", nil}, {"format", 1}}
	}
	return ordered{{"name", name}, {"ftype", ftype}, {"chksum_type", "sha256"}, {"chksum_sha256", sum}, {"format", 1}}
}

// fnmatchRE translates a Python fnmatch pattern, where * also matches /.
func fnmatchRE(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := strings.IndexByte(pat[i+1:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := pat[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile("(?s)" + b.String())
}

// buildFilesManifest lists a collection source tree as FILES.json does,
// leaving out what ansible-galaxy always leaves out and build_ignore.
func buildFilesManifest(root, ns, name string, ignore []string, warn func(string, ...any)) (ordered, error) {
	patterns := []string{"MANIFEST.json", "FILES.json", "galaxy.yml", "galaxy.yaml", ".git", "*.pyc", "*.retry", "tests/output", ns + "-" + name + "-*.tar.gz"}
	patterns = append(patterns, ignore...)
	var res []*regexp.Regexp
	for _, p := range patterns {
		res = append(res, fnmatchRE(p))
	}
	ignored := func(rel string) bool {
		for _, re := range res {
			if re.MatchString(rel) {
				return true
			}
		}
		return false
	}
	ignoreDirs := map[string]bool{"CVS": true, ".bzr": true, ".hg": true, ".git": true, ".svn": true, "__pycache__": true, ".tox": true}
	files := []any{fileEntry(".", "dir", "")}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	var walk func(dir, rel string) error
	walk = func(dir, rel string) error {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		names := make([]string, 0, len(ents))
		for _, e := range ents {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, n := range names {
			abs := filepath.Join(dir, n)
			r := n
			if rel != "" {
				r = rel + "/" + n
			}
			fi, err := os.Stat(abs)
			if err != nil {
				return err
			}
			if fi.IsDir() {
				if ignoreDirs[n] || ignored(r) {
					continue
				}
				link, _ := os.Lstat(abs)
				isLink := link != nil && link.Mode()&os.ModeSymlink != 0
				if isLink {
					target, err := filepath.EvalSymlinks(abs)
					if err != nil || !strings.HasPrefix(target+"/", realRoot+"/") {
						warn("Skipping '%s' as it is a symbolic link to a directory outside the collection", abs)
						continue
					}
				}
				files = append(files, fileEntry(r, "dir", ""))
				if !isLink {
					if err := walk(abs, r); err != nil {
						return err
					}
				}
				continue
			}
			if ignored(r) {
				continue
			}
			sum, err := sha256File(abs)
			if err != nil {
				return err
			}
			files = append(files, fileEntry(r, "file", sum))
		}
		return nil
	}
	if err := walk(root, ""); err != nil {
		return nil, err
	}
	return ordered{{"files", files}, {"format", 1}}, nil
}

func sha256File(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// installFromSource writes a collection built from the source tree src
// into dst: MANIFEST.json, FILES.json and the files they list.
func installFromSource(src, dst string, manifest, files ordered) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	filesJSON, err := pyJSON(files)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(filesJSON)
	ffm := manifest.get("file_manifest_file").(ordered)
	ffm.set("chksum_sha256", hex.EncodeToString(sum[:]))
	manifestJSON, err := pyJSON(manifest)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "MANIFEST.json"), manifestJSON, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "FILES.json"), filesJSON, 0o644); err != nil {
		return err
	}
	entries, _ := files.get("files").([]any)
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if n, _ := e.(ordered).get("name").(string); n != "." {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		from, to := filepath.Join(src, n), filepath.Join(dst, n)
		fi, err := os.Stat(from)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			if err := os.MkdirAll(to, 0o755); err != nil {
				return err
			}
			continue
		}
		mode := os.FileMode(0o644)
		if fi.Mode()&0o100 != 0 {
			mode = 0o755
		}
		if err := copyFile(from, to, mode); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(to, mode)
}
