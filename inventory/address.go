package inventory

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/value"
)

// Host addresses as Ansible recognises them: a hostname or IP address,
// possibly holding [x:y] ranges, with an optional :port.
const (
	numRange   = `\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	hexRange   = `\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`
	alnumRange = `\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	word       = `[\p{L}\p{N}_]`
)

var (
	reBracketHostPort = regexp.MustCompile(`^\[(.+)\]:([0-9]+)$`)
	reHostPort        = regexp.MustCompile(`^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`)
	ipv4Part          = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|` + numRange + `)`
	reIPv4            = regexp.MustCompile(`(?i)^(?:` + ipv4Part + `\.){3}` + ipv4Part + `$`)
	// The IPv6 and hostname patterns take milliseconds to compile (Unicode
	// classes, many alternatives): compiled on first use, not at startup.
	reIPv6     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(ipv6Pattern()) })
	label      = `(?:` + word + `|` + alnumRange + `)(?:` + word + `|-|` + alnumRange + `)*`
	reHostname = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^` + label + `(?:\.` + label + `)*$`) })
)

func ipv6Pattern() string {
	c := `(?:[0-9a-f]{1,4}|` + hexRange + `)`
	v4 := `(?:` + c + `\.){3}` + c
	alts := []string{
		`(?:C:){7}C`,
		`(?:C:){1,6}:`,
		`(?:C:)(?::C){1,6}`,
		`(?:C:){2}(?::C){1,5}`,
		`(?:C:){3}(?::C){1,4}`,
		`(?:C:){4}(?::C){1,3}`,
		`(?:C:){5}(?::C){1,2}`,
		`(?:C:){6}(?::C)`,
		`:(?::C){1,6}`,
		`C?::`,
		`(?:0:){6}V4`,
		`::(?:ffff:)?V4`,
		// Only the last alternative is anchored at the end, as in Ansible's
		// expression; the others only need to match a prefix.
		`(?:0:){5}ffff:V4$`,
	}
	s := strings.Join(alts, "|")
	s = strings.ReplaceAll(s, "V4", v4)
	s = strings.ReplaceAll(s, "C", c)
	return `(?i)^(?:` + s + `)`
}

// isHostname reports whether s is a hostname (with optional ranges); no
// label may end in '-' or '_'.
func isHostname(s string) bool {
	if !reHostname().MatchString(s) {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if strings.HasSuffix(l, "-") || strings.HasSuffix(l, "_") {
			return false
		}
	}
	return true
}

// parseAddress splits "host:port", "[v6]:port" and plain addresses; ok is
// false when the rest is not a recognisable address.
func parseAddress(addr string) (host string, port int, hasPort, ok bool) {
	for _, re := range []*regexp.Regexp{reBracketHostPort, reHostPort} {
		if m := re.FindStringSubmatch(addr); m != nil {
			p, err := strconv.Atoi(m[2])
			if err != nil {
				return "", 0, false, false
			}
			addr, port, hasPort = m[1], p, true
		}
	}
	if reIPv4.MatchString(addr) || reIPv6().MatchString(addr) || isHostname(addr) {
		return addr, port, hasPort, true
	}
	return "", 0, false, false
}

// expandHostPattern turns "web[01:03]:2222" into its hostnames and port.
func expandHostPattern(pattern string) ([]string, int, bool, error) {
	host, port, hasPort, ok := parseAddress(pattern)
	if !ok {
		host, port, hasPort = pattern, 0, false
	}
	if !strings.Contains(host, "[") {
		return []string{host}, port, hasPort, nil
	}
	names, err := expandRange(host)
	return names, port, hasPort, err
}

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// maxRangeHosts bounds what one range may expand to, so that a typo such
// as web[1:99999999] fails instead of exhausting memory.
const maxRangeHosts = 1 << 20

// expandRange expands the first [beg:end(:step)] of name, recursing for
// further ranges.
func expandRange(name string) ([]string, error) {
	var out []string
	err := expandRangeInto(name, &out)
	return out, err
}

