package modules

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fjord-run/fjord/value"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return p
}

func TestWaitForPort(t *testing.T) {
	env, c := testEnv(t, t.TempDir())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.Write([]byte("HELLO fjord-7.2 ready\n"))
			conn.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port

	c.Reset()
	r := run(t, env, "wait_for", "port", port, "timeout", 5)
	if r.Failed || r.Changed || get(r, "port") != port || get(r, "state") != "started" {
		t.Fatalf("open port: %+v %v", r, r.Data)
	}
	if c.Count() != 1 {
		t.Errorf("round trips = %d, want 1", c.Count())
	}

	r = run(t, env, "wait_for", "port", port, "search_regex", `fjord-(?P<major>\d+)\.(\d+)`, "timeout", 5)
	if r.Failed {
		t.Fatalf("search_regex on port: %s", r.Msg)
	}
	if g := get(r, "match_groups").([]any); len(g) != 2 || g[0] != "7" || g[1] != "2" {
		t.Errorf("match_groups = %v", g)
	}

	closed := freePort(t)
	start := time.Now()
	r = run(t, env, "wait_for", "port", closed, "timeout", 1)
	if !r.Failed || r.Msg != "Timeout when waiting for 127.0.0.1:"+strconv.Itoa(closed) {
		t.Fatalf("closed port: %+v", r)
	}
	if d := time.Since(start); d > 5*time.Second || d < time.Second || get(r, "elapsed").(int) < 1 {
		t.Errorf("timeout 1 took %v (elapsed %v)", d, get(r, "elapsed"))
	}
	r = run(t, env, "wait_for", "port", closed, "timeout", 1, "msg", "custom")
	if !r.Failed || r.Msg != "custom" {
		t.Errorf("msg: %+v", r)
	}

	r = run(t, env, "wait_for", "port", closed, "state", "stopped", "timeout", 3)
	if r.Failed {
		t.Errorf("stopped on a closed port: %s", r.Msg)
	}
	r = run(t, env, "wait_for", "port", port, "state", "stopped", "timeout", 1)
	if !r.Failed || !strings.HasSuffix(r.Msg, "to stop.") {
		t.Errorf("stopped on an open port: %+v", r)
	}
	// The connections above left TIME_WAIT sockets on port: a fresh
	// listener has none.
	quiet, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	r = run(t, env, "wait_for", "port", quiet.Addr().(*net.TCPAddr).Port, "state", "drained", "timeout", 5, "exclude_hosts", "10.0.0.1")
	if r.Failed {
		t.Errorf("drained with no connections: %s", r.Msg)
	}
	r = run(t, env, "wait_for", "port", port, "state", "drained", "timeout", 1)
	if !r.Failed || !strings.HasSuffix(r.Msg, "to drain") {
		t.Errorf("drained with TIME_WAIT sockets: %+v", r)
	}
	if _, err := tryRun(env, "wait_for", "port", port, "path", "/x"); err == nil {
		t.Error("port and path together accepted")
	}
	if _, err := tryRun(env, "wait_for", "port", port, "exclude_hosts", "10.0.0.1"); err == nil {
		t.Error("exclude_hosts without drained accepted")
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestWaitForPath(t *testing.T) {
	dir := t.TempDir()
	env, _ := testEnv(t, dir)
	p := filepath.Join(dir, "ready")
	go func() {
		time.Sleep(1200 * time.Millisecond)
		os.WriteFile(p, []byte("starting\nversion=3.14 listening\n"), 0o644)
	}()
	r := run(t, env, "wait_for", "path", p, "search_regex", `version=(?P<v>[\d.]+) listening$`, "timeout", 10)
	if r.Failed {
		t.Fatalf("path regex: %s", r.Msg)
	}
	if g := get(r, "match_groupdict"); g == nil || !strings.Contains(jsonOf(g), `"v":"3.14"`) {
		t.Errorf("match_groupdict = %v", g)
	}
	if e := get(r, "elapsed").(int); e < 1 || e > 5 {
		t.Errorf("elapsed = %d", e)
	}
	r = run(t, env, "wait_for", "path", p, "timeout", 2)
	if r.Failed || get(r, "path") != p {
		t.Errorf("present path: %+v", r)
	}
	r = run(t, env, "wait_for", "path", p, "search_regex", "never there", "timeout", 1)
	if !r.Failed || r.Msg != "Timeout when waiting for search string never there in "+p {
		t.Errorf("regex timeout: %+v", r)
	}
	r = run(t, env, "wait_for", "path", p, "state", "absent", "timeout", 1)
	if !r.Failed || r.Msg != "Timeout when waiting for "+p+" to be absent." {
		t.Errorf("absent timeout: %+v", r)
	}
	r = run(t, env, "wait_for", "path", filepath.Join(dir, "nope"), "state", "absent", "timeout", 1)
	if r.Failed {
		t.Errorf("absent: %s", r.Msg)
	}
	r = run(t, env, "wait_for", "timeout", 1)
	if r.Failed || get(r, "elapsed").(int) < 1 {
		t.Errorf("plain sleep: %+v %v", r, r.Data)
	}
}

func TestWaitForWithoutBash(t *testing.T) {
	env, _ := testEnv(t, t.TempDir())
	env.Environment = map[string]string{"PATH": pathWithout(t, "bash")}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	// No bash: a local host is checked through /proc/net/tcp LISTEN.
	r := run(t, env, "wait_for", "port", port, "timeout", 5, "state", "present")
	if r.Failed || get(r, "state") != "present" {
		t.Fatalf("listening port: %+v", r)
	}
	r = run(t, env, "wait_for", "port", freePort(t), "timeout", 1)
	if !r.Failed || !strings.HasPrefix(r.Msg, "Timeout when waiting for 127.0.0.1:") {
		t.Errorf("closed port: %+v", r)
	}
	r = run(t, env, "wait_for", "port", port, "host", "192.0.2.1", "timeout", 1)
	if !r.Failed || !strings.Contains(r.Msg, "bash is needed on the host") {
		t.Errorf("remote host without bash: %+v", r)
	}
}

func TestWaitForCancel(t *testing.T) {
	env, _ := testEnv(t, t.TempDir())
	info, _ := Lookup("wait_for")
	m, err := Decode(info, value.MapOf("path", "/nonexistent/fjord", "timeout", 60))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := m.Run(ctx, env); err == nil {
		t.Error("cancelled wait returned no error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestWaitForDrainedExclude(t *testing.T) {
	if got := procAddrs(netip.MustParseAddr("127.0.0.1")); len(got) != 2 || got[0] != "0100007F" || got[1] != "0000000000000000FFFF00000100007F" {
		t.Errorf("procAddrs(127.0.0.1) = %v", got)
	}
	env, _ := testEnv(t, t.TempDir())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := run(t, env, "wait_for", "port", port, "state", "drained", "timeout", 1)
	if !r.Failed {
		t.Errorf("an established connection counted as drained: %+v", r)
	}
	r = run(t, env, "wait_for", "port", port, "state", "drained", "timeout", 3, "exclude_hosts", []any{"127.0.0.1"})
	if r.Failed {
		t.Errorf("excluded peer still counted: %s", r.Msg)
	}
}
