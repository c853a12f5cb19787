package sshtest

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection"
)

// stallingFile is a file whose second reading (Put's upload, after its
// measuring pass) stops after a megabyte until ctx ends, and then fails:
// an upload cut short by a cancel at a known point.
type stallingFile struct {
	f      *os.File // (not embedded: its WriteTo would bypass Read)
	ctx    context.Context
	passes int
	read   int64
	mid    chan struct{} // closed when the upload has stalled
}

func (s *stallingFile) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		s.passes++
		s.read = 0
	}
	return s.f.Seek(off, whence)
}

func (s *stallingFile) Read(p []byte) (int, error) {
	if s.passes >= 1 && s.read >= 1<<20 {
		close(s.mid)
		<-s.ctx.Done()
		return 0, s.ctx.Err()
	}
	n, err := s.f.Read(p)
	s.read += int64(n)
	return n, err
}

// TestCancelledPutLeavesNoTemp cancels a Put in the middle of its upload,
// through the host helper and through the shell, and requires that when
// Put returns the temporary file beside the destination is already gone
// (the controller may exit the next moment) and the old file untouched.
func TestCancelledPutLeavesNoTemp(t *testing.T) {
	l := Start(t, 1)
	withHelper(t)
	src := filepath.Join(t.TempDir(), "big")
	ok(t, os.WriteFile(src, []byte(strings.Repeat("0123456789abcdef", 4<<20/16)), 0o644))
	for _, helper := range []bool{true, false} {
		name := "script"
		if helper {
			name = "helper"
		}
		t.Run(name, func(t *testing.T) {
			o := l.Options(l.Servers[0])
			o.RemoteTmp = filepath.Join(l.Dir, "rtmp")
			o.NoHostHelper = !helper
			c := dial(t, o)
			if helper && waitHelper(c, nil) == nil {
				t.Fatal("no helper")
			}
			dir := filepath.Join(l.Dir, "cancel-"+name)
			ok(t, os.MkdirAll(dir, 0o755))
			dst := filepath.Join(dir, "f")
			ok(t, os.WriteFile(dst, []byte("old\n"), 0o644))
			for i := 0; i < 5; i++ {
				f, err := os.Open(src)
				ok(t, err)
				ctx, cancel := context.WithCancel(context.Background())
				sf := &stallingFile{f: f, ctx: ctx, mid: make(chan struct{})}
				go func() { <-sf.mid; cancel() }()
				_, err = connection.Put(ctx, c, sf, dst, connection.PutOptions{})
				f.Close()
				cancel()
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("put %d: %v, want the cancel", i, err)
				}
				// No waiting: Put's return is the moment that counts.
				left, _ := filepath.Glob(filepath.Join(dir, connection.TempPrefix+"*"))
				if len(left) > 0 {
					t.Fatalf("put %d: %s left when Put returned", i, left)
				}
				if b, err := os.ReadFile(dst); err != nil || string(b) != "old\n" {
					t.Fatalf("put %d: destination %q %v, want the old file", i, b, err)
				}
			}
		})
	}
}
