package modules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

// Async jobs (the async keyword) as ansible's async_wrapper keeps them:
// one job file per job, <async_dir>/<jid>, holding
// {"started": 1, "finished": 0, "ansible_job_id": jid} while the job runs
// and the module's result as JSON once it is done; async_status reads it.
// The host needs nothing but sh and coreutils (no Python): a HostJob
// (command, shell) runs on the host as a detached shell job that writes its
// own result; any other module runs on the controller (RunJob) and fjord
// writes the job file over the connection (docs/DESIGN.md, "Async").

// HostJob is a module whose work is one host command. Under async it runs
// as a detached shell job on the host, which survives fjord and writes the
// module's result into the job file itself.
type HostJob interface {
	// Job prepares the command; a non-nil Result is the module's result
	// without running anything (creates/removes), which becomes the job's
	// result as it is.
	Job(ctx context.Context, env *Env) (*JobSpec, *Result, error)
}

// JobSpec is a HostJob's command and how its result is built.
type JobSpec struct {
	Script string  // shell source, run by sh -c
	Dir    string  // working directory; "": the login directory
	Stdin  *string // fed to the command; nil: /dev/null
	Strip  bool    // strip trailing newlines from stdout and stderr
	// Cmd is the result's "cmd".
	Cmd any
	// NotFound is the program whose absence the script reports as
	// rc 127 with stderr "fjord-enoent" (command's ENOENT); "" for none.
	NotFound    string
	NotFoundCmd string // the "cmd" of that result
	// ModuleJSON: the command is a module program whose stdout is its
	// JSON result (an external module), read as async_wrapper reads it.
	ModuleJSON bool
	// Cleanup is a directory the job removes when it is done (the
	// module's uploaded files); "" for none.
	Cleanup string
}

// KillAfter is when a job of limit seconds is killed: async_wrapper
// checks its child every 5 seconds, from 5 seconds on, and kills it at the
// first check where limit has run out. A task polling the job gives up at
// limit itself, so it reports the job as unfinished, as ansible does,
// rather than as killed.
func KillAfter(limit int) int { return 5 * ((limit+4)/5 + 1) }

// Job is a started job: its id and job file on the host.
type Job struct {
	ID   string // j<random>.<pid on the host>, as async_wrapper's
	File string // the job file, ~ expanded
}

// DirWord is async_dir as a shell word whose tilde prefix the host's
// shell expands (ansible expands it with the remote user's home).
func DirWord(dir string) string {
	if dir == "" {
		dir = "~/.ansible_async"
	}
	if !strings.HasPrefix(dir, "~") {
		return connection.Quote(dir)
	}
	head, rest, slash := strings.Cut(dir, "/")
	if !tildeUser(head[1:]) {
		return connection.Quote(dir)
	}
	if !slash {
		return head
	}
	if rest == "" {
		return head + "/"
	}
	return head + "/" + connection.Quote(rest)
}

// jobStart is the part of every job's launch script that creates the
// directory and writes the started job file, leaving $d, $jid and $j.
func jobStart(dir string) string {
	return fmt.Sprintf(`d=%s
mkdir -p "$d" 2>/dev/null || { echo "could not create directory: $d" >&2; exit 1; }
jid=j%d.$$ j="$d/j%[2]d.$$"
printf '{"started": 1, "finished": 0, "ansible_job_id": "%%s"}\n' "$jid" >"$j.tmp" && mv -f "$j.tmp" "$j" || exit 1
`, DirWord(dir), rand.Int64N(1000000000000))
}

// started reads the launch script's output: the job id and file.
func started(res *connection.Result) (*Job, error) {
	if res.RC != 0 {
		msg := strings.TrimSpace(string(res.Stderr))
		if msg == "" {
			msg = fmt.Sprintf("async job did not start (rc %d)", res.RC)
		}
		return nil, &FailError{Msg: msg}
	}
	f := strings.Fields(string(res.Stdout))
	if len(f) < 2 {
		return nil, fmt.Errorf("async job did not start: %q", res.Stdout)
	}
	return &Job{ID: f[0], File: strings.Join(f[1:], " ")}, nil
}

// StartJob writes a started job file for a job the controller runs
// (RunJob).
func StartJob(ctx context.Context, env *Env, dir string) (*Job, error) {
	script := jobStart(dir) + `printf '%s %s\n' "$jid" "$j"`
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script, Env: env.Environment, Become: env.Become})
	if err != nil {
		return nil, err
	}
	return started(res)
}

// RunJob runs m on the controller as job j and writes its result, or the
// timeout's, into the job file; ctx bounds it to the job's kill time
// (KillAfter) and the run.
func RunJob(ctx context.Context, env *Env, m Module, j *Job) error {
	jobEnv := *env
	jobEnv.Async = true
	r, err := Execute(ctx, &jobEnv, m)
	var data []byte
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		data = []byte(`{"msg": "Timeout exceeded", "failed": true}`)
	case ctx.Err() != nil:
		data = []byte(`{"msg": "fjord stopped before the job finished", "failed": true}`)
	case err != nil:
		data, _ = json.Marshal(map[string]any{"failed": true, "msg": err.Error()})
	default:
		data = ResultJSON(r)
	}
	return WriteJobFile(context.WithoutCancel(ctx), env, j.File, data)
}

// WriteJobFile replaces a job file's content, in one rename.
func WriteJobFile(ctx context.Context, env *Env, file string, data []byte) error {
	q := connection.Quote(file)
	script := fmt.Sprintf("cat >%s.tmp && mv -f %[1]s.tmp %[1]s", q)
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script, Stdin: strings.NewReader(string(data) + "\n"), Become: env.Become})
	if err != nil {
		return err
	}
	if res.RC != 0 {
		return fmt.Errorf("writing %s: %s", file, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

// ResultJSON is r as its module prints it: return values, then changed,
// failed, msg, skipped.
func ResultJSON(r *Result) []byte {
	m := value.NewMap(8)
	if r.Data != nil {
		r.Data.Range(func(k string, v any) bool { m.Set(k, v); return true })
	}
	m.Set("changed", r.Changed)
	if r.Failed {
		m.Set("failed", true)
	}
	if r.Msg != "" {
		m.Set("msg", r.Msg)
	}
	if r.Skipped {
		m.Set("skipped", true)
	}
	data, err := json.Marshal(value.StripUnsafe(m))
	if err != nil {
		data, _ = json.Marshal(map[string]any{"failed": true, "msg": err.Error()})
	}
	return data
}
