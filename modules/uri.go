package modules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.uri", Aliases: []string{"uri"},
		New: func() Module { return &URI{} }, CheckMode: true,
	})
}

// URI makes an HTTP request from the managed host, as Ansible's uri does
// there. Without Python on the host the request is made by curl, which
// must be installed there (the task fails naming it otherwise). The
// request's options, headers and body reach curl as a config file on
// stdin; the response's headers and body come back in one round trip.
type URI struct {
	URLArgs
	FileAttrs
	// Method is the HTTP method.
	Method string `arg:"method,default=GET"`
	// Body is the request body, encoded by body_format.
	Body any `arg:"body"`
	// BodyFormat is how body is encoded and the Content-Type it sets.
	BodyFormat string `arg:"body_format,default=raw,choices=form-multipart|form-urlencoded|json|raw"`
	// StatusCode lists the status codes that count as success.
	StatusCode []int `arg:"status_code,default=200"`
	// ReturnContent returns the response body as content.
	ReturnContent bool `arg:"return_content"`
	// Dest saves the response body to this host file.
	Dest string `arg:"dest,path"`
	// Creates skips the request when this host path exists.
	Creates string `arg:"creates,path"`
	// Removes skips the request when this host path does not exist.
	Removes string `arg:"removes,path"`
	// Timeout is the request's timeout in seconds.
	Timeout int `arg:"timeout,default=30"`
	// Src is a file whose content is the request body.
	Src string `arg:"src"`
	// RemoteSrc says src is on the host.
	RemoteSrc bool `arg:"remote_src"`
	// FollowRedirects says which redirects are followed (uri's alone;
	// get_url always follows).
	FollowRedirects string `arg:"follow_redirects,default=safe,choices=all|no|none|safe|urllib2|yes"`
	// UnixSocketArg is a unix socket to send the request through.
	UnixSocketArg string `arg:"unix_socket"`
}

// Validate implements Validator.
func (m *URI) Validate() error {
	m.Method = strings.ToUpper(m.Method)
	m.UnixSocket = m.UnixSocketArg
	if m.Body != nil && m.Src != "" {
		return errors.New("parameters are mutually exclusive: body|src")
	}
	if m.BodyFormat == "form-multipart" {
		return errors.New("uri: body_format=form-multipart is not supported by fjord yet")
	}
	return nil
}

// body renders the request body and the content type it implies.
func (m *URI) body() (string, string, error) {
	if m.Body == nil {
		return "", "", nil
	}
	switch m.BodyFormat {
	case "json":
		if s, ok := m.Body.(string); ok {
			return s, "application/json", nil
		}
		b, err := json.Marshal(m.Body)
		if err != nil {
			return "", "", fmt.Errorf("failed to encode body as JSON: %w", err)
		}
		return string(b), "application/json", nil
	case "form-urlencoded":
		switch b := m.Body.(type) {
		case string:
			return b, "application/x-www-form-urlencoded", nil
		case *value.Map:
			var parts []string
			for _, k := range b.Keys() {
				v, _ := b.Get(k)
				parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(value.String(v)))
			}
			return strings.Join(parts, "&"), "application/x-www-form-urlencoded", nil
		case []any:
			var parts []string
			for _, e := range b {
				l, ok := e.([]any)
				if !ok || len(l) != 2 {
					return "", "", errors.New("failed to encode body: a list body must hold [key, value] pairs")
				}
				parts = append(parts, url.QueryEscape(value.String(l[0]))+"="+url.QueryEscape(value.String(l[1])))
			}
			return strings.Join(parts, "&"), "application/x-www-form-urlencoded", nil
		}
		return "", "", fmt.Errorf("failed to parse body as form_urlencoded: %s", pyType(m.Body))
	}
	return value.String(m.Body), "", nil
}

// follow says whether curl follows redirects for this request.
func (m *URI) follow() bool {
	switch m.FollowRedirects {
	case "all", "yes", "urllib2":
		return true
	case "safe":
		return m.Method == "GET" || m.Method == "HEAD"
	}
	return false
}

