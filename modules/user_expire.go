package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

// shadowDays is a shadow entry's day count, -1 when empty (Python's
// spwd gives -1 then).
func shadowDays(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return -1
}

// expire returns the step after an account was made or changed (r, err
// from it): password_expire_min and _max set with chage where the shadow
// entry differs, as ansible's set_password_expire does. cur is the entry
// read before the step (usermod leaves the ageing fields alone), nil for
// an account the step made: its entry is read on the host then. A check
// run changes nothing: an account it would make is not there to compare
// with, and ansible leaves it then.
func (m *User) expire(ctx context.Context, env *Env, cur *passwdEnt) func(*Result, error) (*Result, error) {
	return func(r *Result, err error) (*Result, error) {
		if err != nil || r.Failed || (m.PasswordExpireMin == nil && m.PasswordExpireMax == nil) {
			return r, err
		}
		n := connection.Quote(m.Name)
		var script string
		if cur != nil && !cur.new {
			var a []string
			if v := m.PasswordExpireMin; v != nil && *v != cur.spMin {
				a = append(a, "-m", strconv.Itoa(*v))
			}
			if v := m.PasswordExpireMax; v != nil && *v != cur.spMax {
				a = append(a, "-M", strconv.Itoa(*v))
			}
			if len(a) == 0 {
				return r, nil
			}
			if env.Check {
				r.Changed = true
				return r, nil
			}
			script = "echo @@chage\nchage " + strings.Join(a, " ") + " " + n + "\n"
		} else {
			if env.Check {
				return r, nil
			}
			var b strings.Builder
			fmt.Fprintf(&b, "s=$(getent shadow -- %s) || exit 0\na=\n", n)
			if v := m.PasswordExpireMin; v != nil {
				fmt.Fprintf(&b, "v=$(printf %%s \"$s\" | cut -d: -f4); [ \"${v:--1}\" = %d ] || a=\"-m %d\"\n", *v, *v)
			}
			if v := m.PasswordExpireMax; v != nil {
				fmt.Fprintf(&b, "v=$(printf %%s \"$s\" | cut -d: -f5); [ \"${v:--1}\" = %d ] || a=\"$a -M %d\"\n", *v, *v)
			}
			fmt.Fprintf(&b, "[ -n \"$a\" ] || exit 0\necho @@chage\nchage $a %s\n", n)
			script = b.String()
		}
		res, err := hostRun(ctx, env, script, nil)
		if err != nil {
			return nil, err
		}
		if res.RC != 0 {
			f := Failf("%s", string(res.Stderr))
			f.Set("name", m.Name).Set("rc", res.RC)
			return f, nil
		}
		if strings.Contains(string(res.Stdout), "@@chage") {
			r.Changed = true
		}
		return r, nil
	}
}
