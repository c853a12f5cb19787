package modules

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.wait_for", Aliases: []string{"wait_for"},
		New: func() Module { return &WaitFor{} }, CheckMode: true,
	})
}

// WaitFor waits on the managed host for a port, a file, a string in a
// file or port, or for connections to drain, as Ansible's wait_for does.
//
// The whole wait is one shell loop on the host in one Exec: no round trip
// per poll, and cancelling the task's context ends it. Hosts have no
// Python, so the checks are:
//
//   - connecting to a port: bash's /dev/tcp under timeout(1) when bash
//     exists; without bash, for a local host (127.0.0.1, localhost,
//     0.0.0.0, ::1, ::) a LISTEN socket on the port in /proc/net/tcp{,6};
//     other hosts without bash fail with a message naming bash;
//   - drained: the sockets in /proc/net/tcp{,6} on the local port in
//     active_connection_states, less those from exclude_hosts (IP
//     addresses; names are not resolved);
//   - search_regex: the host streams the file (or what the port sends)
//     between markers and the controller matches it with Go's regexp in
//     multiline mode, cancelling the loop on the first match.
type WaitFor struct {
	// Host is the address to wait for.
	Host string `arg:"host,default=127.0.0.1"`
	// Port is the TCP port to wait for.
	Port *int `arg:"port"`
	// Path is the file to wait for.
	Path string `arg:"path,path"`
	// SearchRegex is text the file or the port's banner must match.
	SearchRegex string `arg:"search_regex"`
	// State is what to wait for: the port or file there, gone, or the port's connections drained.
	State string `arg:"state,default=started,choices=absent|drained|present|started|stopped"`
	// Delay is how many seconds to wait before the first check.
	Delay int `arg:"delay,default=0"`
	// Timeout is how many seconds to wait at most.
	Timeout int `arg:"timeout,default=300"`
	// Sleep is how many seconds pass between checks.
	Sleep int `arg:"sleep,default=1"`
	// ConnectTimeout is how many seconds a connection attempt may take.
	ConnectTimeout int `arg:"connect_timeout,default=5"`
	// Msg is the failure message on timeout.
	Msg string `arg:"msg"`
	// ActiveConnectionStates are the TCP states that count as active connections for drained.
	ActiveConnectionStates []string `arg:"active_connection_states"`
	// ExcludeHosts are peers whose connections drained ignores.
	ExcludeHosts []string `arg:"exclude_hosts"`

	re    *regexp.Regexp
	given string // state as the task wrote it, for the result
}

// tcpStates maps the kernel's socket state names to /proc/net/tcp codes.
var tcpStates = map[string]string{
	"ESTABLISHED": "01", "SYN_SENT": "02", "SYN_RECV": "03", "FIN_WAIT1": "04",
	"FIN_WAIT2": "05", "TIME_WAIT": "06", "CLOSE": "07", "CLOSE_WAIT": "08",
	"LAST_ACK": "09", "LISTEN": "0A", "CLOSING": "0B",
}

// Validate implements Validator.
func (m *WaitFor) Validate() error {
	if m.Port != nil && m.Path != "" {
		return errors.New("port and path parameter can not both be passed to wait_for")
	}
	if m.Path != "" && (m.State == "stopped" || m.State == "drained") {
		return fmt.Errorf("state=%s should only be used for checking a port in the wait_for module", m.State)
	}
	m.given = m.State
	if m.Port != nil && (m.State == "absent" || m.State == "present") {
		// Ansible accepts present/absent for ports as started/stopped.
		if m.State == "present" {
			m.State = "started"
		} else {
			m.State = "stopped"
		}
	}
	if len(m.ExcludeHosts) > 0 && m.State != "drained" {
		return errors.New("exclude_hosts should only be with state=drained")
	}
	if m.State == "drained" && m.Port == nil {
		return errors.New("state=drained requires port")
	}
	if m.ActiveConnectionStates == nil {
		m.ActiveConnectionStates = []string{"ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"}
	}
	for _, s := range m.ActiveConnectionStates {
		if _, ok := tcpStates[strings.ToUpper(s)]; !ok {
			return fmt.Errorf("unknown active_connection_state (%s) defined", s)
		}
	}
	for _, h := range m.ExcludeHosts {
		if _, err := netip.ParseAddr(h); err != nil {
			return fmt.Errorf("exclude_hosts: %s: fjord takes IP addresses only", h)
		}
	}
	if m.SearchRegex != "" {
		re, err := regexp.Compile("(?m)" + m.SearchRegex)
		if err != nil {
			return fmt.Errorf("search_regex: %w", err)
		}
		m.re = re
	}
	if m.Sleep < 0 || m.Timeout < 0 || m.Delay < 0 {
		return errors.New("delay, timeout and sleep must not be negative")
	}
	return nil
}

func isLocalHost(h string) bool {
	switch h {
	case "127.0.0.1", "localhost", "0.0.0.0", "::1", "::", "":
		return true
	}
	return false
}

