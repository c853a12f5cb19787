package ssh

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection/hosthelper"
	"github.com/fjord-run/fjord/connection/hosthelper/helperbin"
)

// runStart runs the helper's start script in dir with input, as the
// session would, and returns its output and exit code.
func runStart(t *testing.T, dir, path string, input []byte) (string, int) {
	t.Helper()
	c := &Conn{remoteTmp: dir}
	cmd := exec.Command("/bin/sh", "-c", c.startScript())
	cmd.Env = []string{"PATH=" + path}
	cmd.Stdin = bytes.NewReader(input)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

// TestStartScriptUpload: the start script takes the binary from its
// input, puts it in place and runs it; an upload cut short leaves
// neither the helper nor a temporary file.
func TestStartScriptUpload(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("no carried helper for this machine")
	}
	var h helperbin.Helper
	for _, c := range helperbin.All() {
		if c.Arch == runtime.GOARCH {
			h = c
		}
	}
	packed := func(open func() (io.Reader, error), size int) []byte {
		r, err := open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil || len(b) != size {
			t.Fatalf("carried: %d bytes of %d, %v", len(b), size, err)
		}
		return b
	}
	gz, zst := packed(h.Gzipped, h.GzSize), packed(h.Zstd, h.ZstSize)
	raw, err := h.Binary()
	if err != nil {
		t.Fatal(err)
	}
	// A host with zstd gets the binary compressed with zstd, one with
	// gzip only gzipped, one with neither raw: directories of the
	// script's tools with and without them stand for these hosts.
	tools := func(extra ...string) string {
		dir := t.TempDir()
		for _, tool := range append([]string{"uname", "mkdir", "head", "wc", "chmod", "mv", "rm"}, extra...) {
			p, err := exec.LookPath(tool)
			if err != nil {
				t.Skip(err)
			}
			if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	type mode struct {
		name, path, ask string // ask: what the script asks for
		body            []byte
	}
	modes := []mode{{"raw", tools(), "", raw}, {"gzip", tools("gzip"), " gzip", gz}}
	if _, err := exec.LookPath("zstd"); err == nil {
		modes = append(modes, mode{"zstd", tools("gzip", "zstd"), " zstd", zst})
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { startScriptUpload(t, h, raw, m.body, m.path, m.ask) })
	}
}

// startScriptUpload gives the start script body (raw or packed as the
// script asks: ask) cut short at several points, then whole.
func startScriptUpload(t *testing.T, h helperbin.Helper, raw, body []byte, path, ask string) {
	sync := []byte(hosthelper.Sync)
	for _, cut := range []int{0, 1000, len(body) / 2, len(body) - 1} {
		dir := t.TempDir()
		in := append(append([]byte("a become password, unread\n"), sync...), body[:cut]...)
		out, code := runStart(t, dir, path, in)
		if code == 0 || !strings.Contains(out, markMissing+" ") {
			t.Errorf("cut at %d: exit %d\n%s", cut, code, out)
		}
		left, _ := filepath.Glob(filepath.Join(dir, "*"))
		hidden, _ := filepath.Glob(filepath.Join(dir, ".*"))
		if len(left)+len(hidden) != 0 {
			t.Errorf("cut at %d: left %v %v", cut, left, hidden)
		}
	}

	dir := t.TempDir()
	in := append(append(append([]byte{}, sync...), body...), sync...)
	out, code := runStart(t, dir, path, in)
	if code != 0 || !strings.Contains(out, markExec) || !strings.Contains(out, hosthelper.Hello) {
		t.Fatalf("whole upload: exit %d\n%q", code, out)
	}
	if !strings.Contains(out, markMissing+" "+h.Machine+ask+"\n") {
		t.Errorf("the script did not ask for %q: %q", ask, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "fjord-helper-"+h.Sum))
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("helper in place: %d bytes, %v", len(got), err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "fjord-helper-"+h.Sum)); fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %v", fi.Mode())
	}
	// Present now: run at once, reading nothing but the mark.
	out, code = runStart(t, dir, path, sync)
	if code != 0 || strings.Contains(out, markMissing) || !strings.Contains(out, hosthelper.Hello) {
		t.Fatalf("second start: exit %d\n%q", code, out)
	}
	// A copy others can write is refused by the helper itself.
	os.Chmod(filepath.Join(dir, "fjord-helper-"+h.Sum), 0o722)
	out, code = runStart(t, dir, path, sync)
	if code == 0 || !strings.Contains(out, "writable by others") {
		t.Fatalf("group-writable copy: exit %d\n%q", code, out)
	}
}
