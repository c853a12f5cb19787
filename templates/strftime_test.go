package templates

import (
	"testing"
	"time"
)

func TestStrftime(t *testing.T) {
	tm := time.Date(2020, 3, 6, 18, 2, 9, 0, time.UTC)
	for _, tc := range []struct{ f, want string }{
		{"%Y-%m-%d %H:%M:%S", "2020-03-06 18:02:09"},
		{"%a %A %b %B %j %y %C", "Fri Friday Mar March 066 20 20"},
		{"%I %p %l %e %k", "06 PM  6  6 18"},
		{"%U %W %V %u %w %G", "09 09 10 5 5 2020"},
		{"%D %F %T %R %s %%", "03/06/20 2020-03-06 18:02:09 18:02 1583517729 %"},
		{"%c|%x|%X|%z|%Z|%Q", "Fri Mar  6 18:02:09 2020|03/06/20|18:02:09|+0000|UTC|%Q"},
	} {
		if got := pyStrftime(tc.f, tm); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestStrptime(t *testing.T) {
	for _, tc := range []struct{ data, format, want, err string }{
		{"2016-08-14 20:00:12", "%Y-%m-%d %H:%M:%S", "2016-08-14 20:00:12", ""},
		{"26/Mar/93 1:02 PM", "%d/%b/%y %I:%M %p", "1993-03-26 13:02:00", ""},
		{"2020-01-02 03:04:05.5", "%Y-%m-%d %H:%M:%S.%f", "2020-01-02 03:04:05.500000", ""},
		{"2020 060", "%Y %j", "2020-02-29 00:00:00", ""},
		{"x", "%Y", "", "time data 'x' does not match format '%Y'"},
		{"2020-01-01x", "%Y-%m-%d", "", "unconverted data remains: x"},
		{"2021-02-30", "%Y-%m-%d", "", "day is out of range for month"},
	} {
		d, err := pyStrptime(tc.data, tc.format)
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: got %v, want error %q", tc.data, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.data, err)
		case d.pyStr() != tc.want:
			t.Errorf("%q: got %q, want %q", tc.data, d.pyStr(), tc.want)
		}
	}
}