func expandRangeInto(name string, out *[]string) error {
	r, err := parseHostRange(name)
	if err != nil {
		return err
	}
	seq, err := r.seq()
	if err != nil {
		return err
	}
	for _, s := range seq {
		h := r.head + s + r.tail
		if strings.Contains(h, "[") {
			if err := expandRangeInto(h, out); err != nil {
				return err
			}
		} else {
			*out = append(*out, h)
		}
		if len(*out) > maxRangeHosts {
			return fmt.Errorf("host range in %q is too large", name)
		}
	}
	return nil
}

// hostRange is the first [begin:end:step] of a host name, split.
type hostRange struct {
	head, tail string // the name before and after the brackets
	nrange     string // what the brackets hold
	beg, end   string
	step       int
	width      int // the digits of a zero-padded begin, else 0
}

func parseHostRange(name string) (hostRange, error) {
	open := strings.Index(name, "[")
	cls := strings.Index(name, "]")
	// Ansible replaces the first '[' and first ']' with separators and
	// expects exactly three parts.
	tmp := strings.Replace(strings.Replace(name, "[", "|", 1), "]", "|", 1)
	if strings.Count(tmp, "|") != 2 || cls < open {
		return hostRange{}, fmt.Errorf("host range %q must look like [begin:end] or [begin:end:step]", name)
	}
	parts := strings.Split(tmp, "|")
	r := hostRange{head: parts[0], nrange: parts[1], tail: parts[2]}
	bounds := strings.Split(r.nrange, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return hostRange{}, fmt.Errorf("host range must be begin:end or begin:end:step")
	}
	stepStr := "1"
	r.beg, r.end = bounds[0], bounds[1]
	if len(bounds) == 3 {
		stepStr = bounds[2]
	}
	if r.beg == "" {
		r.beg = "0"
	}
	if r.end == "" {
		return hostRange{}, fmt.Errorf("host range must specify end value")
	}
	if r.beg[0] == '0' && len(r.beg) > 1 {
		r.width = len(r.beg)
		if r.width != len(r.end) {
			return hostRange{}, fmt.Errorf("host range must specify equal-length begin and end formats")
		}
	}
	var err error
	if r.step, err = value.PyInt(stepStr); err != nil {
		return hostRange{}, err
	}
	return r, nil
}

// seq is what the range stands for: letters when both ends are one
// (and the step is not 0), numbers otherwise.
func (r hostRange) seq() ([]string, error) {
	ib, ie := strings.Index(asciiLetters, r.beg), strings.Index(asciiLetters, r.end)
	if ib >= 0 && ie >= 0 && r.step != 0 {
		if ib > ie {
			return nil, fmt.Errorf("host range must have begin <= end")
		}
		var seq []string
		for i := ib; r.step > 0 && i <= ie; i += r.step {
			seq = append(seq, asciiLetters[i:i+1])
		}
		return seq, nil
	}
	b, err := value.PyInt(r.beg)
	if err != nil {
		return nil, err
	}
	e, err := value.PyInt(r.end)
	if err != nil {
		return nil, err
	}
	if r.step == 0 {
		return nil, fmt.Errorf("range() arg 3 must not be zero")
	}
	if r.step > 0 && e >= b && (e-b)/r.step >= maxRangeHosts {
		return nil, fmt.Errorf("host range %q is too large", r.nrange)
	}
	var seq []string
	for i := b; r.step > 0 && i <= e; i += r.step {
		seq = append(seq, zeroPad(i, r.width))
	}
	return seq, nil
}

// zeroPad prints i in at least width characters, zeros after any sign.
func zeroPad(i, width int) string {
	s := strconv.Itoa(i)
	if width > 0 && len(s) < width {
		if i < 0 {
			return "-" + strings.Repeat("0", width-len(s)) + s[1:]
		}
		return strings.Repeat("0", width-len(s)) + s
	}
	return s
}
