package templates

import (
	"crypto/rand"
	"hash/fnv"
	"math/big"
	mrand "math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/value"
)

// The password lookup: a password kept in a file on the controller,
// generated (and the file written, mode 0600 in a 0700 directory) when
// the file does not exist; /dev/null gives a new one every time.

var passwordParams = map[string]bool{"length": true, "encrypt": true, "chars": true, "ident": true, "seed": true}

// pyStringSets are Python's string module constants a chars spec may name.
var pyStringSets = map[string]string{
	"ascii_letters":   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"ascii_lowercase": "abcdefghijklmnopqrstuvwxyz",
	"ascii_uppercase": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"digits":          "0123456789",
	"hexdigits":       "0123456789abcdefABCDEF",
	"octdigits":       "01234567",
	"punctuation":     "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
	"whitespace":      " \t\n\r\v\f",
	"printable":       "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\v\f",
}

// cryptSaltSize is BaseHash.algorithms' salt_size (8 for any other).
var cryptSaltSize = map[string]int{"md5_crypt": 8, "bcrypt": 22, "sha256_crypt": 16, "sha512_crypt": 16}

// passwordMu stands for ansible's lock file: one writer at a time.
var passwordMu sync.Mutex

type passwordReq struct {
	length         int
	encrypt, ident string
	seed           any
	chars          []string
	relpath        string
}

func lkPassword(s *state, terms []any, kw map[string]any) ([]any, error) {
	var out []any
	for _, t := range terms {
		req, err := passwordTerm(pyStr(t), kw)
		if err != nil {
			return nil, err
		}
		path := expandUser(req.relpath)
		if !filepath.IsAbs(path) {
			path = filepath.Join(s.basedir(), path)
		}
		pw, err := passwordFor(path, req)
		if err != nil {
			return nil, err
		}
		out = append(out, pw)
	}
	return out, nil
}

// basedir is where a relative password file lives: the playbook's
// directory (ansible's loader basedir), the last search directory.
func (s *state) basedir() string {
	if d := s.searchPaths(""); len(d) > 0 {
		return d[len(d)-1]
	}
	wd, _ := os.Getwd()
	return wd
}

// passwordTerm is ansible's _parse_parameters: "path k=v ...", the
// options given to lookup() as defaults.
func passwordTerm(term string, kw map[string]any) (*passwordReq, error) {
	params := map[string]any{}
	relpath := term
	if first, rest, ok := strings.Cut(term, " "); ok {
		relpath = first
		kv, err := value.ParseKV(rest)
		if err != nil {
			return nil, lkErr("AnsibleError", "%s", err.Error())
		}
		for _, p := range kv {
			if p[0] == "_raw_params" {
				relpath = first + " " + p[1]
				if !strings.HasPrefix(term, relpath) {
					return nil, lkErr("AnsibleError", "Unrecognized value after key=value parameters given to password lookup")
				}
				continue
			}
			params[p[0]] = p[1]
		}
	}
	var invalid []string
	for k := range params {
		if !passwordParams[k] {
			invalid = append(invalid, k)
		}
	}
	if len(invalid) > 0 {
		sort.Strings(invalid)
		return nil, lkErr("AnsibleError", "Unrecognized parameter(s) given to password lookup: %s", strings.Join(invalid, ", "))
	}
	opt := func(k string, dflt any) any {
		if v, ok := params[k]; ok {
			return v
		}
		if v, ok := kw[k]; ok {
			return v
		}
		return dflt
	}
	n, err := value.PyInt(opt("length", 20))
	if err != nil {
		return nil, lkErr("ValueError", "%s", err.Error())
	}
	req := &passwordReq{length: n, relpath: relpath, seed: opt("seed", nil)}
	if v := opt("encrypt", nil); v != nil {
		req.encrypt = pyStr(v)
	}
	if v := opt("ident", nil); v != nil {
		req.ident = pyStr(v)
	}
	switch c := opt("chars", []any{"ascii_letters", "digits", ".,:-_"}).(type) {
	case []any:
		for _, e := range c {
			req.chars = append(req.chars, pyStr(e))
		}
	default:
		str := pyStr(c)
		if strings.Contains(str, ",,") {
			req.chars = append(req.chars, ",")
		}
		for _, e := range strings.Split(strings.ReplaceAll(str, ",,", ","), ",") {
			if e != "" {
				req.chars = append(req.chars, e)
			}
		}
	}
	return req, nil
}