// procAddrs renders an IP as /proc/net/tcp{,6} shows remote addresses
// (the host's byte order, which is little-endian on every target fjord
// supports): both the IPv4 and the v4-mapped IPv6 form for IPv4.
func procAddrs(a netip.Addr) []string {
	le32 := func(b []byte) string {
		return fmt.Sprintf("%02X%02X%02X%02X", b[3], b[2], b[1], b[0])
	}
	a16 := a.As16()
	var six strings.Builder
	for i := 0; i < 16; i += 4 {
		six.WriteString(le32(a16[i : i+4]))
	}
	if a.Is4() || a.Is4In6() {
		b := a.Unmap().As4()
		return []string{le32(b[:]), six.String()}
	}
	return []string{six.String()}
}

// script builds the host-side loop. It prints the marker begin, the
// text to match, the marker end, for search_regex; otherwise it prints
// "@@OK" and exits 0 once the condition holds. Exit 3 is a timeout, 4 a
// missing tool.
func (m *WaitFor) script(mark string) string {
	var b strings.Builder
	q := connection.Quote
	// Milliseconds: whole seconds would cut a timeout short by up to one.
	// %N is GNU date's (busybox has it too); without it, seconds.
	b.WriteString("now() { t=$(date +%s%N); case $t in *N) echo $(( $(date +%s) * 1000 )) ;; *) echo $(( t / 1000000 )) ;; esac; }\n")
	fmt.Fprintf(&b, "end=$(( $(now) + %d ))\n", m.Timeout*1000)
	if m.Delay > 0 {
		fmt.Fprintf(&b, "sleep %d\n", m.Delay)
	}
	port := 0
	if m.Port != nil {
		port = *m.Port
	}
	hexPort := fmt.Sprintf("%04X", port)
	// scan STATES EXCLUDED: a matching socket on the port exists.
	b.WriteString(`scan() {
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r "$f" ] || continue
		while read -r sl la ra st rest; do
			case "$la" in *:` + hexPort + `) ;; *) continue ;; esac
			case " $1 " in *" $st "*) ;; *) continue ;; esac
			case " $2 " in *" ${ra%:*} "*) continue ;; esac
			return 0
		done < "$f"
	done
	return 1
}
`)
	if m.Port != nil && m.State != "drained" {
		hp := q(m.Host) + " " + fmt.Sprint(port)
		fmt.Fprintf(&b, "if command -v bash >/dev/null 2>&1; then\n"+
			"\tport_open() { timeout %d bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' %s 2>/dev/null; }\n"+
			"\tport_read() { timeout %d bash -c 'exec 3<>\"/dev/tcp/$0/$1\" || exit 1; cat <&3' %s 2>/dev/null; }\n",
			max(m.ConnectTimeout, 1), hp, max(m.ConnectTimeout, 1), hp)
		if isLocalHost(m.Host) && m.re == nil {
			b.WriteString("else\n\tport_open() { scan 0A ''; }\n")
		} else {
			b.WriteString("else\n\techo 'wait_for: bash is needed on the host to connect to " + strings.ReplaceAll(m.Host, "'", "") + "' >&2; exit 4\n")
		}
		b.WriteString("fi\n")
	}
	var check string
	switch {
	case m.Port == nil && m.Path == "":
		// Nothing to watch: Ansible sleeps for the timeout.
		fmt.Fprintf(&b, "sleep %d\necho @@OK\nexit 0\n", m.Timeout)
		return b.String()
	case m.Path != "" && (m.State == "absent"):
		check = "[ ! -e " + q(m.Path) + " ]"
	case m.Path != "" && m.re != nil:
		check = fmt.Sprintf("{ [ -r %s ] && { echo %s; cat -- %s; printf '\\n%%s\\n' %s; }; false; }", q(m.Path), mark+"B", q(m.Path), mark+"E")
	case m.Path != "":
		check = "[ -e " + q(m.Path) + " ]"
	case m.State == "drained":
		var states, excl []string
		if m.ActiveConnectionStates == nil {
			m.ActiveConnectionStates = []string{"ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"}
		}
		for _, s := range m.ActiveConnectionStates {
			states = append(states, tcpStates[strings.ToUpper(s)])
		}
		for _, h := range m.ExcludeHosts {
			a, _ := netip.ParseAddr(h)
			excl = append(excl, procAddrs(a)...)
		}
		check = fmt.Sprintf("! scan %s %s", q(strings.Join(states, " ")), q(strings.Join(excl, " ")))
	case m.State == "stopped":
		check = "! port_open"
	case m.re != nil:
		check = fmt.Sprintf("{ echo %s; port_read; printf '\\n%%s\\n' %s; false; }", mark+"B", mark+"E")
	default:
		check = "port_open"
	}
	fmt.Fprintf(&b, "while :; do\n\tif %s; then echo @@OK; exit 0; fi\n\t[ \"$(now)\" -ge \"$end\" ] && exit 3\n\tsleep %d\ndone\n", check, m.Sleep)
	return b.String()
}

