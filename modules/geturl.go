package modules

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/fjord-run/fjord/connection"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.get_url", Aliases: []string{"get_url"},
		New: func() Module { return &GetURL{} }, CheckMode: true,
	})
}

// GetURL downloads a URL to a file on the managed host, as Ansible's
// get_url does there. Hosts have no Python: http(s)/ftp go through curl,
// else wget, on the host; file:// is a copy on the host. With neither
// tool the task fails naming them. The download lands in a temporary
// file; it replaces dest (atomically, with mode/owner/group/backup) only
// when its sha1 differs.
type GetURL struct {
	URLArgs
	FileAttrs
	// Dest is where the download goes; a directory takes the server's file name.
	Dest string `arg:"dest,required,path"`
	// Checksum is ALGORITHM:DIGEST (or a URL of a checksum file) the download must match.
	Checksum string `arg:"checksum"`
	// Force downloads even when dest exists.
	Force bool `arg:"force"`
	// Backup keeps a timestamped copy of the old dest.
	Backup bool `arg:"backup"`
	// Timeout is the request's timeout in seconds.
	Timeout int `arg:"timeout,default=10"`
	// TmpDest is the host directory the download is staged in.
	TmpDest string `arg:"tmp_dest"`
	// Sha256sum is the old spelling of checksum: sha256:VALUE.
	Sha256sum string `arg:"sha256sum"`

	algo, want string
	sumURL     string // checksum given as algo:URL of a checksum file
}

var checksumTools = map[string]string{
	"md5": "md5sum", "sha1": "sha1sum", "sha224": "sha224sum", "sha256": "sha256sum",
	"sha384": "sha384sum", "sha512": "sha512sum",
}

// Validate implements Validator.
func (m *GetURL) Validate() error {
	if m.Sha256sum != "" && m.Checksum == "" {
		m.Checksum = "sha256:" + m.Sha256sum
	}
	if m.Checksum != "" {
		algo, want, ok := strings.Cut(m.Checksum, ":")
		if !ok {
			return errors.New("The checksum parameter has to be in format <algorithm>:<checksum>")
		}
		algo = strings.ToLower(algo)
		if _, ok := checksumTools[algo]; !ok {
			return fmt.Errorf("Unsupported hash algorithm: %s", algo)
		}
		m.algo = algo
		if strings.Contains(want, "://") {
			m.sumURL = strings.TrimSpace(want)
		} else {
			m.want = strings.ToLower(strings.TrimSpace(want))
		}
	}
	return nil
}

// urlBasename is the file name a directory dest gets: the URL path's
// last element (Content-Disposition is not consulted).
func urlBasename(u string) string {
	if p, err := url.Parse(u); err == nil && p.Path != "" {
		if b := path.Base(p.Path); b != "/" && b != "." {
			return b
		}
	}
	return "index.html"
}

// fetchSum reads the checksum file at m.sumURL from the host (curl,
// wget, or cat for file://) and picks the digest for the URL's file
// name, or the only digest of a one-line file.
func (m *GetURL) fetchSum(ctx context.Context, env *Env) (string, error) {
	script := "command -v curl >/dev/null 2>&1 && exec curl -K - -fsS\n" +
		"command -v wget >/dev/null 2>&1 && exec wget -q -O - -- " + connection.Quote(m.sumURL) + "\n" +
		"echo 'neither curl nor wget is installed on the host' >&2; exit 127\n"
	stdin := (&URLArgs{URL: m.sumURL, ValidateCerts: m.ValidateCerts, UseProxy: m.UseProxy, HTTPAgent: m.HTTPAgent,
		URLUsername: m.URLUsername, URLPassword: m.URLPassword, Headers: m.Headers}).curlConfig("GET", m.Timeout, true, nil)
	if p := fileURLPath(m.sumURL); p != "" {
		script, stdin = "cat -- "+connection.Quote(p), ""
	}
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script, Stdin: strings.NewReader(stdin), Env: env.Environment, Become: env.Become})
	if err != nil {
		return "", err
	}
	if res.RC != 0 {
		return "", fmt.Errorf("Unable to download checksum file %s: %s", m.sumURL, strings.TrimSpace(string(res.Stderr)))
	}
	name := urlBasename(m.URL)
	var only []string
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 1:
			only = append(only, f[0])
		case len(f) >= 2 && strings.TrimPrefix(strings.TrimPrefix(f[1], "*"), "./") == name:
			return strings.ToLower(f[0]), nil
		}
	}
	if len(only) == 1 {
		return strings.ToLower(only[0]), nil
	}
	return "", fmt.Errorf("Unable to find a checksum for file '%s' in '%s'", name, m.sumURL)
}

