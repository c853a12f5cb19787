package connection

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fjord-run/fjord/connection/hosthelper"
)

// HelperConn is a connection that can serve file requests (Stat,
// StatRead, ReadFile, Put) with fjord's helper process on the host
// (package hosthelper) instead of a shell script each: no process on the
// host per request. Helper returns the helper running as b's user,
// starting it on first use, or nil when the host cannot run one (or it is
// turned off); the caller then runs the script, with the same result.
type HelperConn interface {
	Helper(ctx context.Context, b *Become) *Helper
}

var helperOn atomic.Bool

// EnableHostHelper makes connections offer the host helper (or not). A
// program that never calls it (a test binary) uses the scripts only.
func EnableHostHelper(on bool) { helperOn.Store(on) }

// HelperEnabled says whether connections offer the host helper: the
// program turned it on and FJORD_HOST_HELPER (0, false, no, off) does not
// turn it off.
func HelperEnabled() bool {
	if !helperOn.Load() {
		return false
	}
	switch strings.ToLower(os.Getenv("FJORD_HOST_HELPER")) {
	case "0", "false", "no", "off":
		return false
	}
	return true
}

func helperOf(ctx context.Context, c Conn, b *Become) *Helper {
	hc, ok := c.(HelperConn)
	if !ok {
		return nil
	}
	return hc.Helper(ctx, b)
}

// Helper is the controller's end of one helper process: one request at a
// time, over the process's stdin and stdout.
type Helper struct {
	mu     sync.Mutex
	r      *bufio.Reader
	w      *bufio.Writer
	close  func(abort bool)
	lost   func(error) error
	broken atomic.Bool
	busy   atomic.Int32
	pid    int
}

// Busy says whether a request is in progress.
func (h *Helper) Busy() bool { return h.busy.Load() > 0 }

// NewHelper reads the helper's greeting from r and returns its client.
// close ends the transport (the helper then exits, removing what it was
// writing). With abort, a cancel cut a request short: close then returns
// once the helper has exited, or after a bound, so that fjord does not
// exit with a temporary file still beside a destination. lost turns a
// failed exchange into the error to report (an UnreachableError when the
// connection itself is gone).
func NewHelper(r io.Reader, w io.Writer, close func(abort bool), lost func(error) error) (*Helper, error) {
	// Small buffers: a connection keeps its helper for the whole run, so
	// at a thousand hosts 64 KiB ones were most of the controller's
	// memory; a frame larger than the buffer passes through it unbuffered.
	br := bufio.NewReaderSize(r, helperBuf)
	kind, f, err := hosthelper.ReadFrame(br)
	if err != nil {
		return nil, err
	}
	if kind != hosthelper.KindHello || len(f) < 1 || string(f[0]) != hosthelper.Hello {
		return nil, errors.New("host helper: unexpected greeting")
	}
	h := &Helper{r: br, w: bufio.NewWriterSize(w, helperBuf), close: close, lost: lost}
	if len(f) > 1 {
		h.pid, _ = strconv.Atoi(string(f[1]))
	}
	return h, nil
}

// Pid is the helper process's pid on its host (0 if it did not say).
func (h *Helper) Pid() int { return h.pid }

// helperBuf is the size of a helper client's read and write buffers.
const helperBuf = 4 << 10

// Broken says whether the helper failed or was closed: a new one is
// needed.
func (h *Helper) Broken() bool { return h.broken.Load() }

// Close ends the helper.
func (h *Helper) Close() { h.end(false) }

func (h *Helper) end(abort bool) {
	h.broken.Store(true)
	h.close(abort)
}

// call sends one request (with data, a Put's content, when not nil) and
// returns the answer as the script's Result. Cancelling ctx ends the
// helper.
func (h *Helper) call(ctx context.Context, kind byte, fields [][]byte, data io.Reader) (*Result, error) {
	return h.callSized(ctx, kind, fields, data, hosthelper.ChunkSize)
}

