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

func strftimeDirective(c byte, t time.Time) (string, bool) {
	two := func(n int) string { return fmt.Sprintf("%02d", n) }
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch c {
	case 'a':
		return t.Format("Mon"), true
	case 'A':
		return t.Format("Monday"), true
	case 'b', 'h':
		return t.Format("Jan"), true
	case 'B':
		return t.Format("January"), true
	case 'c':
		return t.Format("Mon Jan ") + fmt.Sprintf("%2d", t.Day()) + t.Format(" 15:04:05 2006"), true
	case 'C':
		return two(t.Year() / 100), true
	case 'd':
		return two(t.Day()), true
	case 'D':
		return t.Format("01/02/06"), true
	case 'e':
		return fmt.Sprintf("%2d", t.Day()), true
	case 'F':
		return fmt.Sprintf("%d-%02d-%02d", t.Year(), t.Month(), t.Day()), true
	case 'G':
		y, _ := t.ISOWeek()
		return strconv.Itoa(y), true
	case 'g':
		y, _ := t.ISOWeek()
		return two(y % 100), true
	case 'H':
		return two(t.Hour()), true
	case 'I':
		return two(hour12), true
	case 'j':
		return fmt.Sprintf("%03d", t.YearDay()), true
	case 'k':
		return fmt.Sprintf("%2d", t.Hour()), true
	case 'l':
		return fmt.Sprintf("%2d", hour12), true
	case 'm':
		return two(int(t.Month())), true
	case 'M':
		return two(t.Minute()), true
	case 'n':
		return "\n", true
	case 'p':
		return t.Format("PM"), true
	case 'P':
		return strings.ToLower(t.Format("PM")), true
	case 'r':
		return two(hour12) + t.Format(":04:05 PM"), true
	case 'R':
		return t.Format("15:04"), true
	case 's':
		return strconv.FormatInt(t.Unix(), 10), true
	case 'S':
		return two(t.Second()), true
	case 't':
		return "\t", true
	case 'T':
		return t.Format("15:04:05"), true
	case 'u':
		return strconv.Itoa((int(t.Weekday())+6)%7 + 1), true
	case 'U':
		return two((t.YearDay() + 6 - int(t.Weekday())) / 7), true
	case 'V':
		_, w := t.ISOWeek()
		return two(w), true
	case 'w':
		return strconv.Itoa(int(t.Weekday())), true
	case 'W':
		return two((t.YearDay() + 6 - (int(t.Weekday())+6)%7) / 7), true
	case 'x':
		return t.Format("01/02/06"), true
	case 'X':
		return t.Format("15:04:05"), true
	case 'y':
		return two(t.Year() % 100), true
	case 'Y':
		return strconv.Itoa(t.Year()), true
	case 'z':
		return t.Format("-0700"), true
	case 'Z':
		return t.Format("MST"), true
	case '%':
		return "%", true
	}
	return "", false
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
