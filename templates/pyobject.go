package templates

import (
	"fmt"
	"strings"
	"time"

	"github.com/fjord-run/fjord/value"
)

// pyObject is a Python object a filter hands to the template that is none
// of fjord's plain values: to_datetime's datetime and the timedelta two of
// them differ by. The evaluator asks it for its type name, str(), repr(),
// attributes, methods, ordering and arithmetic; a template's result
// holding one reads as its str(), as ansible's text templating gives.
type pyObject interface {
	pyType() string
	pyStr() string
	pyRepr() string
	pyAttr(name string) (any, bool)
	pyMethod(name string, args []any, kw map[string]any) (any, bool, error)
	// pyCompare orders the object against other; ok is false when Python
	// would raise TypeError.
	pyCompare(other any) (c int, ok bool)
	// pyBinop is the object's + or - with other on either side (left
	// says which); ok is false when Python has no such operation.
	pyBinop(op string, other any, left bool) (any, bool)
}

// datetime is Python's datetime.datetime; naive unless parsed with %z.
type datetime struct {
	t     time.Time
	aware bool
}

// timedelta is Python's datetime.timedelta, kept in microseconds.
type timedelta struct{ us int64 }

func (d datetime) pyType() string { return "datetime" }

func (d datetime) pyStr() string {
	s := d.t.Format("2006-01-02 15:04:05")
	if us := d.t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	if d.aware {
		s += d.t.Format("-07:00")
	}
	return s
}

func (d datetime) pyRepr() string {
	t := d.t
	s := fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(", %d, %d", t.Second(), us)
	} else if t.Second() != 0 {
		s += fmt.Sprintf(", %d", t.Second())
	}
	return s + ")"
}

func (d datetime) pyAttr(name string) (any, bool) {
	t := d.t
	switch name {
	case "year":
		return t.Year(), true
	case "month":
		return int(t.Month()), true
	case "day":
		return t.Day(), true
	case "hour":
		return t.Hour(), true
	case "minute":
		return t.Minute(), true
	case "second":
		return t.Second(), true
	case "microsecond":
		return t.Nanosecond() / 1000, true
	}
	return nil, false
}

func (d datetime) pyMethod(name string, args []any, kw map[string]any) (any, bool, error) {
	switch name {
	case "strftime":
		f, err := toStr(arg(args, kw, 0, "format", ""))
		return pyStrftime(f, d.t), true, err
	case "isoformat":
		sep := argStr(args, kw, 0, "sep", "T")
		return strings.Replace(d.pyStr(), " ", sep, 1), true, nil
	case "timestamp":
		t := d.t
		if !d.aware {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.Local)
		}
		return float64(t.UnixMicro()) / 1e6, true, nil
	case "weekday":
		return (int(d.t.Weekday()) + 6) % 7, true, nil
	case "isoweekday":
		return (int(d.t.Weekday())+6)%7 + 1, true, nil
	}
	return nil, false, nil
}

func (d datetime) pyCompare(other any) (int, bool) {
	o, ok := other.(datetime)
	if !ok || o.aware != d.aware {
		return 0, false
	}
	return d.t.Compare(o.t), true
}

func (d datetime) pyBinop(op string, other any, left bool) (any, bool) {
	switch o := other.(type) {
	case datetime:
		if op == "-" && left && o.aware == d.aware {
			return timedelta{d.t.Sub(o.t).Microseconds()}, true
		}
	case timedelta:
		switch {
		case op == "+":
			return datetime{d.t.Add(time.Duration(o.us) * time.Microsecond), d.aware}, true
		case op == "-" && left:
			return datetime{d.t.Add(-time.Duration(o.us) * time.Microsecond), d.aware}, true
		}
	}
	return nil, false
}

// days, seconds and microseconds as Python normalises them: seconds and
// microseconds never negative.
func (d timedelta) parts() (days, secs, us int64) {
	days = floorDiv(d.us, 86400e6)
	rest := d.us - days*86400e6
	return days, rest / 1e6, rest % 1e6
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (d timedelta) pyType() string { return "timedelta" }

func (d timedelta) pyStr() string {
	days, secs, us := d.parts()
	s := fmt.Sprintf("%d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	if days != 0 {
		plural := "s"
		if days == 1 || days == -1 {
			plural = ""
		}
		s = fmt.Sprintf("%d day%s, %s", days, plural, s)
	}
	return s
}

func (d timedelta) pyRepr() string {
	days, secs, us := d.parts()
	var parts []string
	for _, p := range []struct {
		name string
		n    int64
	}{{"days", days}, {"seconds", secs}, {"microseconds", us}} {
		if p.n != 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", p.name, p.n))
		}
	}
	if parts == nil {
		return "datetime.timedelta(0)"
	}
	return "datetime.timedelta(" + strings.Join(parts, ", ") + ")"
}

func (d timedelta) pyAttr(name string) (any, bool) {
	days, secs, us := d.parts()
	switch name {
	case "days":
		return int(days), true
	case "seconds":
		return int(secs), true
	case "microseconds":
		return int(us), true
	}
	return nil, false
}

func (d timedelta) pyMethod(name string, args []any, kw map[string]any) (any, bool, error) {
	if name == "total_seconds" {
		return float64(d.us) / 1e6, true, nil
	}
	return nil, false, nil
}

func (d timedelta) pyCompare(other any) (int, bool) {
	o, ok := other.(timedelta)
	if !ok {
		return 0, false
	}
	switch {
	case d.us < o.us:
		return -1, true
	case d.us > o.us:
		return 1, true
	}
	return 0, true
}

func (d timedelta) pyBinop(op string, other any, left bool) (any, bool) {
	o, ok := other.(timedelta)
	if !ok {
		return nil, false
	}
	if op == "+" {
		return timedelta{d.us + o.us}, true
	}
	if left {
		return timedelta{d.us - o.us}, true
	}
	return timedelta{o.us - d.us}, true
}

// pyObjectBinop is + or - when either operand is a pyObject.
func pyObjectBinop(op string, l, r any) (any, bool, error) {
	lo, lok := l.(pyObject)
	ro, rok := r.(pyObject)
	if !lok && !rok {
		return nil, false, nil
	}
	if lok {
		if v, ok := lo.pyBinop(op, r, true); ok {
			return v, true, nil
		}
	} else if v, ok := ro.pyBinop(op, l, false); ok {
		return v, true, nil
	}
	return nil, true, fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, pyQualName(l), pyQualName(r))
}

// pyQualName is the type name Python's operator errors print.
func pyQualName(v any) string {
	if o, ok := v.(pyObject); ok {
		return "datetime." + o.pyType()
	}
	return typeName(v)
}

// holdsPyObject reports a container with a pyObject inside, which no
// fjord value can carry: ansible's text templating reads such a result
// back as its repr() (literal_eval fails on datetime.datetime(...)).
func holdsPyObject(v any) bool {
	switch x := v.(type) {
	case pyObject:
		return true
	case []any:
		for _, e := range x {
			if holdsPyObject(e) {
				return true
			}
		}
	case *value.Map:
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			if holdsPyObject(e) {
				return true
			}
		}
	}
	return false
}
