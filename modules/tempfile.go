package modules

import (
	"context"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	// Ansible's tempfile has no check mode: under --check it is skipped.
	Register(Info{
		ID: "ansible.builtin.tempfile", Aliases: []string{"tempfile"},
		New: func() Module { return &TempFile{} },
	})
}

// TempFile creates a uniquely named file or directory with mktemp(1).
type TempFile struct {
	// State is whether a file or a directory is created.
	State string `arg:"state,default=file,choices=directory|file"`
	// Path is the directory it is created in; default the host's temporary directory.
	Path string `arg:"path,path"`
	// Prefix begins the created name.
	Prefix string `arg:"prefix,default=ansible."`
	// Suffix ends the created name.
	Suffix string `arg:"suffix"`
}

// Validate implements Validator.
func (m *TempFile) Validate() error {
	if strings.Contains(m.Prefix, "/") || strings.Contains(m.Suffix, "/") {
		return fmt.Errorf("prefix and suffix must not contain '/'")
	}
	return nil
}

// Run implements Module.
func (m *TempFile) Run(ctx context.Context, env *Env) (*Result, error) {
	dir := `"${TMPDIR:-/tmp}"`
	if m.Path != "" {
		dir = hostPath(m.Path)
	}
	flag := ""
	if m.State == "directory" {
		flag = "-d "
	}
	// mkstemp and mkdtemp use 8 random characters; so does this.
	script := fmt.Sprintf("p=$(mktemp %s--suffix=%s -p %s %s) || exit 1\nprintf 'P %%s\\n' \"$p\"\n%s", flag,
		connection.Quote(m.Suffix), dir, connection.Quote(m.Prefix+"XXXXXXXX"),
		strings.Replace(connection.StatScript("", connection.StatOptions{}), "p=''\n", "", 1))
	res, err := hostRun(ctx, env, script, nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		r := cmdFailed(res, "")
		r.Msg = "Failed to create temporary " + m.State + ": " + r.Msg
		r.Set("msg", r.Msg)
		return r, nil
	}
	out := string(res.Stdout)
	p, _, _ := strings.Cut(strings.TrimPrefix(out, "P "), "\n")
	fi, err := connection.ParseStat(p, out)
	if err != nil {
		return Failf("%s", err), nil
	}
	r := &Result{Changed: true}
	r.Set("path", p)
	setFileResult(r, fi)
	return r, nil
}

var _ Module = (*TempFile)(nil)
var _ Validator = (*TempFile)(nil)
