package templates

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fjord-run/fjord/value"
)

// strptimeRE are the patterns of Python's _strptime.TimeRE, C locale.
var strptimeRE = map[byte]string{
	'd': `3[01]|[12]\d|0[1-9]|[1-9]| [1-9]`,
	'f': `[0-9]{1,6}`,
	'H': `2[0-3]|[0-1]\d|\d`,
	'I': `1[0-2]|0[1-9]|[1-9]`,
	'G': `\d\d\d\d`,
	'j': `36[0-6]|3[0-5]\d|[12]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9]`,
	'm': `1[0-2]|0[1-9]|[1-9]`,
	'M': `[0-5]\d|\d`,
	'S': `6[0-1]|[0-5]\d|\d`,
	'U': `5[0-3]|[0-4]\d|\d`,
	'W': `5[0-3]|[0-4]\d|\d`,
	'w': `[0-6]`,
	'u': `[1-7]`,
	'V': `5[0-3]|0[1-9]|[1-4]\d|\d`,
	'y': `\d\d`,
	'Y': `\d\d\d\d`,
	'z': `[+-]\d\d:?[0-5]\d(?::?[0-5]\d(?:\.\d{1,6})?)?|Z`,
	'a': `monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun`,
	'A': `monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun`,
	'b': `january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec`,
	'B': `january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec`,
	'p': `am|pm`,
	'Z': `utc|gmt|[a-z]{3,5}`,
}

// pyStrptime is datetime.datetime.strptime.
func pyStrptime(data, format string) (datetime, error) {
	var re strings.Builder
	re.WriteString(`(?i)\A`)
	var order []byte
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '%' && i+1 < len(format):
			i++
			d := format[i]
			if d == '%' {
				re.WriteString("%")
				continue
			}
			p, ok := strptimeRE[d]
			if !ok {
				return datetime{}, fmt.Errorf("'%c' is a bad directive in format %s", d, value.Repr("%"+string(d)))
			}
			re.WriteString("(" + p + ")")
			order = append(order, d)
		case c == '%':
			return datetime{}, fmt.Errorf("stray %% in format %s", value.Repr(format))
		case c == ' ' || c == '\t' || c == '\n':
			for i+1 < len(format) && strings.IndexByte(" \t\n", format[i+1]) >= 0 {
				i++
			}
			re.WriteString(`\s+`)
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	m := regexp.MustCompile(re.String()).FindStringSubmatch(data)
	if m == nil {
		return datetime{}, fmt.Errorf("time data %s does not match format %s", value.Repr(data), value.Repr(format))
	}
	if len(m[0]) != len(data) {
		return datetime{}, fmt.Errorf("unconverted data remains: %s", data[len(m[0]):])
	}
	return strptimeFields(order, m[1:])
}

// strptimeFields builds the datetime from the matched directives, with
// Python's defaults (1900-01-01 00:00:00).
func strptimeFields(order []byte, vals []string) (datetime, error) {
	year, month, day, hour, min, sec, us := 1900, 1, 1, 0, 0, 0, 0
	yday, pm, hour12 := 0, -1, false
	loc, aware := time.UTC, false
	for i, d := range order {
		v := strings.TrimSpace(vals[i])
		n, _ := strconv.Atoi(v)
		switch d {
		case 'Y':
			year = n
		case 'y':
			year = 2000 + n
			if n >= 69 {
				year = 1900 + n
			}
		case 'm':
			month = n
		case 'b', 'B':
			month = monthIndex(strings.ToLower(v))
		case 'd':
			day = n
		case 'H':
			hour = n
		case 'I':
			hour, hour12 = n, true
		case 'p':
			pm = 0
			if strings.EqualFold(v, "pm") {
				pm = 1
			}
		case 'M':
			min = n
		case 'S':
			sec = n
		case 'f':
			us, _ = strconv.Atoi((v + "00000")[:6])
		case 'j':
			yday = n
		case 'z':
			loc, aware = parseUTCOffset(v), true
		}
	}
	if hour12 {
		hour %= 12
		if pm == 1 {
			hour += 12
		}
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, us*1000, loc)
	if yday > 0 {
		t = time.Date(year, 1, yday, hour, min, sec, us*1000, loc)
	}
	if t.Day() != day && yday == 0 {
		return datetime{}, fmt.Errorf("day is out of range for month")
	}
	return datetime{t, aware}, nil
}

func monthIndex(name string) int {
	for m := time.January; m <= time.December; m++ {
		full := strings.ToLower(m.String())
		if name == full || name == full[:3] {
			return int(m)
		}
	}
	return 1
}

func parseUTCOffset(z string) *time.Location {
	if z == "Z" || z == "z" {
		return time.UTC
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	h, _ := strconv.Atoi(digits[:2])
	m, _ := strconv.Atoi(digits[2:4])
	s := 0
	if len(digits) >= 6 {
		s, _ = strconv.Atoi(digits[4:6])
	}
	return time.FixedZone("", sign*(h*3600+m*60+s))
}

// fToDatetime is ansible's to_datetime: datetime.strptime(string, format).
func fToDatetime(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, ok := asString(in)
	if !ok {
		return nil, fmt.Errorf("strptime() argument 1 must be str, not %s", typeName(in))
	}
	format := argStr(args, kw, 0, "format", "%Y-%m-%d %H:%M:%S")
	d, err := pyStrptime(str, format)
	if err != nil {
		return nil, err
	}
	return d, nil
}
