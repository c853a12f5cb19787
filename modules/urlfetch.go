package modules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

// URLArgs are the request arguments uri and get_url share.
type URLArgs struct {
	// URL is the address to request.
	URL string `arg:"url,required"`
	// Headers are extra request headers.
	Headers *value.Map `arg:"headers"`
	// URLUsername is the user for HTTP authentication.
	URLUsername string `arg:"url_username,aliases=user|username"`
	// URLPassword is the password for HTTP authentication.
	URLPassword string `arg:"url_password,aliases=password"`
	// ForceBasicAuth sends basic authentication without waiting for a 401.
	ForceBasicAuth bool `arg:"force_basic_auth"`
	// ValidateCerts checks the server's TLS certificate.
	ValidateCerts bool `arg:"validate_certs,default=true"`
	// UseProxy honours the proxy environment variables.
	UseProxy bool `arg:"use_proxy,default=true"`
	// HTTPAgent is the User-Agent header.
	HTTPAgent string `arg:"http_agent,default=ansible-httpget"`
	// ClientCert is a PEM client certificate on the host.
	ClientCert string `arg:"client_cert"`
	// ClientKey is the client certificate's PEM key on the host.
	ClientKey string `arg:"client_key"`
	// CAPath is a PEM CA bundle on the host to verify the server with.
	CAPath string `arg:"ca_path"`
	// UseNetrc reads credentials from ~/.netrc.
	UseNetrc bool `arg:"use_netrc,default=true"`
	// UseGSSAPI authenticates with GSSAPI (Kerberos).
	UseGSSAPI bool `arg:"use_gssapi"`
	// Ciphers restricts the TLS cipher suites.
	Ciphers []string `arg:"ciphers"`
	// UnredirHeaders are headers not sent again after a redirect.
	UnredirHeaders []string `arg:"unredirected_headers"`
	// Decompress decompresses a gzip-encoded response.
	Decompress bool `arg:"decompress,default=true"`

	// UnixSocket is uri's unix_socket (get_url has none).
	UnixSocket string
}

// curlQuote writes s as a double-quoted curl config value.
func curlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// curlConfig is the request as a curl config file, fed on stdin (-K -)
// so that passwords and headers never show on a command line.
func (a *URLArgs) curlConfig(method string, timeout int, follow bool, extraHeaders map[string]string) string {
	var b strings.Builder
	kv := func(k, v string) { fmt.Fprintf(&b, "%s = %s\n", k, curlQuote(v)) }
	kv("url", a.URL)
	if method == "HEAD" {
		b.WriteString("head\n")
	} else if method != "" && method != "GET" {
		kv("request", method)
	}
	if timeout > 0 {
		kv("max-time", fmt.Sprint(timeout))
	}
	if follow {
		b.WriteString("location\n")
		kv("max-redirs", "50")
	}
	if !a.ValidateCerts {
		b.WriteString("insecure\n")
	}
	if !a.UseProxy {
		kv("noproxy", "*")
	}
	if a.HTTPAgent != "" {
		kv("user-agent", a.HTTPAgent)
	}
	if a.URLUsername != "" {
		kv("user", a.URLUsername+":"+a.URLPassword)
	}
	if a.ClientCert != "" {
		kv("cert", a.ClientCert)
	}
	if a.ClientKey != "" {
		kv("key", a.ClientKey)
	}
	if a.CAPath != "" {
		kv("cacert", a.CAPath)
	}
	if a.UseNetrc {
		b.WriteString("netrc-optional\n")
	}
	if a.UnixSocket != "" {
		kv("unix-socket", a.UnixSocket)
	}
	have := map[string]bool{}
	if a.Headers != nil {
		for _, k := range a.Headers.Keys() {
			v, _ := a.Headers.Get(k)
			have[strings.ToLower(k)] = true
			kv("header", k+": "+value.String(v))
		}
	}
	keys := make([]string, 0, len(extraHeaders))
	for k := range extraHeaders {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !have[strings.ToLower(k)] {
			kv("header", k+": "+extraHeaders[k])
		}
	}
	return b.String()
}

// wgetArgs is the wget command line downloading the request into "$t",
// for hosts without curl (get_url only); wget -S writes the status lines
// to stderr, where the caller reads the last one.
func (a *URLArgs) wgetArgs(timeout int) string {
	args := []string{"wget", "-S", "-O", `"$t"`}
	if timeout > 0 {
		args = append(args, fmt.Sprintf("--timeout=%d", timeout))
	}
	if !a.ValidateCerts {
		args = append(args, "--no-check-certificate")
	}
	if !a.UseProxy {
		args = append(args, "--no-proxy")
	}
	if a.HTTPAgent != "" {
		args = append(args, "--user-agent="+connection.Quote(a.HTTPAgent))
	}
	if a.Headers != nil {
		for _, k := range a.Headers.Keys() {
			v, _ := a.Headers.Get(k)
			args = append(args, connection.Quote("--header="+k+": "+value.String(v)))
		}
	}
	if a.URLUsername != "" {
		// credentials go through a 0600 wgetrc, not the command line
		args = append(args, `--config="$rc"`)
	}
	return strings.Join(append(args, connection.Quote(a.URL)), " ")
}

// wgetrc is the credentials file content for wgetArgs.
func (a *URLArgs) wgetrc() string {
	return fmt.Sprintf("user = %s\npassword = %s\n", a.URLUsername, a.URLPassword)
}

// httpReason is the standard reason phrase urllib reports.
func httpReason(code int) string {
	if s, ok := reasons[code]; ok {
		return s
	}
	return ""
}

var reasons = map[int]string{
	200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently",
	302: "Found", 303: "See Other", 304: "Not Modified", 307: "Temporary Redirect",
	308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
	404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 410: "Gone",
	418: "I'm a Teapot", 422: "Unprocessable Entity", 429: "Too Many Requests",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout",
}

// fileURLPath is the local path of a file:// URL, "" for other schemes.
func fileURLPath(u string) string {
	if p, ok := strings.CutPrefix(u, "file://"); ok {
		if strings.HasPrefix(p, "localhost/") {
			p = p[len("localhost"):]
		}
		return p
	}
	return ""
}
