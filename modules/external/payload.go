package external

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// A payload is a new-style Python module zipped with the module_utils it
// imports, as AnsiballZ sends it; the run's payloads are built once and
// kept by content.
type payload struct {
	FQN  string
	Zip  string // base64
	Hash string // of the zip, naming its copy on a host (wrapper.go)
}

type cached struct {
	once sync.Once
	p    *payload
	err  error
}

var payloads sync.Map // content key → *cached

// searchPath is where a payload's support code comes from besides
// ansible-core: directories extending ansible.module_utils, and
// ansible_collections directories.
type searchPath struct {
	utils       []string
	collections []string
}

// buildPayload zips the module at fqn with what it imports, once per run
// for the same module content and search path.
func buildPayload(fqn string, src []byte, sp searchPath) (*payload, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", fqn, strings.Join(sp.utils, "\x00"), strings.Join(sp.collections, "\x00"))
	h.Write(src)
	c, _ := payloads.LoadOrStore(string(h.Sum(nil)), &cached{})
	e := c.(*cached)
	e.once.Do(func() { e.p, e.err = zipModule(fqn, src, sp) })
	return e.p, e.err
}

// zipper collects the payload's files by their path in the zip.
type zipper struct {
	files   map[string][]byte
	sp      searchPath
	ansible string // AnsibleRoot
}

func zipModule(fqn string, src []byte, sp searchPath) (*payload, error) {
	z := &zipper{files: map[string][]byte{}, sp: sp, ansible: AnsibleRoot()}
	if z.ansible == "" {
		return nil, fmt.Errorf("module %s imports ansible.module_utils, and the controller has no ansible-core installed to take them from (looked for ansible/module_utils/basic.py in /usr/lib/python3/dist-packages and /usr/local/lib/python3*)", fqn)
	}
	version, author := release(z.ansible)
	z.files["ansible/__init__.py"] = []byte("from pkgutil import extend_path\n__path__=extend_path(__path__,__name__)\n__version__=\"" +
		version + "\"\n__author__=\"" + author + "\"\n")
	z.files["ansible/module_utils/__init__.py"] = []byte("from pkgutil import extend_path\n__path__=extend_path(__path__,__name__)\n")
	parts := strings.Split(fqn, ".")
	z.files[strings.Join(parts, "/")+".py"] = src
	start := 2
	if parts[0] != "ansible" {
		start = 1
	}
	for i := start; i < len(parts); i++ {
		z.addInit(strings.Join(parts[:i], "/"))
	}
	if err := z.follow(src, strings.Join(parts[:len(parts)-1], "."), fqn); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	names := make([]string, 0, len(z.files))
	for n := range z.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(z.files[n]); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return &payload{FQN: fqn, Zip: base64.StdEncoding.EncodeToString(buf.Bytes()), Hash: fmt.Sprintf("%x", sum[:16])}, nil
}

func (z *zipper) addInit(dir string) {
	if _, ok := z.files[dir+"/__init__.py"]; !ok {
		z.files[dir+"/__init__.py"] = nil
	}
}

// follow adds the module_utils that src (a module of package pkg)
// imports, and what they import.
func (z *zipper) follow(src []byte, pkg, from string) error {
	for _, imp := range scanImports(src, pkg) {
		for i, n := range imp.Names {
			bases, min := z.basesOf(n)
			if min == 0 {
				continue
			}
			ok, err := z.add(bases, strings.Split(n, "."), min)
			if err != nil {
				return err
			}
			// `from P import a`: a may be a name in P; P itself must be found
			if !ok && (!imp.From || i == len(imp.Names)-1) {
				return fmt.Errorf("Could not find imported module support code for %s.  Looked for (%s)", from, n)
			}
		}
	}
	return nil
}

// A base is a directory holding support code: the file of a dotted
// name's parts is dir/parts[skip:]... (.py or /__init__.py).
type base struct {
	dir  string
	skip int
}

// basesOf says where a dotted module name is looked for, in order, and
// how many of its parts name the package it must be inside; 0: not
// support code.
func (z *zipper) basesOf(name string) ([]base, int) {
	parts := strings.Split(name, ".")
	switch {
	case len(parts) >= 3 && parts[0] == "ansible" && parts[1] == "module_utils":
		var bs []base
		for _, d := range z.sp.utils {
			bs = append(bs, base{d, 2})
		}
		return append(bs, base{z.ansible, 0}), 3
	case len(parts) >= 6 && parts[0] == "ansible_collections" && parts[3] == "plugins" && parts[4] == "module_utils":
		for _, d := range z.sp.collections {
			if isDir(filepath.Join(d, parts[1], parts[2])) {
				return []base{{filepath.Dir(d), 0}}, 6
			}
		}
		return nil, 6
	}
	return nil, 0
}

// add puts the longest prefix of parts (at least min parts) that is a
// module or package in one of bases into the zip, with its packages'
// __init__ files, and follows its imports. ok is false when no prefix is
// one.
func (z *zipper) add(bases []base, parts []string, min int) (bool, error) {
	for k := len(parts); k >= min; k-- {
		for _, b := range bases {
			rel := filepath.Join(parts[b.skip:k]...)
			file, zpath, pkg := filepath.Join(b.dir, rel+".py"), strings.Join(parts[:k], "/")+".py", strings.Join(parts[:k-1], ".")
			if !exists(file) {
				file, zpath, pkg = filepath.Join(b.dir, rel, "__init__.py"), strings.Join(parts[:k], "/")+"/__init__.py", strings.Join(parts[:k], ".")
				if !exists(file) {
					// Under a collection's module_utils a directory is a
					// package without __init__.py (ansible's collection
					// loader gives it an empty one).
					if parts[0] != "ansible_collections" || k <= 5 || !isDir(filepath.Join(b.dir, rel)) {
						continue
					}
					file = ""
				}
			}
			for j := b.skip + 1; j < k; j++ {
				if dir := strings.Join(parts[:j], "/"); dir != "ansible" && dir != "ansible/module_utils" {
					if err := z.addPackage(b, parts[:j]); err != nil {
						return false, err
					}
				}
			}
			if _, done := z.files[zpath]; done {
				return true, nil
			}
			if file == "" {
				z.files[zpath] = nil
				return true, nil
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return false, err
			}
			z.files[zpath] = data
			return true, z.follow(data, pkg, strings.Join(parts[:k], "."))
		}
	}
	return false, nil
}

// addPackage adds a package's __init__.py (empty where the package has
// none, a namespace package zipimport cannot read).
func (z *zipper) addPackage(b base, parts []string) error {
	zpath := strings.Join(parts, "/") + "/__init__.py"
	if _, done := z.files[zpath]; done {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(b.dir, filepath.Join(parts[b.skip:]...), "__init__.py"))
	if err != nil {
		z.files[zpath] = nil
		return nil
	}
	z.files[zpath] = data
	return z.follow(data, strings.Join(parts, "."), strings.Join(parts, "."))
}

var releaseRe = regexp.MustCompile(`(?m)^__(version|author)__\s*=\s*['"]([^'"]*)['"]`)

// release reads ansible-core's version and author from ansible/release.py.
func release(root string) (version, author string) {
	version, author = "2.14.18", "Ansible, Inc."
	data, err := os.ReadFile(filepath.Join(root, "ansible", "release.py"))
	if err != nil {
		return
	}
	for _, m := range releaseRe.FindAllStringSubmatch(string(data), -1) {
		if m[1] == "version" {
			version = m[2]
		} else {
			author = m[2]
		}
	}
	return
}
