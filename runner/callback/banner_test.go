package callback

import (
	"strings"
	"testing"
)

func TestBannerText(t *testing.T) {
	msg := "Perform task: TASK: one (N)o/(y)es/(c)ontinue: "
	want := "\nPerform task: TASK: one (N)o/(y)es/(c)ontinue: " + strings.Repeat("*", 79-46) + "\n"
	if got := BannerText(msg, 0); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := BannerText(strings.Repeat("x", 100), 0); !strings.HasSuffix(got, " ***\n") {
		t.Errorf("a long text keeps 3 stars: %q", got)
	}
}

// A worker's warning is stopped by what the main process printed, but
// repeats itself.
func TestWarnInWorker(t *testing.T) {
	var b strings.Builder
	w := NewWarner(&b, false, 0)
	for _, f := range []func() error{
		func() error { return w.WarnInWorker("w") },
		func() error { return w.WarnInWorker("w") },
		func() error { return w.Warn("m") },
		func() error { return w.WarnInWorker("m") },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	if want := "[WARNING]: w\n[WARNING]: w\n[WARNING]: m\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
