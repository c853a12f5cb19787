package modules

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.unarchive", Aliases: []string{"unarchive"},
		New: func() Module { return &Unarchive{} }, CheckMode: true,
	})
}

// Unarchive unpacks a tar (any compression GNU tar detects: gz, xz, bz2,
// zst) or, where unzip exists, a zip archive into an existing directory
// on the host, in one round trip: a controller archive arrives on stdin.
// The archive is unpacked into a staging directory first and compared
// with dest (content with cmp, symlink targets, missing directories);
// only when something differs is it copied over dest with cp -a, so a
// second run changes nothing.
type Unarchive struct {
	FileAttrs
	// Src is the archive: a controller file, a host file with remote_src, or a URL.
	Src string `arg:"src,required"`
	// Dest is the existing directory the archive is unpacked into.
	Dest string `arg:"dest,required,path=user"`
	// RemoteSrc says src is on the host.
	RemoteSrc bool `arg:"remote_src"`
	// Copy is remote_src's deprecated opposite.
	Copy *bool `arg:"copy"`
	// Creates skips unpacking when this host path exists.
	Creates string `arg:"creates,path=user"`
	// ListFiles returns the archive's file list.
	ListFiles bool `arg:"list_files"`
	// ExtraOpts are extra options for the unpacking command.
	ExtraOpts []string `arg:"extra_opts"`
	// Exclude lists archive members not to unpack.
	Exclude []string `arg:"exclude"`
	// Include lists the only archive members to unpack.
	Include []string `arg:"include"`
	// KeepNewer keeps files newer than the archive's.
	KeepNewer bool `arg:"keep_newer"`
	// Decrypt decrypts a vault-encrypted src.
	Decrypt bool `arg:"decrypt,default=true"`
	// IOBufSize is the buffer size used when reading the archive.
	IOBufSize int `arg:"io_buffer_size,default=65536"`
	// ValidCerts checks TLS certificates when src is a URL.
	ValidCerts bool `arg:"validate_certs,default=true"`
}

// Validate implements Validator.
func (m *Unarchive) Validate() error {
	if m.Copy != nil {
		if m.RemoteSrc {
			return errors.New("parameters are mutually exclusive: copy|remote_src")
		}
		m.RemoteSrc = !*m.Copy
	}
	if len(m.Exclude) > 0 && len(m.Include) > 0 {
		return errors.New("parameters are mutually exclusive: exclude|include")
	}
	if strings.Contains(m.Src, "://") && !m.RemoteSrc {
		return errors.New("unarchive: a URL src needs remote_src: true (the host downloads it)")
	}
	return nil
}

func isZipName(p string) bool { return strings.HasSuffix(strings.ToLower(p), ".zip") }

