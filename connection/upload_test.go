package connection

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cutConn passes commands to a real local shell but lets only the first
// n bytes of stdin through, as a link that drops mid-upload does: the
// host's cat sees an early EOF and exits 0.
type cutConn struct {
	Conn
	n int64
}

func (c cutConn) Exec(ctx context.Context, cmd *Cmd) (*Result, error) {
	if cmd.Stdin != nil {
		cc := *cmd
		cc.Stdin = io.LimitReader(cmd.Stdin, c.n)
		cmd = &cc
	}
	return c.Conn.Exec(ctx, cmd)
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), TempPrefix) {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
}

// TestPutShortUploadKeepsOld: an upload that arrives short, from a file
// or from memory, never replaces the target, keeps its mode, and leaves
// no temporary file.
func TestPutShortUploadKeepsOld(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dst := filepath.Join(dir, "f")
	old := "old content\n"
	if err := os.WriteFile(dst, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, big, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int64{0, 1, 4096, int64(len(big)) - 1} {
		for _, fromFile := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(big)
			if fromFile {
				f, err := os.Open(src)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				r = f
			}
			_, err := Put(ctx, cutConn{NewLocal(), cut}, r, dst, PutOptions{Mode: "0644"})
			if err == nil || !strings.Contains(err.Error(), "did not arrive whole") {
				t.Errorf("cut at %d (file %v): err = %v", cut, fromFile, err)
			}
			b, _ := os.ReadFile(dst)
			st, _ := os.Stat(dst)
			if string(b) != old || st.Mode().Perm() != 0o600 {
				t.Errorf("cut at %d: target now %d bytes, mode %o", cut, len(b), st.Mode().Perm())
			}
			noTemps(t, dir)
		}
	}
	// The whole upload lands.
	pr, err := Put(ctx, cutConn{NewLocal(), int64(len(big))}, bytes.NewReader(big), dst, PutOptions{})
	if err != nil || pr.Size != int64(len(big)) || pr.Checksum != Checksum(big) {
		t.Fatalf("whole upload: %+v %v", pr, err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, big) {
		t.Errorf("target holds %d bytes", len(b))
	}
	noTemps(t, dir)
}

// TestPutSweepsDeadWritersTemps: a temp whose writing shell is gone (a
// SIGKILLed fjord's) is removed by the next write into its directory; one
// whose writer lives is left alone.
func TestPutSweepsDeadWritersTemps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer live.Process.Kill()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadTemp := filepath.Join(dir, fmt.Sprintf("%s%d.AbCdEfGh", TempPrefix, dead.Process.Pid))
	liveTemp := filepath.Join(dir, fmt.Sprintf("%s%d.AbCdEfGh", TempPrefix, live.Process.Pid))
	oldStyle := filepath.Join(dir, TempPrefix+"AbCdEfGh") // no pid: not ours to judge
	for _, p := range []string{deadTemp, liveTemp, oldStyle} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Put(ctx, NewLocal(), strings.NewReader("x\n"), filepath.Join(dir, "f"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(deadTemp); !os.IsNotExist(err) {
		t.Errorf("dead writer's temp kept: %v", err)
	}
	for _, p := range []string{liveTemp, oldStyle} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(p), err)
		}
	}
}

// TestPutScriptVerifies: the inline form checks its content as well (a
// here-document cut short by a lost connection ends at EOF in sh).
func TestPutScriptVerifies(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "f")
	s := PutScript(dst, PutOptions{}, "hello\n")
	// Corrupt the content the script carries but not the sum it checks.
	bad := strings.Replace(s, "'hello\n'", "'hell'", 1)
	if bad == s {
		t.Fatalf("content not found in script:\n%s", s)
	}
	res, err := NewLocal().Exec(context.Background(), &Cmd{Command: bad})
	if err != nil || res.RC != 77 {
		t.Fatalf("corrupt inline put: rc %v %v %s", res, err, res.Stderr)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Errorf("target written: %v", err)
	}
	noTemps(t, dir)
}
