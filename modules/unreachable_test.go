package modules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fjord-run/fjord/connection"
)

// droppedConn is a host whose connection is lost: every command fails as
// connection/ssh reports a lost connection.
type droppedConn struct{}

func (droppedConn) Exec(context.Context, *connection.Cmd) (*connection.Result, error) {
	return nil, &connection.UnreachableError{Host: "h", Err: errors.New("Failed to connect to the host via ssh: connection lost")}
}
func (droppedConn) Close() error { return nil }

// A module whose host is lost, in whatever step, returns an error that
// wraps the connection's *connection.UnreachableError: the engine reports
// the host UNREACHABLE, never FAILED with the connection's message.
func TestLostConnectionIsReturned(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "templates", "t.j2"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env, _ := testEnv(t, dir)
	env.Conn = droppedConn{}
	for _, c := range [][]any{
		{"stat", "path", "/p"},
		{"file", "path", "/p", "state", "directory"},
		{"file", "path", "/p", "state", "absent"},
		{"file", "path", "/p", "state", "touch"},
		{"copy", "content", "x", "dest", "/p"},
		{"template", "src", "t.j2", "dest", "/p"},
		{"lineinfile", "path", "/p", "line", "x"},
		{"lineinfile", "path", "/p", "regexp", "x", "state", "absent"},
		{"blockinfile", "path", "/p", "block", "x"},
		{"replace", "path", "/p", "regexp", "x", "replace", "y"},
		{"slurp", "src", "/p"},
		{"fetch", "src", "/p", "dest", dir + "/f/"},
		{"assemble", "src", "/d", "dest", "/p", "remote_src", true},
		{"command", "cmd", "true"},
		{"shell", "cmd", "true"},
		{"ping"},
		{"find", "paths", "/d"},
		{"tempfile"},
		{"cron", "name", "x", "job", "true"},
		{"hostname", "name", "h"},
		{"known_hosts", "name", "h", "state", "absent"},
		{"apt_repository", "repo", "deb http://x y z"},
		{"get_url", "url", "http://127.0.0.1:1/x", "dest", "/p"},
		{"unarchive", "src", "/a.tgz", "dest", "/d", "remote_src", true},
		{"systemd", "name", "x", "state", "started"},
		{"service_facts"},
		{"user", "name", "u"},
		{"group", "name", "g"},
		{"apt", "name", "x"},
		{"package", "name", "x", "state", "present"},
		{"script", "cmd", dir + "/templates/t.j2"},
		{"wait_for", "path", "/p", "timeout", 1},
	} {
		name := c[0].(string)
		t.Run(fmt.Sprint(c...), func(t *testing.T) {
			r, err := tryRun(env, name, c[1:]...)
			if !connection.IsUnreachable(err) {
				t.Errorf("result %+v, error %v; want the lost connection", r, err)
			}
		})
	}
}
