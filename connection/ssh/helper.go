package ssh

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/connection/hosthelper"
	"github.com/fjord-run/fjord/connection/hosthelper/helperbin"
)

// The host helper (package connection/hosthelper) is a small static
// binary fjord carries for linux/amd64 and linux/arm64 (package
// helperbin): uploaded once per host and user into remote_tmp as
// fjord-helper-<sha256 of the binary>, checked before each start (the
// user's own file, not writable by group or others, the one for the
// host's uname -m), started once per connection and become user, and
// kept running in a session of its own. When any step fails the
// connection serves file requests with its scripts for the rest of the
// run.

var helperOn atomic.Bool

// EnableHostHelper makes connections offer the host helper (or not). A
// program that never calls it (a test binary) uses the scripts only.
func EnableHostHelper(on bool) { helperOn.Store(on) }

// helperOff says whether FJORD_HOST_HELPER turns the helper off.
func helperOff() bool {
	switch strings.ToLower(os.Getenv("FJORD_HOST_HELPER")) {
	case "0", "false", "no", "off":
		return true
	}
	return false
}

type helperSlot struct {
	h  *connection.Helper
	cl *client
}

// Helper implements connection.HelperConn.
func (c *Conn) Helper(ctx context.Context, b *connection.Become) *connection.Helper {
	if c.noHelper || !helperOn.Load() || helperOff() {
		return nil
	}
	key := ""
	if b != nil {
		key = b.Method + "\x00" + b.User
	}
	c.hMu.Lock()
	defer c.hMu.Unlock()
	if c.helpers == nil {
		c.helpers, c.helperFailed = map[string]*helperSlot{}, map[string]bool{}
		c.uploading, c.uploaded = map[string]bool{}, map[string]bool{}
		c.helperCtx, c.helperStop = context.WithCancel(context.Background())
	}
	if c.helperFailed[key] {
		return nil
	}
	cl, err := c.client(ctx)
	if err != nil {
		return nil
	}
	if s := c.helpers[key]; s != nil {
		if s.cl == cl && !s.h.Broken() {
			if s.h.Busy() {
				// another task of this host's is using it (delegation
				// funnels many hosts into one): scripts serve this one
				// rather than wait
				return nil
			}
			return s.h
		}
		s.h.Close()
		delete(c.helpers, key)
	}
	if c.uploading[key] {
		return nil
	}
	h, missing, err := c.startHelper(ctx, cl, b)
	switch {
	case missing != "" && !c.uploaded[key]:
		// The upload goes on beside the run's own requests, which
		// scripts serve meanwhile; the first request after it starts
		// the helper.
		c.uploading[key] = true
		c.uploads.Add(1)
		go func() {
			defer c.uploads.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			stop := context.AfterFunc(c.helperCtx, cancel)
			defer stop()
			err := c.uploadHelper(ctx, cl, b, missing)
			c.hMu.Lock()
			delete(c.uploading, key)
			c.uploaded[key] = true
			if err != nil {
				c.helperFailed[key] = true
			}
			c.hMu.Unlock()
		}()
		return nil
	case missing != "":
		err = errors.New("the host helper uploaded is not found")
	}
	if err != nil {
		c.helperFailed[key] = true
		return nil
	}
	c.helpers[key] = &helperSlot{h: h, cl: cl}
	return h
}

// closeHelpers ends the helpers (Close). An upload under way is let
// finish, for up to two minutes: a run shorter than the upload would
// otherwise never leave the helper on the host.
func (c *Conn) closeHelpers() {
	c.hMu.Lock()
	for k, s := range c.helpers {
		s.h.Close()
		delete(c.helpers, k)
	}
	c.noHelper = true
	stop := c.helperStop
	c.hMu.Unlock()
	done := make(chan struct{})
	go func() { c.uploads.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
	}
	if stop != nil {
		stop()
	}
}

// Marks the start script prints: the helper follows, or why not.
const (
	markExec    = "fjord-helper:exec"
	markMissing = "fjord-helper:missing"
)

// startHelper starts the helper as b's user; missing: the host (whose
// uname -m it is) has no usable copy (upload it).
func (c *Conn) startHelper(ctx context.Context, cl *client, b *connection.Become) (h *connection.Helper, missing string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second+c.t.timeout)
	defer cancel()
	return c.execHelper(ctx, cl, b)
}

// helperPath is the shell words of the helper's path on the host.
func (c *Conn) helperPath(sum string) string {
	return shellPath(c.remoteTmp) + "/fjord-helper-" + sum
}

// shellPath is a path for the shell with ~ left to it to expand.
func shellPath(p string) string {
	if p == "~" {
		return `"$HOME"`
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return `"$HOME"/` + connection.Quote(rest)
	}
	return connection.Quote(p)
}

