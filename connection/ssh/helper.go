package ssh

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
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

type helperSlot struct {
	h  *connection.Helper
	cl *client
}

// helperStart is a helper being started (in the background).
type helperStart struct {
	done      chan struct{} // closed when the start ended, in a helper or a failure
	uploading chan struct{} // closed when the host lacked the helper and its upload began
	waitUntil time.Time     // set before uploading is closed: until when requests wait
}

// Helper implements connection.HelperConn. The first request of a
// connection and become user starts the helper and waits for it; where
// the host lacks it, requests wait for the upload for up to a second,
// then it goes on beside the run's requests, which scripts serve
// meanwhile, and the helper serves the requests after it.
func (c *Conn) Helper(ctx context.Context, b *connection.Become) *connection.Helper {
	if c.noHelper || !connection.HelperEnabled() || ctx.Err() != nil {
		return nil
	}
	key := ""
	if b != nil {
		key = b.Method + "\x00" + b.User
	}
	c.hMu.Lock()
	if c.helpers == nil {
		c.helpers, c.helperFailed = map[string]*helperSlot{}, map[string]bool{}
		c.starting = map[string]*helperStart{}
		c.helperCtx, c.helperStop = context.WithCancel(context.Background())
	}
	if c.helperFailed[key] || c.noHelper {
		c.hMu.Unlock()
		return nil
	}
	cl, err := c.client(ctx)
	if err != nil {
		c.hMu.Unlock()
		return nil
	}
	if s := c.helpers[key]; s != nil {
		if s.cl == cl && !s.h.Broken() {
			c.hMu.Unlock()
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
	st := c.starting[key]
	if st == nil {
		st = &helperStart{done: make(chan struct{}), uploading: make(chan struct{})}
		c.starting[key] = st
		c.starts.Add(1)
		go c.launchHelper(cl, b, key, st)
	}
	c.hMu.Unlock()
	select {
	case <-st.done:
		return c.Helper(ctx, b)
	case <-st.uploading:
	case <-ctx.Done():
		return nil
	}
	// An upload that ends within a second of its start (a LAN) is
	// waited for: scripts beside it would cost the host more than the
	// wait. A slower one is left to go on beside the scripts.
	t := time.NewTimer(time.Until(st.waitUntil))
	defer t.Stop()
	select {
	case <-st.done:
		return c.Helper(ctx, b)
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

// launchHelper starts the helper for key, uploading it first where the
// host lacks it, and records the outcome.
func (c *Conn) launchHelper(cl *client, b *connection.Become, key string, st *helperStart) {
	defer c.starts.Done()
	// The upload may take long on a slow link; the start itself may not
	// (a become prompt nobody answers).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	stop := context.AfterFunc(c.helperCtx, cancel)
	defer stop()
	h, err := c.startHelper(ctx, cl, b, st)
	c.hMu.Lock()
	delete(c.starting, key)
	if err != nil || c.noHelper {
		c.helperFailed[key] = true
		if h != nil {
			h.Close()
		}
	} else {
		c.helpers[key] = &helperSlot{h: h, cl: cl}
	}
	c.hMu.Unlock()
	close(st.done)
}

// closeHelpers ends the helpers (Close). A start under way (an upload)
// is let finish, for up to two minutes: a run shorter than the upload
// would otherwise never leave the helper on the host.
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
	go func() { c.starts.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
	}
	if stop != nil {
		stop()
	}
}

// Marks the start script prints: the helper follows, or the host lacks
// it (the uname -m follows) and the script reads it from its input.
const (
	markExec    = "fjord-helper:exec"
	markMissing = "fjord-helper:missing"
)

// (The start script's names stay clear of TempScript's: d, t, s, p.)

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

// startScript picks the helper by the host's uname -sm and execs it if
// the user has a copy (the helper itself checks that the file is the
// user's own and writable by no one else: --private). Otherwise it
// receives the binary on its input after the first Sync mark (compressed
// with zstd where the host has zstd, which unpacks it in about half
// gzip's CPU time, else gzipped where it has gzip) into a temporary file
// in remote_tmp, checks its size, makes it 0700 and renames it into place (a copy cut short is
// never used), removes other fjord builds' helpers there (one that runs
// keeps running), and execs it. SSH's MAC guarantees the bytes that
// arrive; zstd's checksum or gzip's CRC and length that what it unpacks
// is whole (a cut stream fails it), the size that a raw one is. A
// sha256sum of the binary on each host cost the first run more than a
// tenth of its time.
func (c *Conn) startScript() string {
	var cases strings.Builder
	for _, h := range helperbin.All() {
		fmt.Fprintf(&cases, "'Linux %s') h=%s mach=%s size=%d gz=%d zs=%d ;;\n", h.Machine, c.helperPath(h.Sum), h.Machine, h.Size, h.GzSize, h.ZstSize)
	}
	return fmt.Sprintf(`case $(uname -sm) in
%s*) echo not a platform fjord has a helper for >&2; exit 1 ;;
esac
if [ -f "$h" ] && [ -O "$h" ]; then echo %[2]s; exec "$h" --private; fi
d=%[3]s
(umask 77 && mkdir -p "$d") 2>/dev/null || exit 70
%[4]sz=; if command -v zstd >/dev/null 2>&1; then z=zstd; elif command -v gzip >/dev/null 2>&1; then z=gzip; fi
echo %[5]s "$mach" $z
while IFS= read -r l; do [ "$l" = %[6]s ] && break; done
case $z in
zstd) head -c "$zs" | zstd -dcq > "$t" ;;
gzip) head -c "$gz" | gzip -dc > "$t" ;;
*) head -c "$size" > "$t" && [ "$(wc -c < "$t")" -eq "$size" ] ;;
esac || { echo "the helper did not arrive whole" >&2; exit 71; }
chmod 700 "$t" && mv -f -- "$t" "$h" || exit 76
trap - EXIT
for o in "$d"/fjord-helper-*; do [ "$o" = "$h" ] || rm -f -- "$o"; done
echo %[2]s
exec "$h" --private
`, cases.String(), markExec, shellPath(c.remoteTmp), connection.TempScript(70), markMissing, strings.TrimSpace(hosthelper.Sync))
}

// startHelper runs the start script as b's user in a session of its own
// and returns the helper it execs; st.uploading is closed when the script
// asks for the binary.
func (c *Conn) startHelper(ctx context.Context, cl *client, b *connection.Become, st *helperStart) (*connection.Helper, error) {
	wrapped, stdin, err := connection.Script(&connection.Cmd{Command: c.startScript(), Become: b}, c.t.ep.user)
	if err != nil {
		return nil, err
	}
	sess, err := c.newSession(ctx, cl)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*connection.Helper, error) {
		sess.Close()
		return nil, err
	}
	in, err := sess.StdinPipe()
	if err != nil {
		return fail(err)
	}
	outPipe, err := sess.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	var stderr capped
	errPipe, err := sess.StderrPipe()
	if err != nil {
		return fail(err)
	}
	if err := sess.Start(wrapped); err != nil {
		return fail(err)
	}
	// The session lasts the run: its stderr is read with a small buffer
	// (sess.Stderr's copy would hold 32 KiB per host for nothing).
	go func() {
		buf := make([]byte, 512)
		for {
			n, err := errPipe.Read(buf)
			stderr.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	// Until the script asks for the binary, the start has the
	// connection's timeout (and 30 s for a become prompt).
	startTimer := time.AfterFunc(30*time.Second+c.t.timeout, func() { sess.Close() })
	defer startTimer.Stop()
	stop := context.AfterFunc(ctx, func() { sess.Close() })
	defer stop()
	// The become password (if any; a sudo that has the credential cached
	// leaves it unread), then the mark the helper's input starts after,
	// or the binary if the script asks for it.
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	if _, err := io.Copy(in, io.MultiReader(stdin, strings.NewReader(hosthelper.Sync))); err != nil {
		return fail(err)
	}
	out := bufio.NewReader(outPipe)
	for {
		line, err := out.ReadString('\n')
		if err != nil {
			return fail(fmt.Errorf("host helper did not start: %s", strings.TrimSpace(stderr.String())))
		}
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, markMissing+" "):
			startTimer.Stop()
			st.waitUntil = time.Now().Add(time.Second)
			close(st.uploading)
			f := strings.Fields(strings.TrimPrefix(line, markMissing+" "))
			h, ok := helperbin.ForMachine(f[0])
			if !ok {
				return fail(fmt.Errorf("no host helper for %s", line))
			}
			// compressed (half the bytes) where the host can unpack it
			var bin io.Reader
			switch {
			case len(f) > 1 && f[1] == "zstd":
				bin, err = h.Zstd()
			case len(f) > 1 && f[1] == "gzip":
				bin, err = h.Gzipped()
			default:
				var b []byte
				b, err = h.Binary()
				bin = bytes.NewReader(b)
			}
			if err != nil {
				return fail(err)
			}
			// the script skips to the mark sent above, reads the binary;
			// the helper it execs then skips to this second mark
			if _, err := io.Copy(in, io.MultiReader(bin, strings.NewReader(hosthelper.Sync))); err != nil {
				return fail(fmt.Errorf("uploading the host helper: %v %s", err, strings.TrimSpace(stderr.String())))
			}
		case line == markExec:
			// After a cancel cut a request short (abort), the helper is
			// killed as a cancelled command is (SIGTERM, on which it
			// removes the temporary file of a write in progress, then
			// SIGKILL), and the kill waits for it to be gone: a closed
			// session alone lets fjord exit while the helper still
			// drains its input, the temporary file still there. (sshd
			// refuses signal requests on root's logins.)
			var h *connection.Helper
			h, err = connection.NewHelper(out, in, func(abort bool) {
				if abort && h != nil && h.Pid() > 0 {
					c.kill(cl, h.Pid(), b)
				}
				sess.Close()
			}, func(err error) error { return c.lost(cl, err) })
			if err != nil {
				return fail(fmt.Errorf("host helper did not start: %v %s", err, strings.TrimSpace(stderr.String())))
			}
			return h, nil
		}
		// (a login script's output comes first)
	}
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