// Run implements Module.
func (m *Unarchive) Run(ctx context.Context, env *Env) (*Result, error) {
	q := connection.Quote
	r := &Result{}
	if m.Creates != "" {
		ok, err := pathExists(ctx, env, m.Creates, "")
		if err != nil {
			return nil, err
		}
		if ok {
			r.Skipped = true
			r.Msg = fmt.Sprintf("skipped, since %s exists", m.Creates)
			return r.Set("msg", r.Msg), nil
		}
	}
	if m.RemoteSrc && strings.Contains(m.Src, "://") {
		return m.runURL(ctx, env)
	}
	var stdin io.Reader = strings.NewReader("")
	archive := `"$up"`
	srcShown := m.Src
	if m.RemoteSrc {
		archive = q(m.Src)
	} else {
		local, err := findFile(env, "files", m.Src)
		if err != nil {
			return Failf("Could not find or access '%s' on the Ansible Controller.", m.Src), nil
		}
		f, err := os.Open(local)
		if err != nil {
			return Failf("Could not find or access '%s' on the Ansible Controller.", m.Src), nil
		}
		defer f.Close()
		stdin = f
		srcShown = local
	}
	mode, err := m.mode()
	if err != nil {
		return Failf("%s", err), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "D=%s\nA=%s\n", q(m.Dest), archive)
	b.WriteString(`[ -d "$D" ] || { echo @@nodest; exit 0; }
up=
s=$(mktemp -d "${TMPDIR:-/tmp}/.fjord_unarchive.XXXXXXXX") || exit 1
trap 'rm -rf -- "$s" "$s.out" "$s.diff" ${up:+"$up"}' EXIT HUP INT TERM
`)
	if !m.RemoteSrc {
		// A short archive could still unpack in part: it is checked
		// against the bytes sent first.
		var up connection.Upload
		if stdin, up, err = connection.Measure(stdin); err != nil {
			return Failf("unarchive: %s", err), nil
		}
		b.WriteString("up=$(mktemp \"${TMPDIR:-/tmp}/.fjord_archive.XXXXXXXX\") || exit 1\ncat > \"$up\" || exit 1\nA=\"$up\"\n")
		b.WriteString("t=$up f=" + q(m.Src) + "\n" + connection.VerifyScript(up, 1))
	} else {
		b.WriteString("[ -f \"$A\" ] || { echo @@nosrc; exit 0; }\n")
	}
	extra := quoteAll(m.ExtraOpts)
	zip := isZipName(m.Src)
	if zip {
		b.WriteString("command -v unzip >/dev/null 2>&1 || { echo @@nounzip; exit 0; }\n")
		var ex string
		if len(m.Exclude) > 0 {
			ex = " -x " + quoteAll(m.Exclude)
		}
		inc := ""
		if len(m.Include) > 0 {
			inc = " " + quoteAll(m.Include)
		}
		fmt.Fprintf(&b, "echo @@handler; echo ZipArchive\nX=\"unzip -qq -o %s \\\"\\$A\\\"%s%s -d \\\"\\$s\\\"\"\n", extra, inc, ex)
		fmt.Fprintf(&b, "unzip -qq -o %s \"$A\"%s%s -d \"$s\" >\"$s.out\" 2>&1; rc=$?\n", extra, inc, ex)
	} else {
		var ex []string
		for _, e := range m.Exclude {
			ex = append(ex, "--exclude="+e)
		}
		opts := strings.TrimSpace(extra + " " + quoteAll(ex))
		inc := ""
		if len(m.Include) > 0 {
			inc = " " + quoteAll(m.Include)
		}
		fmt.Fprintf(&b, "echo @@handler; echo TgzArchive\nX=\"tar -xf \\\"\\$A\\\" -C \\\"\\$s\\\" %s%s\"\n", opts, inc)
		fmt.Fprintf(&b, "tar -xf \"$A\" -C \"$s\" %s%s >\"$s.out\" 2>&1; rc=$?\n", opts, inc)
	}
	b.WriteString(`echo @@extract; echo "$rc"; printf '%s\n' "$X"; cat "$s.out"; rm -f -- "$s.out"
[ "$rc" -eq 0 ] || exit 0
echo @@files
(cd "$s" && find . -mindepth 1 | sed 's|^\./||')
echo @@differ
(cd "$s" && find . -mindepth 1 | sed 's|^\./||') | while IFS= read -r p; do
	d="$D/$p"
	if [ -L "$s/$p" ]; then
		[ -L "$d" ] && [ "$(readlink -- "$s/$p")" = "$(readlink -- "$d")" ] || echo "$p"
	elif [ -d "$s/$p" ]; then
		[ -d "$d" ] || echo "$p"
	elif [ -f "$s/$p" ]; then
		`)
	if m.KeepNewer {
		b.WriteString(`[ -e "$d" ] && [ "$d" -nt "$s/$p" ] && continue
		`)
	}
	b.WriteString(`[ -f "$d" ] && [ ! -L "$d" ] && cmp -s -- "$s/$p" "$d" || echo "$p"
	fi
done > "$s.diff"
cat "$s.diff"
`)
	if !env.Check {
		b.WriteString("if [ -s \"$s.diff\" ]; then cp -a -- \"$s\"/. \"$D\"/ || { rm -f -- \"$s.diff\"; echo @@copyfail; exit 0; }; fi\n")
		if m.Owner != "" || m.Group != "" || mode.Set {
			b.WriteString("echo @@attrs\n(cd \"$s\" && find . -mindepth 1 | sed 's|^\\./||') | while IFS= read -r p; do\n\td=\"$D/$p\"\n\t[ -L \"$d\" ] && continue\n\tb4=$(stat -c '%a %U %G' -- \"$d\")\n")
			if m.Owner != "" {
				fmt.Fprintf(&b, "\tchown -- %s \"$d\" || exit 1\n", q(m.Owner))
			}
			if m.Group != "" {
				fmt.Fprintf(&b, "\tchgrp -- %s \"$d\" || exit 1\n", q(m.Group))
			}
			if mode.Set && !mode.Preserve {
				mv := fmt.Sprint(m.Mode)
				if mode.Octal {
					mv = fmt.Sprintf("%o", mode.Bits)
				}
				fmt.Fprintf(&b, "\tchmod -- %s \"$d\" || exit 1\n", q(mv))
			}
			b.WriteString("\t[ \"$b4\" = \"$(stat -c '%a %U %G' -- \"$d\")\" ] || echo \"$p\"\ndone\n")
		}
	}
	b.WriteString("rm -f -- \"$s.diff\"\necho @@dest\n( " + connection.StatScript(m.Dest, connection.StatOptions{}) + ")\n")
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: b.String(), Stdin: stdin, Env: env.Environment, Become: env.Become})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	sec := Sections(string(res.Stdout))
	r.Set("dest", m.Dest).Set("src", srcShown)
	switch {
	case has(sec, "nodest"):
		return Failf("dest '%s' must be an existing dir", m.Dest), nil
	case has(sec, "nosrc"):
		return Failf("Source '%s' does not exist", m.Src), nil
	case has(sec, "nounzip"):
		return Failf("Failed to find handler for \"%s\". Make sure the required command to extract the file is installed.\nUnable to find required 'unzip' binary in the path.", m.Src), nil
	}
	r.Set("handler", trimNL(sec["handler"]))
	ex := strings.SplitN(sec["extract"], "\n", 3)
	if len(ex) < 2 {
		return Failf("unarchive: unexpected output from the host: %q", res.Stdout), nil
	}
	out := ""
	if len(ex) == 3 {
		out = trimNL(ex[2])
	}
	rc := strings.TrimSpace(ex[0])
	r.Set("extract_results", value.MapOf("cmd", ex[1], "rc", atoiOr(rc), "out", out, "err", ""))
	if rc != "0" {
		r.Failed = true
		r.Msg = fmt.Sprintf("Failed to find handler for \"%s\". Make sure the required command to extract the file is installed.\n%s", m.Src, out)
		return r.Set("msg", r.Msg), nil
	}
	if has(sec, "copyfail") {
		return Failf("unarchive: copying into %s failed", m.Dest), nil
	}
	r.Changed = strings.TrimSpace(sec["differ"]) != "" || strings.TrimSpace(sec["attrs"]) != ""
	if m.ListFiles {
		r.Set("files", lines(trimNL(sec["files"])))
	}
	if fi, err := connection.ParseStat(m.Dest, sec["dest"]); err == nil && fi.Exists {
		setFileResult(r, fi)
		r.Set("state", "directory")
	}
	return r, nil
}

