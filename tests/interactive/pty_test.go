package interactive

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// key is one scripted keystroke: once the terminal shows want for the
// n-th time (n 0 counts as 1), send is typed.
type key struct {
	want string
	n    int
	send string
}

// settle is how long to wait between seeing a prompt and typing: both
// programs print a prompt before they switch the terminal's mode and
// flush its input (ansible's pause), so a key sent at once could be lost.
const settle = 300 * time.Millisecond

// session runs argv under a pseudo-terminal of 24x80 in dir, types keys
// and returns all the terminal showed and the exit code.
func session(t *testing.T, dir string, argv []string, keys []key) (string, int) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TERM=xterm", "ANSIBLE_NOCOLOR=1", "ANSIBLE_CONFIG="+filepath.Join(dir, "ansible.cfg"))
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatalf("%s: %v", argv[0], err)
	}
	defer f.Close()
	var mu sync.Mutex
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	shown := func() string {
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
	for _, k := range keys {
		n := max(k.n, 1)
		deadline := time.Now().Add(60 * time.Second)
		for strings.Count(shown(), k.want) < n {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("%s: no %q (#%d) on the terminal; it shows:\n%q", argv[0], k.want, n, shown())
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(settle)
		if _, err := f.WriteString(k.send); err != nil {
			t.Fatalf("%s: typing %q: %v", argv[0], k.send, err)
		}
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-exited:
	case <-time.After(120 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%s did not end; the terminal shows:\n%q", argv[0], shown())
	}
	// the pty gives EIO once the program and its children closed it
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		code = ee.ExitCode()
	} else if werr != nil {
		t.Fatalf("%s: %v", argv[0], werr)
	}
	return normalise(shown()), code
}

var (
	stamps = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?`)
	paused = regexp.MustCompile(`Paused for \d+(\.\d+)? (minutes|seconds)`)
)

// normalise replaces what the clock decides: pause's start and stop
// times and the length of the pause.
func normalise(s string) string {
	s = stamps.ReplaceAllString(s, "<time>")
	return paused.ReplaceAllString(s, "Paused for <n> $2")
}
