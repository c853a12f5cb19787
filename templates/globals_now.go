package templates

import (
	"fmt"
	"strings"
	"time"
)

// gNow is ansible's now(utc=False, fmt=None) global: the current time as
// a datetime, or formatted with datetime.strftime, which knows %f
// (microseconds) besides C's directives.
func gNow(s *state, a []any, k map[string]any) (any, error) {
	utc := argBool(a, k, 0, "utc", false)
	t := time.Now()
	if utc {
		t = t.UTC()
	}
	format := argStr(a, k, 1, "fmt", "")
	if format == "" {
		return datetime{t: t}, nil
	}
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] == '%' && i+1 < len(format) {
			switch format[i+1] {
			case 'f':
				fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
				i++
				continue
			case '%':
				b.WriteString("%%")
				i++
				continue
			}
		}
		b.WriteByte(format[i])
	}
	return pyStrftime(b.String(), t), nil
}
