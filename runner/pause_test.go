package runner

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestPyFloat(t *testing.T) {
	for f, want := range map[float64]string{0: "0.0", 30: "30.0", 0.01: "0.01", 1.06: "1.06", 2.5: "2.5"} {
		if got := pyFloat(f); got != want {
			t.Errorf("pyFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestPyDatetime(t *testing.T) {
	at := time.Date(2026, 12, 5, 19, 20, 7, 927854000, time.Local)
	if got, want := pyDatetime(at), "2026-12-05 19:20:07.927854"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// str(datetime) leaves out a zero fraction
	if got, want := pyDatetime(at.Truncate(time.Second)), "2026-12-05 19:20:07"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReadLine(t *testing.T) {
	r := strings.NewReader("yes\nrest")
	if got, err := readLine(context.Background(), r); got != "yes" || err != nil {
		t.Errorf("first line: %q, %v", got, err)
	}
	if got, err := readLine(context.Background(), r); got != "rest" || err != nil {
		t.Errorf("last line without newline: %q, %v", got, err)
	}
	if _, err := readLine(context.Background(), r); err != errNoInput {
		t.Errorf("at the end: %v, want errNoInput", err)
	}
}