// matcher watches the streamed output for a regex match between markers.
type matcher struct {
	mu      sync.Mutex
	re      *regexp.Regexp
	begin   string
	end     string
	buf     bytes.Buffer // everything seen
	from    int          // start of the current block in buf, -1 if none
	match   []string
	names   []string
	ok      bool
	onMatch func()
	// partial matches data of a block still arriving, as Ansible does
	// for a port (a server may send its banner and wait); a file's
	// content is matched whole, as Ansible reads it whole.
	partial bool
}

func (w *matcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.ok || w.re == nil {
		return len(p), nil
	}
	for {
		data := w.buf.Bytes()
		if w.from < 0 {
			i := bytes.Index(data, []byte(w.begin+"\n"))
			if i < 0 {
				return len(p), nil
			}
			w.from = i + len(w.begin) + 1
		}
		all := data[w.from:]
		block := all
		end := bytes.Index(all, []byte("\n"+w.end+"\n"))
		if end >= 0 {
			block = all[:end]
		}
		if end < 0 && !w.partial {
			return len(p), nil
		}
		if sm := w.re.FindSubmatch(block); sm != nil {
			w.ok = true
			for _, g := range sm[1:] {
				w.match = append(w.match, string(g))
			}
			w.names = w.re.SubexpNames()[1:]
			if w.onMatch != nil {
				w.onMatch()
			}
			return len(p), nil
		}
		if end < 0 {
			return len(p), nil
		}
		// A finished block without a match: drop it, look for the next.
		rest := append([]byte(nil), all[end+len(w.end)+2:]...)
		w.buf.Reset()
		w.buf.Write(rest)
		w.from = -1
	}
}

// Run implements Module.
func (m *WaitFor) Run(ctx context.Context, env *Env) (*Result, error) {
	nonce := make([]byte, 8)
	rand.Read(nonce)
	mark := "@@fjord-wait-" + hex.EncodeToString(nonce)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &matcher{re: m.re, begin: mark + "B", end: mark + "E", from: -1, onMatch: cancel, partial: m.Port != nil}
	start := time.Now()
	res, err := env.Conn.Exec(wctx, &connection.Cmd{Command: m.script(mark), Env: env.Environment, Become: env.Become, Stdout: w})
	elapsed := int(time.Since(start).Seconds())
	w.mu.Lock()
	matched, groups, names := w.ok, w.match, w.names
	out := w.buf.String()
	w.mu.Unlock()
	if err != nil && !matched {
		return nil, err
	}
	port := any(nil)
	if m.Port != nil {
		port = *m.Port
	}
	r := &Result{}
	path := any(nil)
	if m.Path != "" {
		path = m.Path
	}
	sr := any(nil)
	if m.SearchRegex != "" {
		sr = m.SearchRegex
	}
	mg := make([]any, len(groups))
	gd := value.NewMap(len(groups))
	for i, g := range groups {
		mg[i] = g
		if names[i] != "" {
			gd.Set(names[i], g)
		}
	}
	r.Set("elapsed", elapsed).Set("state", m.given).Set("port", port).Set("path", path).
		Set("search_regex", sr).Set("match_groups", mg).Set("match_groupdict", gd)
	// A connection may leave output in res.Stdout instead of the writer.
	if matched || res.RC == 0 && strings.Contains(out+string(res.Stdout), "@@OK") {
		return r, nil
	}
	r.Failed = true
	switch {
	case res.RC == 4:
		r.Msg = strings.TrimSpace(string(res.Stderr))
	case m.Msg != "":
		r.Msg = m.Msg
	default:
		r.Msg = m.timeoutMsg()
	}
	if res.RC != 3 && res.RC != 4 && m.Msg == "" {
		r.Msg = fmt.Sprintf("%s (wait loop exited %d: %s)", r.Msg, res.RC, strings.TrimSpace(string(res.Stderr)))
	}
	r.Set("msg", r.Msg)
	return r, nil
}

// timeoutMsg words a timeout as Ansible does.
func (m *WaitFor) timeoutMsg() string {
	hp := ""
	if m.Port != nil {
		hp = fmt.Sprintf("%s:%d", m.Host, *m.Port)
	}
	switch {
	case m.State == "drained":
		return "Timeout when waiting for " + hp + " to drain"
	case m.Path != "" && m.State == "absent":
		return "Timeout when waiting for " + m.Path + " to be absent."
	case m.Port != nil && m.State == "stopped":
		return "Timeout when waiting for " + hp + " to stop."
	case m.Path != "" && m.re != nil:
		return "Timeout when waiting for search string " + m.SearchRegex + " in " + m.Path
	case m.Path != "":
		return "Timeout when waiting for file " + m.Path
	case m.re != nil:
		return "Timeout when waiting for search string " + m.SearchRegex + " in " + hp
	}
	return "Timeout when waiting for " + hp
}

var _ Module = (*WaitFor)(nil)
var _ Validator = (*WaitFor)(nil)