// Run implements Module.
func (m *URI) Run(ctx context.Context, env *Env) (*Result, error) {
	r := &Result{}
	for _, t := range []struct {
		path string
		want bool
		why  string
	}{{m.Creates, true, "exists"}, {m.Removes, false, "does not exist"}} {
		if t.path == "" {
			continue
		}
		ok, err := pathExists(ctx, env, t.path, "")
		if err != nil {
			return nil, err
		}
		if ok == t.want {
			return r.Set("stdout", fmt.Sprintf("skipped, since '%s' %s", t.path, t.why)).Set("rc", 0), nil
		}
	}
	body, ctype, err := m.body()
	if err != nil {
		return Failf("%s", err), nil
	}
	extra := map[string]string{}
	if ctype != "" {
		extra["Content-Type"] = ctype
	}
	cfg := m.curlConfig(m.Method, m.Timeout, m.follow(), extra)
	if m.Body != nil {
		cfg += "data-raw = " + curlQuote(body) + "\n"
	}
	var stdin io.Reader = strings.NewReader(cfg)
	// curl reads its config on stdin, or, when a controller file is the
	// body, the config's exact length first (dd bs=1 cannot over-read)
	// and the body after it.
	readCfg, bodyOpt := "", ""
	if m.Src != "" && m.RemoteSrc {
		cfg += "data-binary = " + curlQuote("@"+m.Src) + "\n"
		stdin = strings.NewReader(cfg)
	} else if m.Src != "" {
		local, err := findFile(env, "files", m.Src)
		if err != nil {
			return Failf("Could not find or access '%s' on the Ansible Controller.", m.Src), nil
		}
		f, err := os.Open(local)
		if err != nil {
			return Failf("Could not find or access '%s' on the Ansible Controller.", m.Src), nil
		}
		defer f.Close()
		stdin = io.MultiReader(strings.NewReader(cfg), f)
		readCfg = fmt.Sprintf("c=$(mktemp) || exit 1\ndd bs=1 count=%d of=\"$c\" 2>/dev/null || exit 1\n", len(cfg))
		bodyOpt = ` --data-binary @-`
	}
	keep := "rm -f -- \"$b\"; "
	if m.Dest != "" {
		keep = ""
	}
	cfgArg := "-"
	if readCfg != "" {
		cfgArg = `"$c"`
		keep += `rm -f -- "$c"; `
	}
	script := `command -v curl >/dev/null 2>&1 || { echo @@notool; exit 0; }
b=$(mktemp) && h=$(mktemp) || exit 1
c=
trap '` + keep + `rm -f -- "$h"' EXIT
` + readCfg + `w=$(curl -K ` + cfgArg + bodyOpt + ` -sS -D "$h" -o "$b" -w '%{http_code} %{num_redirects} %{size_download}\n%{url_effective}\n%{content_type}'); r=$?
echo @@curl; echo "$r"; printf '%s\n' "$w"
echo @@tmp; printf '%s\n' "$b"
echo @@headers; cat "$h"
echo @@fjord-body
exec cat "$b"
`
	var out bytes.Buffer
	start := time.Now()
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script, Stdin: stdin, Env: env.Environment, Become: env.Become, Stdout: &out})
	if err != nil {
		return nil, err
	}
	elapsed := int(time.Since(start).Seconds())
	out.Write(res.Stdout)
	if res.RC != 0 {
		return cmdFailed(res, ""), nil
	}
	raw := out.Bytes()
	head, content := raw, []byte(nil)
	if i := bytes.Index(raw, []byte("@@fjord-body\n")); i >= 0 {
		head, content = raw[:i], raw[i+len("@@fjord-body\n"):]
	}
	sec := Sections(string(head))
	if _, ok := sec["notool"]; ok {
		return Failf("uri: curl is not installed on the host, and fjord runs no Python there to request %s; install curl on the host", m.URL), nil
	}
	cl := strings.SplitN(sec["curl"], "\n", 4)
	if len(cl) < 4 {
		return Failf("uri: unexpected output from the host: %q", head), nil
	}
	rc, _ := strconv.Atoi(strings.TrimSpace(cl[0]))
	nums := strings.Fields(cl[1])
	status, redirects := 0, 0
	if len(nums) >= 2 {
		status, _ = strconv.Atoi(nums[0])
		redirects, _ = strconv.Atoi(nums[1])
	}
	effURL, ctypeResp := strings.TrimSpace(cl[2]), strings.TrimSpace(cl[3])
	tmp := trimNL(sec["tmp"])
	cleanup := func() error {
		if m.Dest == "" {
			return nil
		}
		_, err := env.Conn.Exec(ctx, &connection.Cmd{Command: "rm -f -- " + connection.Quote(tmp), Become: env.Become})
		return err
	}
	r.Set("elapsed", elapsed).Set("url", m.URL).Set("redirected", redirects > 0).Set("changed", false)
	if rc != 0 {
		cleanup()
		msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(res.Stderr)), "curl: "))
		r.Failed = true
		r.Msg = "Status code was -1 and not " + pyIntList(m.StatusCode) + ": Request failed: " + msg
		r.Set("status", -1).Set("msg", r.Msg)
		return r, nil
	}
	if effURL != "" {
		r.Set("url", effURL)
	}
	reason := parseRespHeaders(r, sec["headers"])
	if ctypeResp != "" {
		r.Set("content_type", ctypeResp)
	}
	r.Set("status", status)
	if cl, ok := r.Data.Get("content_length"); ok {
		r.Msg = fmt.Sprintf("OK (%s bytes)", value.String(cl))
	} else {
		r.Msg = "OK (unknown bytes)"
	}
	if status >= 400 {
		if reason == "" {
			reason = httpReason(status)
		}
		r.Msg = fmt.Sprintf("HTTP Error %d: %s", status, reason)
	}
	okStatus := false
	for _, c := range m.StatusCode {
		okStatus = okStatus || c == status
	}
	isJSON := strings.Contains(ctypeResp, "json")
	if isJSON && len(content) > 0 {
		if js, err := value.FromJSON(content); err == nil {
			r.Set("json", js)
		}
	}
	if m.Dest != "" && okStatus {
		changed, err := m.writeDest(ctx, env, r, tmp)
		if cerr := cleanup(); err == nil && cerr != nil {
			return nil, cerr
		}
		if err != nil {
			return nil, err
		}
		r.Changed = changed
		r.Set("changed", changed)
	} else if err := cleanup(); err != nil {
		return nil, err
	}
	if !okStatus {
		r.Failed = true
		r.Msg = fmt.Sprintf("Status code was %d and not %s: %s", status, pyIntList(m.StatusCode), r.Msg)
	}
	if m.ReturnContent || !okStatus {
		r.Set("content", string(content))
	}
	r.Set("msg", r.Msg)
	return r, nil
}

