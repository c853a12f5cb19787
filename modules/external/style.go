package external

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/value"
)

// Style is how a module takes its arguments, as module_common names it.
type Style string

const (
	// Old: an args file of k=v words, its path as $1.
	Old Style = "old"
	// WantJSON: a JSON args file, its path as $1.
	WantJSON Style = "non_native_want_json"
	// Binary: an executable run as it is, a JSON args file as $1.
	Binary Style = "binary"
	// NewPython: a module built on ansible.module_utils, sent as a
	// payload with its arguments inside.
	NewPython Style = "new"
	// JSONArgs: a module whose <<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>
	// marker is replaced by its arguments.
	JSONArgs Style = "jsonargs"
	// PowerShell modules need a Windows host.
	PowerShell Style = "powershell"
)

const (
	replacer         = "#<<INCLUDE_ANSIBLE_MODULE_COMMON>>"
	replacerJSONArgs = "<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>"
	replacerWindows  = "# POWERSHELL_COMMON"
	replacerVersion  = `"<<ANSIBLE_VERSION>>"`
	replacerComplex  = `"<<INCLUDE_ANSIBLE_MODULE_COMPLEX_ARGS>>"`
	replacerSelinux  = "<<SELINUX_SPECIAL_FILESYSTEMS>>"
)

// newStyleRe is what makes a Python module new-style: an import of
// ansible.module_utils or a collection's module_utils.
var newStyleRe = regexp.MustCompile(`(?:from +\.{2,} *module_utils.* +import |` +
	`from +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils.* +import |` +
	`import +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils.*|` +
	`from +ansible\.module_utils.* +import |` +
	`import +ansible\.module_utils\.)`)

var psRe = regexp.MustCompile(`(?i)#Requires -Module|#Requires -Version|#AnsibleRequires -OSVersion|#AnsibleRequires -Powershell|#AnsibleRequires -CSharpUtil`)

// Detect tells a module's style from its content, in module_common's
// order.
func Detect(data []byte) Style {
	switch {
	case isBinary(data):
		return Binary
	case bytes.Contains(data, []byte(replacer)), newStyleRe.Match(data):
		return NewPython
	case bytes.Contains(data, []byte(replacerWindows)), psRe.Match(data):
		return PowerShell
	case bytes.Contains(data, []byte(replacerJSONArgs)):
		return JSONArgs
	case bytes.Contains(data, []byte("WANT_JSON")):
		return WantJSON
	}
	return Old
}

// isBinary is module_common's _is_binary: a control byte other than
// BEL, BS, TAB, LF, FF, CR and ESC (or DEL) in the first 1024 bytes.
func isBinary(data []byte) bool {
	if len(data) > 1024 {
		data = data[:1024]
	}
	for _, c := range data {
		if c == 0x7f || c < 0x20 && c != 7 && c != 8 && c != 9 && c != 10 && c != 12 && c != 13 && c != 27 {
			return true
		}
	}
	return false
}

// Shebang is a module's #! line split as shlex does: the interpreter and
// its arguments; ok is false when the first line is not one.
func Shebang(data []byte) (interp string, args []string, ok bool) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if !bytes.HasPrefix(line, []byte("#!")) {
		return "", nil, false
	}
	words, err := value.ShlexSplit(strings.TrimSpace(string(line[2:])), false)
	if err != nil || len(words) == 0 {
		return "", nil, false
	}
	return words[0], words[1:], true
}

var (
	rootOnce sync.Once
	root     string
)

// AnsibleRoot is the directory holding the controller's installed
// ansible-core package (ansible/module_utils/basic.py), "" when there is
// none: Debian's python3 packages, then pip's under /usr/local.
func AnsibleRoot() string {
	rootOnce.Do(func() {
		cands := []string{"/usr/lib/python3/dist-packages"}
		for _, g := range []string{"/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages", "/usr/lib/python3*/site-packages"} {
			m, _ := filepath.Glob(g)
			cands = append(cands, m...)
		}
		for _, c := range cands {
			if c != "" && exists(filepath.Join(c, "ansible", "module_utils", "basic.py")) {
				root = c
				return
			}
		}
	})
	return root
}
