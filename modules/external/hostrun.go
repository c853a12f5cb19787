package external

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
)

// runJob does the whole run in one round trip, sending data as the
// module (j.data, or a piped module's stub). A piped module is given to
// the interpreter's stdin; any other, the way ansible-core does it in
// several round trips: a temporary directory under remote_tmp (0700), the
// module file received on stdin and checked by size, the args file, the
// module run, and the directory removed on every exit the shell sees.
// The whole script runs as the become user, so the files are that user's.
func runJob(ctx context.Context, env *modules.Env, j *job, data []byte) (*connection.Result, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "b=%s\n", shellPath(j.remoteTmp))
	if j.pipe {
		// remote_tmp is made as a run without pipelining makes it, so
		// that a module asking for a temporary directory finds it (and
		// AnsibleModule does not warn that it had to create it). A
		// payload cut short is a Python syntax error: nothing runs.
		b.WriteString(`[ -d "$b" ] || (umask 77 && mkdir -p "$b") 2>/dev/null` + "\n")
		b.WriteString(j.command + "\n")
		return env.Conn.Exec(ctx, &connection.Cmd{Command: b.String(), Stdin: bytes.NewReader(data),
			Env: env.Environment, Become: env.Become})
	}
	// the module itself runs with the user's umask
	b.WriteString(`d=$(umask 77 && mkdir -p "$b" && mktemp -d "$b/ansible-tmp-XXXXXXXXXX") || {
	echo "Failed to create temporary directory in $b: set remote_tmp to a path the user can write" >&2; exit 1; }
trap 'rm -rf -- "$d"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM
`)
	fmt.Fprintf(&b, "m=\"$d\"/%s\n", connection.Quote(j.file))
	fmt.Fprintf(&b, `cat > "$m" || exit 1
n=$(wc -c < "$m")
[ "$n" -eq %d ] || { echo "upload of the module did not arrive whole ($n of %d bytes)" >&2; exit 1; }
chmod 700 "$m" || exit 1
`, len(data), len(data))
	if j.argsFile != nil {
		b.WriteString("{ ")
		parts := bytes.Split(j.argsFile, []byte(tmpdirMark))
		for i, p := range parts {
			if i > 0 {
				b.WriteString(`printf %s "$d"; `)
			}
			if len(p) > 0 {
				fmt.Fprintf(&b, "printf %%s %s; ", connection.Quote(string(p)))
			}
		}
		b.WriteString("} > \"$d/args\" || exit 1\n")
	}
	b.WriteString(j.command + " </dev/null\n")
	return env.Conn.Exec(ctx, &connection.Cmd{Command: b.String(), Stdin: bytes.NewReader(data),
		Env: env.Environment, Become: env.Become})
}

// shellPath is a path for the shell with ~ left to it to expand.
func shellPath(p string) string {
	if p == "~" {
		return `"$HOME"`
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return `"$HOME"/` + connection.Quote(rest)
	}
	return connection.Quote(p)
}

// onHost remembers whether a host keeps a payload (wrapper.go), per
// connection, user and remote_tmp: true, later tasks send the wrapper
// without its zip; false, a wrapper sent without it found no copy (the
// host cannot keep it, or lost it), and the zip goes with every task.
var onHost sync.Map // keptKey → bool

type keptKey struct {
	conn            connection.Conn
	user, tmp, hash string
}

// runPiped runs j, sending a piped module without its zip when the host
// has kept the payload from an earlier task, and again with it when the
// host's copy is gone.
func runPiped(ctx context.Context, env *modules.Env, j *job) (*connection.Result, error) {
	if !j.pipe || j.hash == "" || !reflect.TypeOf(env.Conn).Comparable() {
		return runJob(ctx, env, j, j.data)
	}
	key := keptKey{conn: env.Conn, tmp: j.remoteTmp, hash: j.hash}
	if env.Become != nil {
		key.user = env.Become.User + "\x00" + env.Become.Method
	}
	if kept, _ := onHost.Load(key); kept == true {
		res, err := runJob(ctx, env, j, j.stub)
		if err != nil || res.RC != missingRC || !strings.Contains(string(res.Stdout), missingMark) {
			return res, err
		}
		onHost.Store(key, false)
	}
	res, err := runJob(ctx, env, j, j.data)
	if err == nil {
		onHost.LoadOrStore(key, true)
	}
	return res, err
}