// Run implements Module.
func (m *GetURL) Run(ctx context.Context, env *Env) (*Result, error) {
	q := connection.Quote
	if m.sumURL != "" {
		want, err := m.fetchSum(ctx, env)
		if err != nil {
			return nil, err
		}
		m.want = want
	}
	base := urlBasename(m.URL)
	var b strings.Builder
	fmt.Fprintf(&b, "D=%s\nif [ -d \"$D\" ]; then f=%s; else f=\"$D\"; fi\n", q(m.Dest), q(path.Join(m.Dest, base)))
	b.WriteString("echo @@dest; printf '%s\\n' \"$f\"\n")
	fmt.Fprintf(&b, "echo @@stat\n( %s)\n", connection.StatScript(m.Dest, connection.StatOptions{Checksum: true}))
	fmt.Fprintf(&b, "if [ -d \"$D\" ]; then echo @@stat2; ( %s); fi\n", connection.StatScript(path.Join(m.Dest, base), connection.StatOptions{Checksum: true}))
	if !m.Force {
		b.WriteString("if [ -f \"$f\" ]; then\n")
		if m.algo == "" {
			b.WriteString("\techo @@exists; exit 0\n")
		} else {
			fmt.Fprintf(&b, "\ts=$(%s < \"$f\" | cut -d' ' -f1)\n\tif [ \"$s\" = %s ]; then echo @@exists; exit 0; fi\n", checksumTools[m.algo], q(m.want))
		}
		b.WriteString("fi\n")
	}
	b.WriteString("[ -d \"$(dirname -- \"$f\")\" ] || { echo @@nodir; exit 0; }\n")
	tmpdir := "${TMPDIR:-/tmp}"
	if m.TmpDest != "" {
		tmpdir = q(m.TmpDest)
	}
	fmt.Fprintf(&b, "t=$(mktemp %s/.fjord_get_url.XXXXXXXX) || exit 1\ne=$(mktemp) || exit 1\nrc=\ntrap 'rm -f -- \"$e\" ${rc:+\"$rc\"}' EXIT\n", tmpdir)
	// From here on a failure removes "$t" as well.
	b.WriteString("fail() { rm -f -- \"$t\"; exit 0; }\n")
	stdin := ""
	if p := fileURLPath(m.URL); p != "" {
		fmt.Fprintf(&b, "echo @@status\nif cp -- %s \"$t\" 2>\"$e\"; then echo '0 200'; else echo '1 0'; echo @@err; cat \"$e\"; fail; fi\n", q(p))
	} else {
		b.WriteString("if command -v curl >/dev/null 2>&1; then\n")
		b.WriteString("\tcode=$(curl -K - -sS -o \"$t\" -w '%{http_code}' 2>\"$e\"); r=$?\n")
		b.WriteString("elif command -v wget >/dev/null 2>&1; then\n")
		if m.URLUsername != "" {
			fmt.Fprintf(&b, "\trc=$(mktemp) && chmod 600 \"$rc\" && printf '%%s' %s > \"$rc\" || exit 1\n", q(m.wgetrc()))
		}
		fmt.Fprintf(&b, "\t%s 2>\"$e\"; r=$?\n", m.wgetArgs(m.Timeout))
		b.WriteString("\tcode=$(sed -n 's/^ *HTTP\\/[0-9.]* \\([0-9][0-9][0-9]\\).*/\\1/p' \"$e\" | tail -n 1)\n\t[ $r -eq 8 ] && r=0\n")
		b.WriteString("else\n\techo @@notool; fail\nfi\n")
		b.WriteString("echo @@status; echo \"$r ${code:-0}\"\nif [ $r -ne 0 ]; then echo @@err; cat \"$e\"; fail; fi\n")
		b.WriteString("case $code in 2??) ;; *) fail ;; esac\n")
		stdin = m.curlConfig("GET", m.Timeout, true, nil)
	}
	b.WriteString("echo @@tmp; printf '%s\\n' \"$t\"\necho @@sums\nsha1sum < \"$t\" | cut -d' ' -f1\nmd5sum < \"$t\" | cut -d' ' -f1\nwc -c < \"$t\"\n")
	if m.algo != "" {
		fmt.Fprintf(&b, "echo @@want\n%s < \"$t\" | cut -d' ' -f1\n", checksumTools[m.algo])
	}
	start := time.Now()
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: b.String(), Become: env.Become, Env: env.Environment, Stdin: strings.NewReader(stdin)})
	if err != nil {
		return nil, err
	}
	elapsed := int(time.Since(start).Seconds())
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	sec := Sections(string(res.Stdout))
	dest := trimNL(sec["dest"])
	r := &Result{}
	r.Set("dest", dest).Set("url", m.URL).Set("elapsed", elapsed)
	fi, err := connection.ParseStat(m.Dest, sec["stat"])
	if err != nil {
		return Failf("%s", err), nil
	}
	if s2, ok := sec["stat2"]; ok {
		if fi, err = connection.ParseStat(dest, s2); err != nil {
			return Failf("%s", err), nil
		}
	}
	if _, ok := sec["exists"]; ok {
		r.Msg = "file already exists"
		return m.finishAttrs(ctx, env, r, dest, fi)
	}
	if _, ok := sec["nodir"]; ok {
		return Failf("Destination %s does not exist", path.Dir(dest)), nil
	}
	if _, ok := sec["notool"]; ok {
		return Failf("get_url: neither curl nor wget is installed on the host, and fjord runs no Python there to fetch %s; install curl (or wget) on the host", m.URL), nil
	}
	st := strings.Fields(sec["status"])
	code := 0
	if len(st) == 2 {
		code, _ = strconv.Atoi(st[1])
	}
	r.Set("status_code", code)
	if e, ok := sec["err"]; ok || code < 200 || code > 299 {
		r.Failed = true
		if ok {
			r.Msg = "Request failed: " + strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(e), "curl: "))
		} else {
			r.Msg = "Request failed"
			r.Set("response", fmt.Sprintf("HTTP Error %d: %s", code, httpReason(code)))
		}
		r.Set("msg", r.Msg)
		return r, nil
	}
	tmp := trimNL(sec["tmp"])
	sums := strings.Fields(sec["sums"])
	if len(sums) != 3 {
		return Failf("get_url: unexpected output from the host: %q", res.Stdout), nil
	}
	size, _ := strconv.Atoi(sums[2])
	cleanup := func() error {
		_, err := env.Conn.Exec(ctx, &connection.Cmd{Command: "rm -f -- " + q(tmp), Become: env.Become})
		return err
	}
	r.Set("checksum_src", sums[0]).Set("md5sum", sums[1]).Set("size", size).Set("src", tmp)
	r.Msg = fmt.Sprintf("OK (%d bytes)", size)
	if fi.Exists && fi.Type == "file" {
		r.Set("checksum_dest", fi.Checksum)
	} else {
		r.Set("checksum_dest", nil)
	}
	if m.algo != "" {
		if got := strings.TrimSpace(sec["want"]); got != m.want {
			if err := cleanup(); err != nil {
				return nil, err
			}
			r.Failed = true
			r.Msg = fmt.Sprintf("The checksum for %s did not match %s; it was %s.", dest, m.want, got)
			r.Set("msg", r.Msg)
			return r, nil
		}
	}
	if env.Check {
		// As Ansible: the download succeeded, so check mode reports a change.
		r.Changed = true
		r.Set("msg", r.Msg)
		return r, cleanup()
	}
	if fi.Exists && fi.Checksum == sums[0] {
		if err := cleanup(); err != nil {
			return nil, err
		}
		return m.finishAttrs(ctx, env, r, dest, fi)
	}
	mode, err := m.mode()
	if err != nil {
		cleanup()
		return Failf("%s", err), nil
	}
	po := connection.PutOptions{Owner: m.Owner, Group: m.Group, Backup: m.Backup, RemoteSrc: tmp, Become: env.Become}
	if mode.Set {
		if mode.Preserve {
			cleanup()
			return Failf("mode=preserve is not supported by get_url"), nil
		}
		if mode.Octal {
			po.Mode = fmt.Sprintf("%04o", mode.Bits)
		} else {
			b := fi.Mode
			if !fi.Exists {
				b = 0666 &^ fi.Umask
			}
			po.Mode = fmt.Sprintf("%04o", mode.Apply(b, false, fi.Umask))
		}
	}
	pr, perr := connection.Put(ctx, env.Conn, nil, dest, po)
	if err := cleanup(); err != nil {
		return nil, err
	}
	if perr != nil {
		return nil, perr
	}
	r.Changed = true
	setPut(r, pr).Set("msg", r.Msg)
	return r, nil
}

// finishAttrs ends a run that leaves dest's content alone: only
// mode/owner/group may still change.
func (m *GetURL) finishAttrs(ctx context.Context, env *Env, r *Result, dest string, fi *connection.FileInfo) (*Result, error) {
	mode, err := m.mode()
	if err != nil {
		return Failf("%s", err), nil
	}
	plan, err := applyAttrs(ctx, env, dest, fi, &m.FileAttrs, mode)
	if err != nil {
		return nil, err
	}
	r.Changed = plan.changed()
	setFileResult(r, fi)
	r.Set("msg", r.Msg)
	return r, nil
}

var _ Module = (*GetURL)(nil)
var _ Validator = (*GetURL)(nil)
