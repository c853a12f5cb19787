package templates

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// pyStrftime is C's strftime in the C locale, as Python's time.strftime
// and datetime.strftime call it. An unknown directive is written as is
// (glibc's behaviour).
func pyStrftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		if d, ok := strftimeDirective(format[i], t); ok {
			b.WriteString(d)
		} else {
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}

func pad2(n int) string { return fmt.Sprintf("%02d", n) }

func hour12(t time.Time) int {
	if h := t.Hour() % 12; h != 0 {
		return h
	}
	return 12
}

func strftimeDirective(c byte, t time.Time) (string, bool) {
	f, ok := strftimeDirectives[c]
	if !ok {
		return "", false
	}
	return f(t), true
}

// strftimeDirectives are C strftime's conversions (C locale).
var strftimeDirectives = map[byte]func(t time.Time) string{
	'a': func(t time.Time) string {
		return t.Format("Mon")
	},
	'A': func(t time.Time) string {
		return t.Format("Monday")
	},
	'b': func(t time.Time) string {
		return t.Format("Jan")
	},
	'h': func(t time.Time) string {
		return t.Format("Jan")
	},
	'B': func(t time.Time) string {
		return t.Format("January")
	},
	'c': func(t time.Time) string {
		return t.Format("Mon Jan ") + fmt.Sprintf("%2d", t.Day()) + t.Format(" 15:04:05 2006")
	},
	'C': func(t time.Time) string {
		return pad2(t.Year() / 100)
	},
	'd': func(t time.Time) string {
		return pad2(t.Day())
	},
	'D': func(t time.Time) string {
		return t.Format("01/02/06")
	},
	'e': func(t time.Time) string {
		return fmt.Sprintf("%2d", t.Day())
	},
	'F': func(t time.Time) string {
		return fmt.Sprintf("%d-%02d-%02d", t.Year(), t.Month(), t.Day())
	},
	'G': func(t time.Time) string {
		y, _ := t.ISOWeek()
		return strconv.Itoa(y)
	},
	'g': func(t time.Time) string {
		y, _ := t.ISOWeek()
		return pad2(y % 100)
	},
	'H': func(t time.Time) string {
		return pad2(t.Hour())
	},
	'I': func(t time.Time) string {
		return pad2(hour12(t))
	},
	'j': func(t time.Time) string {
		return fmt.Sprintf("%03d", t.YearDay())
	},
	'k': func(t time.Time) string {
		return fmt.Sprintf("%2d", t.Hour())
	},
	'l': func(t time.Time) string {
		return fmt.Sprintf("%2d", hour12(t))
	},
	'm': func(t time.Time) string {
		return pad2(int(t.Month()))
	},
	'M': func(t time.Time) string {
		return pad2(t.Minute())
	},
	'n': func(t time.Time) string {
		return "\n"
	},
	'p': func(t time.Time) string {
		return t.Format("PM")
	},
	'P': func(t time.Time) string {
		return strings.ToLower(t.Format("PM"))
	},
	'r': func(t time.Time) string {
		return pad2(hour12(t)) + t.Format(":04:05 PM")
	},
	'R': func(t time.Time) string {
		return t.Format("15:04")
	},
	's': func(t time.Time) string {
		return strconv.FormatInt(t.Unix(), 10)
	},
	'S': func(t time.Time) string {
		return pad2(t.Second())
	},
	't': func(t time.Time) string {
		return "\t"
	},
	'T': func(t time.Time) string {
		return t.Format("15:04:05")
	},
	'u': func(t time.Time) string {
		return strconv.Itoa((int(t.Weekday())+6)%7 + 1)
	},
	'U': func(t time.Time) string {
		return pad2((t.YearDay() + 6 - int(t.Weekday())) / 7)
	},
	'V': func(t time.Time) string {
		_, w := t.ISOWeek()
		return pad2(w)
	},
	'w': func(t time.Time) string {
		return strconv.Itoa(int(t.Weekday()))
	},
	'W': func(t time.Time) string {
		return pad2((t.YearDay() + 6 - (int(t.Weekday())+6)%7) / 7)
	},
	'x': func(t time.Time) string {
		return t.Format("01/02/06")
	},
	'X': func(t time.Time) string {
		return t.Format("15:04:05")
	},
	'y': func(t time.Time) string {
		return pad2(t.Year() % 100)
	},
	'Y': func(t time.Time) string {
		return strconv.Itoa(t.Year())
	},
	'z': func(t time.Time) string {
		return t.Format("-0700")
	},
	'Z': func(t time.Time) string {
		return t.Format("MST")
	},
	'%': func(t time.Time) string {
		return "%"
	},
}

// fStrftime is ansible's strftime: the format applied to the epoch second
// given (now when None), in local time or UTC.
func fStrftime(s *state, in any, args []any, kw map[string]any) (any, error) {
	format, err := toStr(in)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	if sec := arg(args, kw, 0, "second", nil); sec != nil {
		f, err := pyFloat(sec)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, filterError("Invalid value for epoch value (%s)", value2str(sec))
		}
		t = time.Unix(int64(f), 0)
	}
	if argBool(args, kw, 1, "utc", false) {
		t = t.UTC()
	} else {
		t = t.Local()
	}
	return pyStrftime(format, t), nil
}

func value2str(v any) string {
	s, _ := toStr(v)
	return s
}