// writeDest moves the downloaded body at tmp over dest when it differs.
func (m *URI) writeDest(ctx context.Context, env *Env, r *Result, tmp string) (bool, error) {
	dest := m.Dest
	fi, err := connection.Stat(ctx, env.Conn, dest, connection.StatOptions{Checksum: true, Become: env.Become})
	if err != nil {
		return false, err
	}
	if fi.Exists && fi.Type == "directory" {
		dest = strings.TrimSuffix(dest, "/") + "/" + urlBasename(m.URL)
		if fi, err = connection.Stat(ctx, env.Conn, dest, connection.StatOptions{Checksum: true, Become: env.Become}); err != nil {
			return false, err
		}
	}
	r.Set("path", dest)
	src, err := connection.Stat(ctx, env.Conn, tmp, connection.StatOptions{Checksum: true, Become: env.Become})
	if err != nil {
		return false, err
	}
	mode, err := m.mode()
	if err != nil {
		return false, err
	}
	if fi.Exists && fi.Checksum == src.Checksum {
		plan, err := applyAttrs(ctx, env, dest, fi, &m.FileAttrs, mode)
		if err != nil {
			return false, err
		}
		return plan.changed(), nil
	}
	if env.Check {
		return true, nil
	}
	po := connection.PutOptions{Owner: m.Owner, Group: m.Group, RemoteSrc: tmp, Become: env.Become}
	if mode.Set && !mode.Preserve {
		base := fi.Mode
		if !fi.Exists {
			base = 0666 &^ fi.Umask
		}
		po.Mode = fmt.Sprintf("%04o", mode.Apply(base, false, fi.Umask))
	}
	_, err = connection.Put(ctx, env.Conn, nil, dest, po)
	return err == nil, err
}

// parseRespHeaders adds the final response's headers to r the way
// Ansible names them (lower case, "-" as "_"), with cookies, and returns
// the status line's reason phrase.
func parseRespHeaders(r *Result, raw string) string {
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	blocks := strings.Split(strings.TrimSpace(raw), "\n\n")
	last := blocks[len(blocks)-1]
	reason := ""
	cookies := value.NewMap(2)
	var cookieParts []string
	for i, l := range strings.Split(last, "\n") {
		if i == 0 && strings.HasPrefix(l, "HTTP/") {
			f := strings.SplitN(l, " ", 3)
			if len(f) == 3 {
				reason = strings.TrimSpace(f[2])
			}
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_")
		v = strings.TrimSpace(v)
		if k == "set_cookie" {
			nv, _, _ := strings.Cut(v, ";")
			if n, cv, ok := strings.Cut(nv, "="); ok {
				cookies.Set(strings.TrimSpace(n), strings.TrimSpace(cv))
				cookieParts = append(cookieParts, strings.TrimSpace(nv))
			}
		}
		if prev, ok := r.Data.Get(k); ok {
			v = value.String(prev) + ", " + v
		}
		r.Set(k, v)
	}
	r.Set("cookies", cookies).Set("cookies_string", strings.Join(cookieParts, "; "))
	return reason
}

func pyIntList(l []int) string {
	s := make([]string, len(l))
	for i, n := range l {
		s[i] = strconv.Itoa(n)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

var _ Module = (*URI)(nil)
var _ Validator = (*URI)(nil)
