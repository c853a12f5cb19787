package modules

import (
	"context"
	"strings"

	"github.com/fjord-run/fjord/connection"
)

// hostRun runs a shell script on the host with the task's become and
// environment. A non-zero exit is in the result, not the error; the error
// means the host could not be reached.
func hostRun(ctx context.Context, env *Env, script string, extraEnv map[string]string) (*connection.Result, error) {
	e := env.Environment
	if len(extraEnv) > 0 {
		e = make(map[string]string, len(env.Environment)+len(extraEnv))
		for k, v := range env.Environment {
			e[k] = v
		}
		for k, v := range extraEnv {
			e[k] = v
		}
	}
	return env.Conn.Exec(ctx, &connection.Cmd{Command: script, Env: e, Become: env.Become})
}

// Sections splits output printed as "@@NAME\n...": each marker starts a
// section that runs to the next marker.
func Sections(out string) map[string]string {
	m := map[string]string{}
	cur := ""
	var b strings.Builder
	flush := func() {
		if cur != "" {
			m[cur] = b.String()
		}
		b.Reset()
	}
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(l, "@@") {
			flush()
			cur = strings.TrimSpace(l[2:])
			continue
		}
		b.WriteString(l)
	}
	flush()
	return m
}

func quoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = connection.Quote(w)
	}
	return strings.Join(q, " ")
}

func trimNL(s string) string { return strings.TrimRight(s, "\r\n") }

// cmdFailed is a failed result carrying a command's rc and output, the
// way Ansible's run_command failures read.
func cmdFailed(res *connection.Result, msg string) *Result {
	stdout, stderr := trimNL(string(res.Stdout)), trimNL(string(res.Stderr))
	if msg == "" {
		msg = stderr
		if msg == "" {
			msg = stdout
		}
	}
	r := Failf("%s", msg)
	r.Set("rc", res.RC).Set("stdout", stdout).Set("stderr", stderr).
		Set("stdout_lines", lines(stdout)).Set("stderr_lines", lines(stderr)).Set("msg", msg)
	return r
}

// data returns a result value, nil when unset.
func data(r *Result, k string) any {
	if r.Data == nil {
		return nil
	}
	v, _ := r.Data.Get(k)
	return v
}