// passwordFor reads or makes the password kept at path.
func passwordFor(path string, req *passwordReq) (string, error) {
	var chars strings.Builder
	for _, spec := range req.chars {
		if set, ok := pyStringSets[spec]; ok {
			chars.WriteString(set)
		} else {
			chars.WriteString(spec)
		}
	}
	cand := []rune(strings.NewReplacer(`"`, "", "'", "").Replace(chars.String()))
	devNull := path == "/dev/null"
	passwordMu.Lock()
	defer passwordMu.Unlock()
	var plain, salt, ident string
	changed := false
	b, err := os.ReadFile(path)
	if devNull || err != nil {
		if len(cand) == 0 {
			return "", lkErr("IndexError", "Cannot choose from an empty sequence")
		}
		plain, changed = randomString(req.length, cand, req.seed), true
	} else {
		plain, salt, ident = parsePasswordContent(strings.TrimRight(string(b), " \t\r\n\v\f"))
	}
	if req.encrypt != "" && salt == "" {
		n, ok := cryptSaltSize[req.encrypt]
		if !ok {
			n = 8
		}
		salt, changed = randomString(n, []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./"), nil), true
	}
	if req.ident != "" {
		if ident != "" && ident != req.ident {
			return "", lkErr("AnsibleError", "The ident parameter provided (%s) does not match the stored one (%s).", ident, req.ident)
		}
		ident = req.ident
	}
	if changed && !devNull {
		content := plain
		if salt != "" {
			content += " salt=" + salt
			if ident != "" {
				content += " ident=" + ident
			}
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", lkErr("OSError", "%s", err.Error())
		}
		if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
			return "", lkErr("OSError", "%s", err.Error())
		}
		if err := os.Chmod(path, 0o600); err != nil {
			return "", lkErr("OSError", "%s", err.Error())
		}
	}
	if req.encrypt == "" {
		return plain, nil
	}
	switch req.encrypt {
	case "sha512_crypt":
		return shaCrypt(plain, salt, 656000, true), nil
	case "sha256_crypt":
		return shaCrypt(plain, salt, 535000, false), nil
	}
	return "", lkErr("AnsibleError", "encrypt %s is not supported by fjord", req.encrypt)
}

// parsePasswordContent is ansible's _parse_content: "password[ salt=S[ ident=I]]".
func parsePasswordContent(content string) (pw, salt, ident string) {
	pw = content
	i := strings.LastIndex(content, " salt=")
	if i < 0 {
		return pw, "", ""
	}
	pw, rem := content[:i], content[i+len(" salt="):]
	if j := strings.LastIndex(rem, " ident="); j >= 0 {
		return pw, rem[:j], rem[j+len(" ident="):]
	}
	return pw, rem, ""
}

// randomString picks n characters of chars: from the system's random
// source, or with a seed the same ones every time (not Python's sequence).
func randomString(n int, chars []rune, seed any) string {
	out := make([]rune, n)
	if seed != nil {
		h := fnv.New64a()
		h.Write([]byte(value.String(seed)))
		r := mrand.New(mrand.NewSource(int64(h.Sum64())))
		for i := range out {
			out[i] = chars[r.Intn(len(chars))]
		}
		return string(out)
	}
	max := big.NewInt(int64(len(chars)))
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			k = big.NewInt(int64(mrand.Intn(len(chars))))
		}
		out[i] = chars[k.Int64()]
	}
	return string(out)
}