// callSized is call with data's size known (at most size bytes), which
// bounds the buffer its frames are cut with: most files a play writes
// are a few hundred bytes, and a chunk's 256 KiB for each would be most
// of what a run allocates.
func (h *Helper) callSized(ctx context.Context, kind byte, fields [][]byte, data io.Reader, size int64) (*Result, error) {
	h.busy.Add(1)
	defer h.busy.Add(-1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.broken.Load() {
		return nil, errors.New("host helper: closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err // (nothing sent: the helper serves on)
	}
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := h.exchange(kind, fields, data, size)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			// cut short: by the connection, or by a content reader
			// that failed (a cancel's, too)
			h.end(true)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return nil, h.lost(fmt.Errorf("host helper: %w", o.err))
		}
		return o.res, nil
	case <-ctx.Done():
		h.end(true)
		<-done
		return nil, ctx.Err()
	}
}

func (h *Helper) exchange(kind byte, fields [][]byte, data io.Reader, size int64) (*Result, error) {
	if err := hosthelper.WriteFrame(h.w, kind, fields...); err != nil {
		return nil, err
	}
	if data != nil {
		// one byte more than the size, so that a reader longer than
		// promised is not cut to it unseen (the helper checks the size)
		buf := make([]byte, min(max(size, 0)+1, hosthelper.ChunkSize))
		for {
			n, err := io.ReadFull(data, buf)
			if n > 0 {
				if werr := hosthelper.WriteFrame(h.w, hosthelper.KindData, buf[:n]); werr != nil {
					return nil, werr
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				// The content cannot be had: the helper is told nothing
				// more and ends without renaming anything.
				return nil, err
			}
		}
		if err := hosthelper.WriteFrame(h.w, hosthelper.KindEnd); err != nil {
			return nil, err
		}
	}
	if err := h.w.Flush(); err != nil {
		return nil, err
	}
	res := &Result{}
	var out []byte
	for {
		k, f, err := hosthelper.ReadFrame(h.r)
		if err != nil {
			return nil, err
		}
		switch {
		case k == hosthelper.KindStdout && len(f) == 1:
			out = append(out, f[0]...)
		case k == hosthelper.KindDone && len(f) == 2:
			rc, err := strconv.Atoi(string(f[0]))
			if err != nil {
				return nil, fmt.Errorf("bad exit code %q", f[0])
			}
			res.RC, res.Stdout, res.Stderr = rc, out, append([]byte(nil), f[1]...)
			return res, nil
		default:
			return nil, fmt.Errorf("unexpected frame %q", k)
		}
	}
}

// stat is Stat's (content false) or StatRead's script through the helper.
func (h *Helper) stat(ctx context.Context, p string, o StatOptions, content bool) (*Result, error) {
	algo := ""
	if o.Checksum {
		if algo = o.ChecksumAlgorithm; algo == "" {
			algo = "sha1"
		}
	}
	return h.call(ctx, hosthelper.KindStat, [][]byte{[]byte(p), hosthelper.Flag(o.Follow), []byte(algo), hosthelper.Flag(content)}, nil)
}

// read is ReadFile's cat through the helper.
func (h *Helper) read(ctx context.Context, p string) (*Result, error) {
	return h.call(ctx, hosthelper.KindRead, [][]byte{[]byte(p)}, nil)
}

// helperPuts says whether the helper does a Put with o: what needs a
// command run on the host (validate, backup's cp, a remote source) or
// chmod's and chown's own parsing (a symbolic mode, owner:group in one)
// stays with the script.
func helperPuts(o PutOptions) bool {
	return o.Validate == "" && !o.Backup && o.RemoteSrc == "" &&
		strings.Trim(o.Mode, "01234567") == "" &&
		!strings.ContainsAny(o.Owner, ":.") && !strings.ContainsAny(o.Group, ":")
}

// put is Put's script through the helper, r holding exactly u's bytes.
func (h *Helper) put(ctx context.Context, r io.Reader, dst string, o PutOptions, u Upload) (*Result, error) {
	req := &hosthelper.PutRequest{Dest: dst, Mode: o.Mode, Owner: o.Owner, Group: o.Group,
		Follow: o.Follow, MakeDirs: o.MakeDirs, Size: u.Size, Sum: u.Sum}
	return h.callSized(ctx, hosthelper.KindPut, req.Fields(), r, u.Size)
}