// runURL downloads a URL src on the host with get_url (curl, wget or a
// file:// copy) into a temporary directory, unpacks it from there, and
// removes the directory. The download happens in check mode too, as
// Ansible's does, since only the archive tells what would change.
func (m *Unarchive) runURL(ctx context.Context, env *Env) (*Result, error) {
	res, err := hostRun(ctx, env, `mktemp -d "${TMPDIR:-/tmp}/.fjord_unarchive_dl.XXXXXXXX"`, nil)
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	dir := trimNL(string(res.Stdout))
	defer hostRun(context.WithoutCancel(ctx), env, "rm -rf -- "+connection.Quote(dir), nil)
	g := &GetURL{Dest: dir + "/", Timeout: 10}
	g.URL, g.ValidateCerts, g.UseProxy, g.HTTPAgent, g.UseNetrc = m.Src, m.ValidCerts, true, "ansible-httpget", true
	dl := *env
	dl.Check, dl.Diff = false, false
	gr, err := g.Run(ctx, &dl)
	if err != nil {
		return nil, fmt.Errorf("Failure downloading %s, %w", m.Src, err)
	}
	if gr.Failed {
		gr.Msg = fmt.Sprintf("Failure downloading %s, %s", m.Src, gr.Msg)
		return gr.Set("msg", gr.Msg), nil
	}
	local := *m
	local.Src = value.String(data(gr, "dest"))
	r, err := local.Run(ctx, env)
	if r != nil {
		r.Set("src", m.Src)
	}
	return r, err
}

func has(sec map[string]string, k string) bool {
	_, ok := sec[k]
	return ok
}

func atoiOr(s string) int {
	n := 0
	fmt.Sscanf(s, "%d", &n)
	return n
}

var _ Module = (*Unarchive)(nil)
var _ Validator = (*Unarchive)(nil)
