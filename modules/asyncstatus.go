package modules

import (
	"context"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.async_status", Aliases: []string{"async_status"},
		New: func() Module { return &AsyncStatus{} }, CheckMode: true,
	})
}

// AsyncStatus reports on a job started with async, or removes its job
// file (mode=cleanup).
type AsyncStatus struct {
	// Jid is the job's id (ansible_job_id of the async task's result).
	Jid string `arg:"jid,required"`
	// Mode is status (read the job file) or cleanup (remove it).
	Mode string `arg:"mode,default=status,choices=status|cleanup"`
	// AsyncDir is the job directory (async_dir), set by the engine.
	AsyncDir string `arg:"_async_dir"`
}

// Run implements Module.
func (m *AsyncStatus) Run(ctx context.Context, env *Env) (*Result, error) {
	return JobStatus(ctx, env, m.AsyncDir, m.Jid, m.Mode == "cleanup")
}

// JobStatus reads job jid's file in dir, or removes it (cleanup), and
// returns async_status's result: the job's own result once it has
// finished, with ansible_job_id, started, finished and results_file.
func JobStatus(ctx context.Context, env *Env, dir, jid string, cleanup bool) (*Result, error) {
	script := fmt.Sprintf(`f=%s/%s
printf '%%s\n' "$f"
if [ ! -e "$f" ]; then echo missing
elif %t; then rm -f -- "$f" && echo erased
else echo found; cat -- "$f"; fi`, DirWord(dir), connection.Quote(jid), cleanup)
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script, Env: env.Environment, Become: env.Become})
	if err != nil {
		return nil, err
	}
	file, rest, _ := strings.Cut(string(res.Stdout), "\n")
	state, content, _ := strings.Cut(rest, "\n")
	r := &Result{}
	r.Set("ansible_job_id", jid)
	switch {
	case res.RC != 0 || state == "":
		return nil, fmt.Errorf("async_status: %s", strings.TrimSpace(string(res.Stderr)))
	case state == "missing":
		r.Failed, r.Msg = true, "could not find job"
		r.Set("started", 1).Set("finished", 1).Set("results_file", file)
	case state == "erased":
		r.Set("erased", file).Set("started", 0).Set("finished", 0)
	default:
		jobResult(r, jid, file, content)
	}
	for _, k := range []string{"stdout", "stderr"} {
		if _, ok := r.Data.Get(k); !ok {
			r.Set(k, "")
		}
		if _, ok := r.Data.Get(k + "_lines"); !ok {
			s, _ := r.Data.Get(k)
			lines := []any{}
			for _, l := range splitPyLines(value.String(s)) {
				lines = append(lines, l)
			}
			r.Set(k+"_lines", lines)
		}
	}
	return r, nil
}

// jobResult fills r from a job file's content: a running job's
// {"started": 1, ...}, or the module's result, finished.
func jobResult(r *Result, jid, file, content string) {
	r.Set("results_file", file)
	v, err := value.FromJSON([]byte(content))
	data, ok := v.(*value.Map)
	if err != nil || !ok {
		if strings.TrimSpace(content) == "" {
			r.Set("started", 1).Set("finished", 0)
			return
		}
		r.Failed, r.Msg = true, "Could not parse job output: "+content
		r.Set("started", 1).Set("finished", 1)
		return
	}
	if _, ok := data.Get("started"); !ok {
		data.Set("finished", 1)
		data.Set("ansible_job_id", jid)
		r.Set("started", 1)
	} else if _, ok := data.Get("finished"); !ok {
		data.Set("finished", 0)
	}
	data.Range(func(k string, v any) bool {
		switch k {
		case "changed":
			r.Changed = value.Truthy(v)
		case "failed":
			r.Failed = value.Truthy(v)
		case "skipped":
			r.Skipped = value.Truthy(v)
		default:
			if k == "msg" {
				r.Msg = value.String(v)
			}
			r.Set(k, v)
		}
		return true
	})
}
