package templates

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fjord-run/fjord/value"
)

// URLs as Python's urllib.parse reads them: the urlsplit and urldecode
// filters and the uri, url and urn tests.

type splitURL struct {
	scheme, netloc, path, query, fragment string
}

const schemeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."

var ipvFuture = regexp.MustCompile(`\Av[a-fA-F0-9]+\..+\z`)

// pyURLSplit is urllib.parse.urlsplit (Python 3.11).
func pyURLSplit(url string) (splitURL, error) {
	var u splitURL
	url = strings.TrimLeft(url, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	url = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(url)
	if i := strings.IndexByte(url, ':'); i > 0 && isASCIILetter(url[0]) {
		valid := true
		for _, c := range url[:i] {
			if !strings.ContainsRune(schemeChars, c) {
				valid = false
				break
			}
		}
		if valid {
			u.scheme, url = strings.ToLower(url[:i]), url[i+1:]
		}
	}
	if strings.HasPrefix(url, "//") {
		end := len(url)
		for _, c := range "/?#" {
			if j := strings.IndexRune(url[2:], c); j >= 0 && j+2 < end {
				end = j + 2
			}
		}
		u.netloc, url = url[2:end], url[end:]
		open, closed := strings.Contains(u.netloc, "["), strings.Contains(u.netloc, "]")
		if open != closed {
			return u, fmt.Errorf("Invalid IPv6 URL")
		}
		if open {
			_, rest, _ := strings.Cut(u.netloc, "[")
			host, _, _ := strings.Cut(rest, "]")
			if err := checkBracketedHost(host); err != nil {
				return u, err
			}
		}
	}
	if i := strings.IndexByte(url, '#'); i >= 0 {
		url, u.fragment = url[:i], url[i+1:]
	}
	if i := strings.IndexByte(url, '?'); i >= 0 {
		url, u.query = url[:i], url[i+1:]
	}
	u.path = url
	return u, nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func checkBracketedHost(h string) error {
	if strings.HasPrefix(h, "v") {
		if !ipvFuture.MatchString(h) {
			return fmt.Errorf("IPvFuture address is invalid")
		}
		return nil
	}
	ip := net.ParseIP(strings.SplitN(h, "%", 2)[0])
	if ip == nil {
		return fmt.Errorf("%s does not appear to be an IPv4 or IPv6 address", value.Repr(h))
	}
	if ip.To4() != nil && !strings.Contains(h, ":") {
		return fmt.Errorf("An IPv4 address cannot be in brackets")
	}
	return nil
}

func (u splitURL) hostinfo() (host string, port string) {
	hostinfo := u.netloc
	if i := strings.LastIndexByte(hostinfo, '@'); i >= 0 {
		hostinfo = hostinfo[i+1:]
	}
	if _, br, ok := strings.Cut(hostinfo, "["); ok {
		host, rest, _ := strings.Cut(br, "]")
		_, port, _ = strings.Cut(rest, ":")
		return host, port
	}
	host, port, _ = strings.Cut(hostinfo, ":")
	return host, port
}

func (u splitURL) hostname() any {
	h, _ := u.hostinfo()
	if h == "" {
		return nil
	}
	name, zone, ok := strings.Cut(h, "%")
	if ok {
		return strings.ToLower(name) + "%" + zone
	}
	return strings.ToLower(name)
}

func (u splitURL) port() (any, error) {
	_, p := u.hostinfo()
	if p == "" {
		return nil, nil
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("Port could not be cast to integer value as %s", value.Repr(p))
		}
	}
	n, err := strconv.Atoi(p)
	if err != nil || n > 65535 {
		return nil, fmt.Errorf("Port out of range 0-65535")
	}
	return n, nil
}

func (u splitURL) userinfo() (user, password any) {
	i := strings.LastIndexByte(u.netloc, '@')
	if i < 0 {
		return nil, nil
	}
	name, pw, ok := strings.Cut(u.netloc[:i], ":")
	if !ok {
		return name, nil
	}
	return name, pw
}

// fURLSplit is ansible's urlsplit: the SplitResult's attributes as a dict,
// in dir()'s order, or the one named by query.
func fURLSplit(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	u, err := pyURLSplit(str)
	if err != nil {
		return nil, err
	}
	port, err := u.port()
	if err != nil {
		return nil, err
	}
	user, pw := u.userinfo()
	m := value.NewMap(9)
	m.Set("fragment", u.fragment)
	m.Set("hostname", u.hostname())
	m.Set("netloc", u.netloc)
	m.Set("password", pw)
	m.Set("path", u.path)
	m.Set("port", port)
	m.Set("query", u.query)
	m.Set("scheme", u.scheme)
	m.Set("username", user)
	q := argStr(args, kw, 0, "query", "")
	if q == "" {
		return m, nil
	}
	v, ok := m.Get(q)
	if !ok {
		return nil, filterError("urlsplit: unknown URL component: %s", q)
	}
	return v, nil
}

// fURLDecode is urllib.parse.unquote_plus: '+' is a space, %XX a byte,
// the bytes read as UTF-8 with U+FFFD for what is not; a % not followed by
// two hex digits stays.
func fURLDecode(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	return pyUnquote(strings.ReplaceAll(str, "+", " ")), nil
}

func pyUnquote(str string) string {
	var out strings.Builder
	var pending []byte
	flush := func() {
		for len(pending) > 0 {
			r, n := utf8.DecodeRune(pending)
			out.WriteRune(r)
			pending = pending[n:]
		}
	}
	for i := 0; i < len(str); i++ {
		if str[i] == '%' && i+2 < len(str) && isHex(str[i+1]) && isHex(str[i+2]) {
			b, _ := strconv.ParseUint(str[i+1:i+3], 16, 8)
			pending = append(pending, byte(b))
			i += 2
			continue
		}
		flush()
		out.WriteByte(str[i])
	}
	flush()
	return out.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