// execHelper runs the start script in a session of its own: the checks,
// then exec of the helper. missing: the host has no usable copy, and
// this is its uname -m.
func (c *Conn) execHelper(ctx context.Context, cl *client, b *connection.Become) (*connection.Helper, string, error) {
	var cases strings.Builder
	machines := helperbin.Machines()
	names := make([]string, 0, len(machines))
	for m := range machines {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		fmt.Fprintf(&cases, "Linux\\ %s) h=%s ;;\n", m, c.helperPath(machines[m]))
	}
	script := fmt.Sprintf(`case $(uname -sm) in
%s*) echo not a platform fjord has a helper for >&2; exit 1 ;;
esac
[ -f "$h" ] && [ -O "$h" ] || { echo %s "$(uname -m)"; exit 0; }
case $(stat -c %%a -- "$h") in *[2367]?|*[2367]) echo "$h is writable by others" >&2; exit 1;; esac
echo %s
exec "$h"
`, cases.String(), markMissing, markExec)
	wrapped, stdin, err := connection.Script(&connection.Cmd{Command: script, Become: b}, c.t.ep.user)
	if err != nil {
		return nil, "", err
	}
	sess, err := c.newSession(ctx, cl)
	if err != nil {
		return nil, "", err
	}
	in, err := sess.StdinPipe()
	if err != nil {
		sess.Close()
		return nil, "", err
	}
	outPipe, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, "", err
	}
	var stderr capped
	sess.Stderr = &stderr
	if err := sess.Start(wrapped); err != nil {
		sess.Close()
		return nil, "", err
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	// the become password (if any), then the mark the helper's input
	// starts after
	if _, err := io.Copy(in, io.MultiReader(stdin, strings.NewReader(hosthelper.Sync))); err != nil {
		sess.Close()
		return nil, "", err
	}
	stop := context.AfterFunc(ctx, func() { sess.Close() })
	defer stop()
	out := bufio.NewReader(outPipe)
	for {
		line, err := out.ReadString('\n')
		if err != nil {
			sess.Close()
			return nil, "", fmt.Errorf("host helper did not start: %s", strings.TrimSpace(stderr.String()))
		}
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, markMissing+" "):
			sess.Wait()
			sess.Close()
			return nil, strings.TrimPrefix(line, markMissing+" "), nil
		case line == markExec:
			h, err := connection.NewHelper(out, in, func() { sess.Close() }, func(err error) error { return c.lost(cl, err) })
			if err != nil {
				sess.Close()
				return nil, "", fmt.Errorf("host helper did not start: %v %s", err, strings.TrimSpace(stderr.String()))
			}
			return h, "", nil
		}
		// (a login script's output comes first)
	}
}

// uploadHelper copies the helper for machine (the host's uname -m) to
// the host as b's user: received into a temporary file in remote_tmp,
// checked against its sha256, made 0700 and renamed into place, so that
// a copy cut short is never used. The helpers of other fjord builds are
// removed then (one that runs keeps running; a run of that build uploads
// its own again).
func (c *Conn) uploadHelper(ctx context.Context, cl *client, b *connection.Become, machine string) error {
	bin := helperbin.ForMachine(machine)
	if bin == nil {
		return fmt.Errorf("no host helper for %s", machine)
	}
	sum := bin.Sum
	script := fmt.Sprintf(`d=%s; h="$d"/fjord-helper-%s
(umask 77 && mkdir -p "$d") 2>/dev/null || exit 70
%scat > "$t" || exit 71
c=$(sha256sum < "$t") || exit 77
[ "${c%%%% *}" = %s ] || { echo "the helper did not arrive whole" >&2; exit 77; }
chmod 700 "$t" && mv -f -- "$t" "$h" || exit 76
trap - EXIT
for o in "$d"/fjord-helper-*; do [ "$o" = "$h" ] || rm -f -- "$o"; done
`, shellPath(c.remoteTmp), sum, connection.TempScript(70), sum)
	wrapped, stdin, err := connection.Script(&connection.Cmd{Command: script, Become: b, Stdin: bytes.NewReader(bin.Data)}, c.t.ep.user)
	if err != nil {
		return err
	}
	sess, err := c.newSession(ctx, cl)
	if err != nil {
		return err
	}
	defer sess.Close()
	var stderr capped
	sess.Stdin, sess.Stderr = stdin, &stderr
	stop := context.AfterFunc(ctx, func() { sess.Close() })
	defer stop()
	if err := sess.Run(wrapped); err != nil {
		return fmt.Errorf("uploading the host helper: %v %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// capped keeps the first 4 KiB written to it.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *capped) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := 4096 - w.buf.Len(); n > 0 {
		w.buf.Write(p[:min(n, len(p))])
	}
	return len(p), nil
}

func (w *capped) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

var _ connection.HelperConn = (*Conn)(nil)
