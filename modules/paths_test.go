package modules

import (
	"context"
	"testing"

	"github.com/fjord-run/fjord/connection"
)

// homeConn answers every command with one home directory.
type homeConn struct{ home string }

func (c *homeConn) Exec(ctx context.Context, cmd *connection.Cmd) (*connection.Result, error) {
	return &connection.Result{Stdout: []byte(c.home)}, nil
}
func (c *homeConn) Close() error { return nil }

// A delegated task runs on another host's connection under the same
// inventory host name: the home is that connection's.
func TestExpandHomePerConnection(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ home, p, want string }{
		{"/home/a", "~/x", "/home/a/x"},
		{"/home/b", "~/x", "/home/b/x"},
		{"/home/b", "~", "/home/b"},
		{"/", "~/y", "/y"},
	} {
		env := &Env{Host: "h1", Conn: &homeConn{c.home}}
		got, err := expandHome(ctx, env, c.p, false)
		if err != nil || got != c.want {
			t.Errorf("%s with home %s: %q, %v; want %q", c.p, c.home, got, err, c.want)
		}
	}
	// ~name with a character a user name cannot hold is left alone.
	if got, _ := expandHome(ctx, &Env{Conn: &homeConn{"/r"}}, "~a b/x", false); got != "~a b/x" {
		t.Errorf("got %q", got)
	}
}
