//go:build linux

package hosthelper

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// helper serves on pipes; send writes a request and reads the answer.
type testHelper struct {
	w   io.WriteCloser
	r   *bufio.Reader
	err chan error
}

func startHelper(t *testing.T, junk string) *testHelper {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := &testHelper{w: inW, r: bufio.NewReader(outR), err: make(chan error, 1)}
	go func() { h.err <- Serve(inR, outW); outW.Close() }()
	if _, err := io.WriteString(inW, junk+Sync); err != nil {
		t.Fatal(err)
	}
	kind, f, err := ReadFrame(h.r)
	if err != nil || kind != KindHello || string(f[0]) != Hello {
		t.Fatalf("hello: %c %q %v", kind, f, err)
	}
	t.Cleanup(func() { inW.Close() })
	return h
}

func (h *testHelper) send(t *testing.T, kind byte, data []byte, fields ...string) (rc int, stdout, stderr string) {
	t.Helper()
	var ff [][]byte
	for _, f := range fields {
		ff = append(ff, []byte(f))
	}
	if err := WriteFrame(h.w, kind, ff...); err != nil {
		t.Fatal(err)
	}
	if data != nil {
		for len(data) > 0 {
			n := min(len(data), 7)
			WriteFrame(h.w, KindData, data[:n])
			data = data[n:]
		}
		WriteFrame(h.w, KindEnd)
	}
	var out strings.Builder
	for {
		k, f, err := ReadFrame(h.r)
		if err != nil {
			t.Fatal(err)
		}
		switch k {
		case KindStdout:
			out.Write(f[0])
		case KindDone:
			rc, _ = strconv.Atoi(string(f[0]))
			return rc, out.String(), string(f[1])
		}
	}
}

func sum(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestServe(t *testing.T) {
	h := startHelper(t, "a password sudo did not read\n")
	d := t.TempDir()
	p := filepath.Join(d, "f")
	put := func(dst, content, mode string, size int64, sum string) (int, string, string) {
		req := &PutRequest{Dest: dst, Mode: mode, Size: size, Sum: sum}
		var f []string
		for _, b := range req.Fields() {
			f = append(f, string(b))
		}
		return h.send(t, KindPut, []byte(content), f...)
	}
	rc, out, errs := put(p, "hello\n", "0640", 6, sum("hello\n"))
	if rc != 0 || !strings.HasPrefix(out, "D "+p+"\nS 640 ") || errs != "" {
		t.Fatalf("put: %d %q %q", rc, out, errs)
	}
	if data, _ := os.ReadFile(p); string(data) != "hello\n" {
		t.Errorf("put wrote %q", data)
	}
	// content that is not what was measured never replaces the file
	rc, _, errs = put(p, "hellO\n", "", 6, sum("hello\n"))
	if rc != 77 || !strings.Contains(errs, "did not arrive whole") {
		t.Errorf("bad content: %d %q", rc, errs)
	}
	if data, _ := os.ReadFile(p); string(data) != "hello\n" {
		t.Errorf("after a bad put: %q", data)
	}
	if m, _ := filepath.Glob(filepath.Join(d, TempPrefix+"*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
	rc, _, errs = put(filepath.Join(d, "no/f"), "x", "", 1, sum("x"))
	if rc != 70 || !strings.Contains(errs, "does not exist") {
		t.Errorf("missing dir: %d %q", rc, errs)
	}
	rc, out, _ = h.send(t, KindStat, nil, p, "0", "sha1", "1")
	if rc != 0 || !strings.Contains(out, "\nE1\n") || !strings.Contains(out, "\nC "+sum("hello\n")+"\n") || !strings.HasSuffix(out, "\nZ\nhello\n") {
		t.Errorf("stat: %d %q", rc, out)
	}
	rc, out, _ = h.send(t, KindStat, nil, p+"x", "0", "", "0")
	if rc != 0 || !strings.HasSuffix(out, "\nE0\n") {
		t.Errorf("stat missing: %d %q", rc, out)
	}
	rc, _, errs = h.send(t, KindRead, nil, p+"x")
	if rc != 1 || errs != "cat: "+p+"x: No such file or directory\n" {
		t.Errorf("read missing: %d %q", rc, errs)
	}
	rc, out, _ = h.send(t, KindAttrs, nil, filepath.Join(d, "a/b"), "", "", "700", "1", "1")
	if rc != 0 || !strings.Contains(out, "\nS 41c0 ") {
		t.Errorf("mkdir: %d %q", rc, out)
	}
	h.w.Close()
	if err := <-h.err; err != io.EOF {
		t.Errorf("serve ended with %v", err)
	}
}

// TestCanonical holds Canonical to readlink -m.
func TestCanonical(t *testing.T) {
	d := t.TempDir()
	os.MkdirAll(d+"/a/b", 0755)
	os.Symlink("a/b", d+"/l")
	os.Symlink("../missing/x", d+"/a/m")
	os.Symlink(d+"/a", d+"/abs")
	os.Symlink("loop", d+"/loop")
	for _, p := range []string{"l", "l/c", "a/m", "a/m/../y", "abs/b/../m", "x/../l", "a//b/./", "loop", "loop/x"} {
		want, _ := exec.Command("readlink", "-m", "--", d+"/"+p).Output()
		got, _ := Canonical(d + "/" + p)
		if got != strings.TrimSuffix(string(want), "\n") {
			t.Errorf("%s: %q, readlink -m %q", p, got, want)
		}
	}
}

// TestLsattrAsLsattr: the helper's reading of a file's attributes prints
// what lsattr -vd prints, on files, directories, links, special files
// and file systems without flags.
func TestLsattrAsLsattr(t *testing.T) {
	if _, err := exec.LookPath("lsattr"); err != nil {
		t.Skip("no lsattr")
	}
	d := t.TempDir()
	os.WriteFile(d+"/f", []byte("x"), 0o644)
	os.WriteFile(d+"/noatime", []byte("x"), 0o644)
	// a flag set where the file system lets us (root on ext4, tmpfs no)
	exec.Command("chattr", "+A", d+"/noatime").Run()
	os.Symlink(d+"/f", d+"/link")
	syscall.Mkfifo(d+"/fifo", 0o644)
	for _, p := range []string{d, d + "/f", d + "/noatime", d + "/link", d + "/fifo", d + "/missing", "/", "/etc/passwd", "/proc", "/proc/self/status", "/dev/null"} {
		want, _ := exec.Command("lsattr", "-vd", "--", p).Output()
		var got bytes.Buffer
		lsattrVD(&got, p)
		if got.String() != string(want) {
			t.Errorf("%s: helper %q, lsattr %q", p, got.String(), want)
		}
	}
}
