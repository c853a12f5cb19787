package modules

import (
	"fmt"
	"strconv"
)

// touchTime reads a file module time (modification_time, access_time)
// with its strftime format as Python's time.strptime does (numeric
// fields of one or two digits, %Y of four) and returns it as touch -t
// takes it, CCYYMMDDhhmm.SS in the host's local time, as mktime reads it.
func touchTime(v, format string) (string, error) {
	f := map[byte]int{'Y': 1900, 'm': 1, 'd': 1, 'H': 0, 'M': 0, 'S': 0}
	i := 0
	fail := func() (string, error) {
		return "", fmt.Errorf("time data '%s' does not match format '%s'", v, format)
	}
	for j := 0; j < len(format); j++ {
		c := format[j]
		if c != '%' || j+1 == len(format) {
			if i >= len(v) || v[i] != c {
				return fail()
			}
			i++
			continue
		}
		j++
		d := format[j]
		width := 2
		switch d {
		case '%':
			if i >= len(v) || v[i] != '%' {
				return fail()
			}
			i++
			continue
		case 'Y':
			width = 4
		case 'y', 'm', 'd', 'H', 'M', 'S':
		default:
			return "", fmt.Errorf("'%c' is a bad directive in format '%s'", d, format)
		}
		n := 0
		for n < width && i+n < len(v) && v[i+n] >= '0' && v[i+n] <= '9' {
			n++
		}
		if n == 0 || d == 'Y' && n != 4 {
			return fail()
		}
		x, _ := strconv.Atoi(v[i : i+n])
		i += n
		if d == 'y' {
			d, x = 'Y', x+1900
			if x < 1969 {
				x += 100
			}
		}
		f[d] = x
	}
	if i != len(v) {
		return "", fmt.Errorf("unconverted data remains: %s", v[i:])
	}
	if f['m'] < 1 || f['m'] > 12 || f['d'] < 1 || f['d'] > 31 || f['H'] > 23 || f['M'] > 59 || f['S'] > 61 {
		return fail()
	}
	return fmt.Sprintf("%04d%02d%02d%02d%02d.%02d", f['Y'], f['m'], f['d'], f['H'], f['M'], f['S']), nil
}
