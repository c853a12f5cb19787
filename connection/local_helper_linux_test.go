package connection

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// execCounter is a local connection (its Helper included) that counts
// the commands it runs.
type execCounter struct {
	*Local
	n atomic.Int32
}

func (c *execCounter) Exec(ctx context.Context, cmd *Cmd) (*Result, error) {
	c.n.Add(1)
	return c.Local.Exec(ctx, cmd)
}

// TestLocalHelperServesFiles: with the host helper on, a local
// connection stats, writes and reads files in fjord's own process (no
// command run) with the results its scripts give.
func TestLocalHelperServesFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	scripts := NewLocal()
	for _, d := range []string{"s", "h"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// each step is taken by the scripts (helper off) and then by the
	// helper, on files in the same state
	both := func(name string, step func(c Conn, dst string) any) {
		t.Helper()
		EnableHostHelper(false)
		want := step(scripts, filepath.Join(dir, "s", name))
		EnableHostHelper(true)
		defer EnableHostHelper(false)
		c := &execCounter{Local: NewLocal()}
		defer c.Close()
		got := step(c, filepath.Join(dir, "h", name))
		if c.n.Load() != 0 {
			t.Errorf("%s: the helper path ran %d commands", name, c.n.Load())
		}
		// the paths differ by their directory only
		norm := func(v any) string {
			return strings.ReplaceAll(strings.ReplaceAll(fmtAll(v), "/s/", "/x/"), "/h/", "/x/")
		}
		if norm(got) != norm(want) {
			t.Errorf("%s:\nhelper  %s\nscripts %s", name, norm(got), norm(want))
		}
	}
	both("missing", func(c Conn, dst string) any {
		fi, err := Stat(ctx, c, dst, StatOptions{Checksum: true})
		return []any{fi, err}
	})
	both("put", func(c Conn, dst string) any {
		pr, err := Put(ctx, c, strings.NewReader("hello\n"), dst, PutOptions{Mode: "0640"})
		fi, err2 := Stat(ctx, c, dst, StatOptions{Checksum: true})
		fi.Mtime, fi.Atime, fi.Ctime, fi.Inode = 0, 0, 0, 0
		data, err3 := ReadFile(ctx, c, dst, nil)
		return []any{pr, err, fi, err2, string(data), err3}
	})
	both("replace", func(c Conn, dst string) any {
		if err := os.WriteFile(dst, []byte("old\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		pr, err := Put(ctx, c, strings.NewReader("new\n"), dst, PutOptions{})
		b, _ := os.ReadFile(dst)
		return []any{pr, err, string(b)}
	})
	both("follow", func(c Conn, dst string) any {
		os.WriteFile(dst+".target", []byte("t\n"), 0o644)
		os.Symlink(filepath.Base(dst)+".target", dst)
		fi, err := Stat(ctx, c, dst, StatOptions{Checksum: true})
		fi.Mtime, fi.Atime, fi.Ctime, fi.Inode = 0, 0, 0, 0
		pr, err2 := Put(ctx, c, strings.NewReader("via link\n"), dst, PutOptions{Follow: true})
		b, _ := os.ReadFile(dst + ".target")
		return []any{fi, err, pr, err2, string(b)}
	})
	both("no-dir", func(c Conn, dst string) any {
		_, err := Put(ctx, c, strings.NewReader("x"), filepath.Join(dst, "sub", "f"), PutOptions{})
		return err
	})
	noTemps(t, filepath.Join(dir, "s"))
	noTemps(t, filepath.Join(dir, "h"))
}

// fmtAll prints v, a value or a list of them, following pointers.
func fmtAll(v any) string {
	vs, ok := v.([]any)
	if !ok {
		vs = []any{v}
	}
	var b strings.Builder
	for _, x := range vs {
		switch x := x.(type) {
		case nil:
			b.WriteString("nil\n")
		case error:
			fmt.Fprintf(&b, "error(%v)\n", x)
		default:
			fmt.Fprintf(&b, "%+v\n", reflect.Indirect(reflect.ValueOf(x)))
		}
	}
	return b.String()
}

// blocking gives n bytes, then blocks until stop is closed.
type blocking struct {
	n    int
	stop chan struct{}
}

func (b *blocking) Read(p []byte) (int, error) {
	if b.n == 0 {
		<-b.stop
		return 0, io.ErrUnexpectedEOF
	}
	k := min(len(p), b.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	b.n -= k
	return k, nil
}

// TestLocalHelperInterruptedPut: a write the run cancels mid-way leaves
// the old file and, once the call returns, no temporary file.
func TestLocalHelperInterruptedPut(t *testing.T) {
	EnableHostHelper(true)
	defer EnableHostHelper(false)
	dir := t.TempDir()
	dst := filepath.Join(dir, "f")
	if err := os.WriteFile(dst, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &execCounter{Local: NewLocal()}
	ctx, cancel := context.WithCancel(context.Background())
	h := c.Helper(ctx, nil)
	if h == nil {
		t.Fatal("no helper for the local connection")
	}
	// the content stops coming half-way (Put would have measured it
	// first: the helper's own call is driven here)
	src := &blocking{n: 1 << 20, stop: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		_, err := h.put(ctx, src, dst, PutOptions{}, Upload{Size: 2 << 20, Sum: Checksum(nil)})
		errc <- err
	}()
	// the temporary file appears, then the run is cancelled
	deadline := time.Now().Add(5 * time.Second)
	for {
		ents, _ := os.ReadDir(dir)
		if len(ents) > 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no temporary file appeared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	// (Helper.call waits for its exchange, which waits for the content)
	close(src.stop)
	if err := <-errc; err == nil {
		t.Fatal("a cancelled Put returned no error")
	}
	// gone when the call returns, before the connection is closed
	noTemps(t, dir)
	c.Close()
	if b, _ := os.ReadFile(dst); string(b) != "old\n" {
		t.Errorf("target after the cancelled write: %q", b)
	}
	if c.n.Load() != 0 {
		t.Errorf("the helper path ran %d commands", c.n.Load())
	}
	noTemps(t, dir)
}

// TestLocalHelperWhich: interpreter discovery's questions (Which) get
// the same answer from the helper, which runs no command, as from
// DiscoveryScript: names found by command -v, a path given whole, names
// missing, a directory that is no program.
func TestLocalHelperWhich(t *testing.T) {
	ctx := context.Background()
	names := []string{"sh", "no-such-program-fjord", "/bin/sh", "/no/such/python", "/tmp", "ls"}
	EnableHostHelper(false)
	want, err := Which(ctx, NewLocal(), names)
	if err != nil || want.RC != 0 {
		t.Fatalf("script: %v %+v", err, want)
	}
	EnableHostHelper(true)
	defer EnableHostHelper(false)
	c := &execCounter{Local: NewLocal()}
	defer c.Close()
	got, err := Which(ctx, c, names)
	if err != nil {
		t.Fatal(err)
	}
	if c.n.Load() != 0 {
		t.Errorf("the helper path ran %d commands", c.n.Load())
	}
	if string(got.Stdout) != string(want.Stdout) || got.RC != want.RC {
		t.Errorf("helper:\n%s\nscript:\n%s", got.Stdout, want.Stdout)
	}
	if !strings.Contains(string(want.Stdout), "PLATFORM\nLinux\nFOUND\n") {
		t.Errorf("script: %q", want.Stdout)
	}
}
