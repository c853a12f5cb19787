package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// The async and poll keywords: the action runs as a background job with
// ansible's job files (modules/asyncjob.go); poll 0 returns once it has
// started, poll N checks it every N seconds as ansible-core's
// _poll_async_result does, for at most async seconds.

// noAsync are the modules whose ansible action plugin refuses async
// (ActionBase: "async is not supported for this task."): those that copy
// files from the controller, and raw.
var noAsync = map[string]bool{
	"ansible.builtin.copy": true, "ansible.builtin.template": true, "ansible.builtin.fetch": true,
	"ansible.builtin.assemble": true, "ansible.builtin.unarchive": true, "ansible.builtin.script": true,
	"ansible.builtin.raw": true, "ansible.builtin.async_status": true,
}

// asyncKeywords renders the task's async and poll for this host; limit 0
// means the task is not async. poll defaults to DEFAULT_POLL_INTERVAL.
func (tc *taskCtx) asyncKeywords() (limit, poll int, err error) {
	t := tc.t
	if t.Async == nil {
		return 0, 0, nil
	}
	conv := func(name string, v any) (int, error) {
		rv, err := tc.sc.render(v)
		if err != nil {
			return 0, errors.New(tc.sc.explain(err, t))
		}
		n, err := pyInt(rv)
		if err != nil {
			return 0, fmt.Errorf("the field '%s' has an invalid value (%s), and could not be converted to an int.The error was: %v\n\nThe error appears to be in '%s': line %d, column %d",
				name, value.String(rv), err, t.Pos.File, t.Pos.Line, t.Pos.Col)
		}
		return n, nil
	}
	if limit, err = conv("async_val", t.Async); err != nil || limit <= 0 {
		return 0, 0, err
	}
	poll = tc.ex.r.o.PollInterval
	if poll <= 0 {
		poll = 15
	}
	if t.Poll != nil {
		if poll, err = conv("poll", t.Poll); err != nil {
			return 0, 0, err
		}
	}
	return limit, max(poll, 0), nil
}

// asyncDir is async_dir for this host: ansible_async_dir, else the
// setting (ansible.cfg async_dir, ANSIBLE_ASYNC_DIR), else ~/.ansible_async.
func (tc *taskCtx) asyncDir() (string, error) {
	v, ok, err := tc.sc.Lookup("ansible_async_dir")
	if err != nil {
		return "", err
	}
	if ok && v != nil {
		return tc.sc.renderString(v)
	}
	if d := tc.ex.r.o.AsyncDir; d != "" {
		return d, nil
	}
	return "~/.ansible_async", nil
}

// executeAsync runs the task's action as a background job.
func (tc *taskCtx) executeAsync(ctx context.Context, delegate string, limit, poll int) *value.Map {
	t := tc.t
	info, ok := t.ModuleInfo()
	if engineAction(t.Action) != nil || !ok || info.Engine || info.Cluster || noAsync[info.ID] {
		return failResult("async is not supported for this task.")
	}
	if tc.check {
		return failResult("check mode and async cannot be used on same task.")
	}
	mod, err := tc.module(info)
	if err != nil {
		return failResult(err.Error())
	}
	conn, err := tc.ex.r.connFor(ctx, tc, delegate)
	if err != nil {
		return errorResult(err)
	}
	env, err := tc.moduleEnv(info, conn)
	if err != nil {
		return failResult(err.Error())
	}
	dir, err := tc.asyncDir()
	if err != nil {
		return failResult(tc.sc.explain(err, t))
	}
	job, err := tc.ex.r.startJob(ctx, env, mod, dir, limit)
	if err != nil {
		return errorResult(err)
	}
	if poll == 0 {
		m := value.NewMap(6)
		m.Set("ansible_job_id", job.ID)
		m.Set("changed", true)
		m.Set("failed", 0)
		m.Set("finished", 0)
		m.Set("results_file", job.File)
		m.Set("started", 1)
		return value.MarkUnsafe(m).(*value.Map)
	}
	return tc.pollJob(ctx, env, job, dir, limit, poll)
}

