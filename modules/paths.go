package modules

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/connection"
)

// homes caches the host's answer to `echo ~user` per connection, become
// user and tilde prefix: a run asks it once, not once per task. It is
// keyed by the connection, not the inventory host, because a delegated
// task runs on another host's connection.
var homes sync.Map // homeKey → string

type homeKey struct {
	conn         connection.Conn
	user, prefix string
	action       bool
}

// expandPaths expands a leading ~ or ~user in m's path arguments (tagged
// `path`) with the home directory on the host. Two rules, as in Ansible:
// a module's type='path' argument takes $HOME of the user the module runs
// as (the become user's when the task becomes); the arguments an action
// plugin expands first (copy's dest, fetch's src: tagged `path=user`)
// take the remote or become user's home from the user database.
func expandPaths(ctx context.Context, env *Env, m Module) error {
	rv := reflect.ValueOf(m)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return nil
	}
	specs, err := specsOf(rv.Elem().Type())
	if err != nil {
		return err
	}
	for _, sp := range specs {
		if !sp.path {
			continue
		}
		f := rv.Elem().FieldByIndex(sp.index)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		if f.Kind() != reflect.String || !strings.HasPrefix(f.String(), "~") {
			continue
		}
		p, err := expandHome(ctx, env, f.String(), sp.userPath)
		if err != nil {
			return err
		}
		f.SetString(p)
	}
	return nil
}

// expandHome replaces p's leading ~ or ~user with that home on the host;
// a user the host does not know leaves p as it is, as Python's
// os.path.expanduser does. action selects the action plugin's rule.
func expandHome(ctx context.Context, env *Env, p string, action bool) (string, error) {
	prefix, rest, slash := strings.Cut(p, "/")
	if !tildeUser(prefix[1:]) {
		return p, nil
	}
	user := ""
	if env.Become != nil {
		user = env.Become.User
		if user == "" {
			user = "root"
		}
	}
	key := homeKey{env.Conn, user, prefix, action}
	// A connection whose value cannot be a map key is asked every time.
	cacheable := reflect.TypeOf(env.Conn).Comparable()
	var home any
	ok := false
	if cacheable {
		home, ok = homes.Load(key)
	}
	if !ok {
		// The shell expands the unquoted ~word; printf shows it unchanged
		// when the user is unknown.
		cmd := &connection.Cmd{Command: "printf '%s' " + prefix, Become: env.Become}
		if action {
			// _remote_expand_user: ~ is ~becomeuser or ~remoteuser, asked
			// as the connecting user.
			cmd.Become = nil
			switch {
			case prefix != "~":
			case user != "":
				cmd.Command = "printf '%s' ~" + user
			default:
				cmd.Command = `eval "printf '%s' ~$(id -un)"`
			}
		}
		res, err := env.Conn.Exec(ctx, cmd)
		if err != nil {
			return "", err
		}
		if res.RC != 0 {
			return "", fmt.Errorf("cannot expand %s on the host: %s", prefix, strings.TrimSpace(string(res.Stderr)))
		}
		home = string(res.Stdout)
		if cacheable {
			home, _ = homes.LoadOrStore(key, home)
		}
	}
	h := home.(string)
	if h == "" || h == prefix {
		return p, nil
	}
	if !slash {
		return h, nil
	}
	return strings.TrimRight(h, "/") + "/" + rest, nil
}

// tildeUser says whether name (empty for ~ alone) can follow a ~ that the
// host's shell expands: a user name of letters, digits, '.', '_' and '-'.
func tildeUser(name string) bool {
	for _, c := range name {
		if !(c == '_' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