// startJob starts mod as a job: a HostJob detached on the host, any other
// module on the controller, both killed as ansible's async_wrapper kills
// a job past its limit (modules.KillAfter); the run waits for
// controller jobs before it closes its connections.
func (r *run) startJob(ctx context.Context, env *modules.Env, mod modules.Module, dir string, limit int) (*modules.Job, error) {
	if hj, ok := mod.(modules.HostJob); ok {
		spec, res, err := hj.Job(ctx, env)
		if err != nil {
			return nil, err
		}
		if spec != nil {
			return modules.LaunchHostJob(ctx, env, spec, dir, limit)
		}
		job, err := modules.StartJob(ctx, env, dir)
		if err != nil {
			return nil, err
		}
		return job, modules.WriteJobFile(ctx, env, job.File, modules.ResultJSON(res))
	}
	job, err := modules.StartJob(ctx, env, dir)
	if err != nil {
		return nil, err
	}
	root := r.rootCtx
	if root == nil {
		root = context.Background()
	}
	jctx, cancel := context.WithTimeout(root, time.Duration(modules.KillAfter(limit))*time.Second)
	r.jobs.Add(1)
	go func() {
		defer r.jobs.Done()
		defer cancel()
		if err := modules.RunJob(jctx, env, mod, job); err != nil {
			r.log.Warn("async job", "host", env.Host, "jid", job.ID, "err", err)
		}
	}()
	return job, nil
}

// pollJob waits for job as ansible-core's _poll_async_result: a status
// check every poll seconds while async seconds last, ASYNC POLL shown for
// each unfinished one; a finished job's file is removed and its result is
// the task's.
func (tc *taskCtx) pollJob(ctx context.Context, env *modules.Env, job *modules.Job, dir string, limit, poll int) *value.Map {
	var st *modules.Result
	for left := limit; left > 0; {
		select {
		case <-ctx.Done():
			return failResult(context.Cause(ctx).Error())
		case <-time.After(time.Duration(poll) * time.Second):
		}
		r, err := modules.JobStatus(ctx, env, dir, job.ID, false)
		left -= poll
		if err != nil {
			// A connection that fails during polling is retried while
			// time is left, as ansible does.
			if left <= 0 {
				return errorResult(err)
			}
			continue
		}
		st = r
		if jobFinished(r) || r.Failed || r.Skipped {
			break
		}
		tc.asyncEvent(callback.AsyncPoll, moduleResult(r))
	}
	if st == nil || !jobFinished(st) {
		async := value.NewMap(8)
		if st != nil && st.Data != nil {
			async = value.MarkUnsafe(st.Data).(*value.Map)
		}
		m := value.NewMap(4)
		m.Set("async_result", async)
		m.Set("changed", false)
		m.Set("failed", true)
		m.Set("msg", fmt.Sprintf("async task did not complete within the requested time - %ds", limit))
		tc.asyncEvent(callback.AsyncFailed, m)
		return m
	}
	if _, err := modules.JobStatus(ctx, env, dir, job.ID, true); err != nil {
		tc.ex.r.log.Warn("async cleanup", "host", env.Host, "jid", job.ID, "err", err)
	}
	res := moduleResult(st)
	if st.Failed {
		tc.asyncEvent(callback.AsyncFailed, res)
	} else {
		tc.asyncEvent(callback.AsyncOK, res)
	}
	return res
}

func jobFinished(r *modules.Result) bool {
	if r.Data == nil {
		return false
	}
	v, _ := r.Data.Get("finished")
	n, err := pyInt(v)
	return err == nil && n == 1
}

// asyncEvent shows an async poll or end on a sink that shows them.
func (tc *taskCtx) asyncEvent(ev callback.AsyncEvent, res *value.Map) {
	hr := &callback.HostResult{Host: tc.h.name, Task: tc.ex.cbTask(tc.t, tc.t.Name), Result: res, NoLog: tc.noLog}
	tc.ex.r.emit(func(s callback.Sink) {
		if as, ok := s.(callback.AsyncSink); ok {
			as.Async(ev, hr)
		}
	})
}

// asyncStatusArgs gives async_status the job directory, as ansible's
// async_status action passes _async_dir to its module.
func (tc *taskCtx) asyncStatusArgs(info *modules.Info, args *value.Map) error {
	if info.ID != "ansible.builtin.async_status" {
		return nil
	}
	dir, err := tc.asyncDir()
	if err != nil {
		return err
	}
	args.Set("_async_dir", dir)
	return nil
}
