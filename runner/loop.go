package runner

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// Loops, retries and the changed_when/failed_when that shape one result.

// runLoop runs the task once per item and builds the loop result.
func (tc *taskCtx) runLoop(ctx context.Context, delegate string) *value.Map {
	t, sc, r := tc.t, tc.sc, tc.ex.r
	items, err := tc.loopItems()
	if err != nil {
		// an undefined loop with a false condition is a skip, as Ansible.
		if ok, cerr := sc.cond(whens(t)); cerr == nil && !ok {
			return skipResult()
		}
		var le *lookupError
		if errors.As(err, &le) {
			return failResult(le.msg)
		}
		return failResult(sc.explain(err, t))
	}
	lc := tc.loopControl()
	results := make([]any, 0, len(items))
	anyChanged, anyFailed, allSkipped := false, false, true
	for i, item := range items {
		if ctx.Err() != nil {
			break
		}
		if i > 0 && lc.pause > 0 {
			time.Sleep(time.Duration(lc.pause * float64(time.Second)))
		}
		lv := lc.vars(items, i)
		isc := r.newScope(tc.ex.pr, tc.h, t, lv)
		itc := *tc
		itc.sc = isc
		var res *value.Map
		var diffs []modules.Diff
		ok, err := isc.cond(whens(t))
		switch {
		case err != nil:
			res = failResult(isc.explain(err, t))
		case !ok:
			res = skipResult()
		case tc.kwErr != nil:
			res = failResult(isc.explain(tc.kwErr, t))
		default:
			res, diffs = itc.runOnce(ctx, lv, delegate)
		}
		markNoLog(res, tc.noLog)
		lc.mark(res, lv, item, i)
		st := statusOf(res)
		if st != callback.Skipped {
			allSkipped = false
		}
		if value.Truthy(get(res, "changed")) {
			anyChanged = true
		}
		// The loop's own failed key follows its items' failed keys; whether
		// it counts as failed is isFailed's (failed_when_result first).
		if value.Truthy(get(res, "failed")) || st == callback.Unreachable {
			anyFailed = true
		}
		shown := item
		if lc.label != nil {
			if l, err := isc.render(lc.label); err == nil {
				shown = l
			}
		}
		hr := &callback.HostResult{Host: tc.h.name, Task: tc.ex.cbTask(t, t.Name), Status: st, IsItem: true,
			Label: labelString(shown), Result: res, NoLog: tc.noLog, Diff: diffs}
		if delegate != "" && delegate != tc.h.name {
			hr.Delegate = delegate
		}
		r.emit(func(s callback.Sink) { s.HostResult(hr) })
		results = append(results, res)
	}
	return loopResult(results, len(items), anyChanged, anyFailed, allSkipped)
}

// loopResult is a loop's own result over its items' results, its keys
// in the order TaskExecutor.run sets them: skipped is always there (false
// unless every item was skipped), changed last when no item changed, and
// a loop over no items has no msg.
func loopResult(results []any, n int, anyChanged, anyFailed, allSkipped bool) *value.Map {
	out := value.NewMap(6)
	if n == 0 {
		out.Set("changed", false)
		out.Set("skipped", true)
		out.Set("skipped_reason", "No items in the list")
		out.Set("results", results)
		return out
	}
	out.Set("results", results)
	out.Set("skipped", allSkipped)
	if anyChanged {
		out.Set("changed", true)
	}
	switch {
	case allSkipped:
		if anyFailed {
			out.Set("failed", true)
		}
		out.Set("msg", "All items skipped")
	case anyFailed:
		out.Set("failed", true)
		out.Set("msg", "One or more items failed")
	default:
		out.Set("msg", "All items completed")
	}
	if !anyChanged {
		out.Set("changed", false)
	}
	return out
}

// loopCtl is a task's loop_control, rendered.
type loopCtl struct {
	loopVar, indexVar string
	label             any // rendered per item
	extended          bool
	noAllItems        bool // extended_allitems: false
	pause             float64
}

func (tc *taskCtx) loopControl() loopCtl {
	c := loopCtl{loopVar: "item"}
	lc := tc.t.LoopControl
	if lc == nil {
		return c
	}
	// loop_var and index_var may be templates ("{{ name }}"), rendered
	// with the task's variables as ansible's post-validation does.
	if v, ok := lc.Get("loop_var"); ok {
		if s, err := tc.sc.renderString(v); err == nil {
			c.loopVar = s
		}
	}
	if v, ok := lc.Get("index_var"); ok {
		if s, err := tc.sc.renderString(v); err == nil {
			c.indexVar = s
		}
	}
	if v, ok := lc.Get("label"); ok {
		c.label = v
	}
	if v, ok := lc.Get("extended"); ok {
		c.extended, _ = tc.sc.renderBool(v, false)
	}
	if v, ok := lc.Get("extended_allitems"); ok {
		all, _ := tc.sc.renderBool(v, true)
		c.noAllItems = !all
	}
	if v, ok := lc.Get("pause"); ok {
		c.pause, _ = strconv.ParseFloat(value.String(v), 64)
	}
	return c
}

// vars are item i's loop variables, as ansible's task executor sets them:
// the loop var and ansible_loop_var, the index var and ansible_index_var,
// and, when extended, ansible_loop (allitems unless extended_allitems is
// false).
func (c loopCtl) vars(items []any, i int) *value.Map {
	lv := value.NewMap(5)
	lv.Set("ansible_loop_var", c.loopVar)
	lv.Set(c.loopVar, items[i])
	if c.indexVar != "" {
		lv.Set("ansible_index_var", c.indexVar)
		lv.Set(c.indexVar, i)
	}
	if c.extended {
		al := value.NewMap(10)
		n := len(items)
		al.Set("index", i+1)
		al.Set("index0", i)
		al.Set("first", i == 0)
		al.Set("last", i == n-1)
		al.Set("length", n)
		al.Set("revindex", n-i)
		al.Set("revindex0", n-i-1)
		if !c.noAllItems {
			al.Set("allitems", items)
		}
		if i < n-1 {
			al.Set("nextitem", items[i+1])
		}
		if i > 0 {
			al.Set("previtem", items[i-1])
		}
		lv.Set("ansible_loop", al)
	}
	return lv
}

// mark records in an item's result which item it is, as Ansible does.
func (c loopCtl) mark(res, lv *value.Map, item any, i int) {
	res.Set(c.loopVar, item)
	res.Set("ansible_loop_var", c.loopVar)
	if c.indexVar != "" {
		res.Set(c.indexVar, i)
		res.Set("ansible_index_var", c.indexVar)
	}
	if c.extended {
		al, _ := lv.Get("ansible_loop")
		res.Set("ansible_loop", al)
	}
}

// labelString is an item as the callback shows it: Python's str().
func labelString(v any) string { return value.String(v) }

// runOnce runs the action once (one item, or no loop), with until/retries
// and changed_when/failed_when applied, as ansible's task executor: with
// until, retries N (default 3) allows N+1 attempts (a retries of 0 or less
// one, and until is then not evaluated); each attempt's result carries
// attempts; a task that runs out of attempts fails with attempts N.
func (tc *taskCtx) runOnce(ctx context.Context, loopVars *value.Map, delegate string) (*value.Map, []modules.Diff) {
	t := tc.t
	retries, delay := tc.retries()
	var res *value.Map
	var diffs []modules.Diff
	for attempt := 1; attempt <= retries; attempt++ {
		var last bool
		if res, diffs, last = tc.attempt(ctx, delegate, loopVars != nil); last {
			return res, diffs
		}
		if len(t.Until) > 0 {
			res.Set("attempts", attempt)
		}
		tc.postProcess(res)
		if retries <= 1 {
			return res, diffs
		}
		usc := tc.withResult(res)
		ok, err := usc.cond(t.Until)
		if err != nil {
			return failResult(usc.explain(err, t)), diffs
		}
		if ok {
			return res, diffs
		}
		if attempt == retries {
			break
		}
		res.Set("retries", retries)
		hr := &callback.HostResult{Host: tc.h.name, Task: tc.ex.cbTask(t, t.Name), Status: callback.Failed, Result: res, NoLog: tc.noLog}
		tc.ex.r.emit(func(s callback.Sink) { s.Retry(hr) })
		select {
		case <-ctx.Done():
			return res, diffs
		case <-time.After(time.Duration(delay) * time.Second):
		}
	}
	res.Set("attempts", retries-1)
	res.Set("failed", true)
	return res, diffs
}

// retries is how many attempts the task allows on this host and the
// delay between them in seconds: retries and delay are ints (Python's
// int() of the rendered value), a negative delay is 1.
func (tc *taskCtx) retries() (attempts, delay int) {
	t, sc := tc.t, tc.sc
	if len(t.Until) == 0 {
		return 1, 0
	}
	intKw := func(v any, def int) int {
		if v == nil {
			return def
		}
		rv, err := sc.render(v)
		if err != nil {
			return def
		}
		n, err := value.PyInt(rv)
		if err != nil {
			return def
		}
		return n
	}
	attempts = intKw(t.Retries, 3)
	if attempts <= 0 {
		attempts = 1
	} else {
		attempts++
	}
	if delay = intKw(t.Delay, 5); delay < 0 {
		delay = 1
	}
	return attempts, delay
}

// withResult is the scope with the task's register name bound to res, for
// changed_when/failed_when/until.
func (tc *taskCtx) withResult(res *value.Map) *scope {
	if tc.t.Register == "" {
		return tc.sc
	}
	lv := value.NewMap(1)
	lv.Set(tc.t.Register, res)
	sc := *tc.sc
	sc.layers = append(append([]*value.Map(nil), tc.sc.layers...), lv)
	sc.cache = nil
	return &sc
}

// postProcess applies changed_when, then failed_when, to a result that
// was not skipped. A condition that cannot be evaluated fails the result
// and leaves its error in changed_when_result or failed_when_result.
func (tc *taskCtx) postProcess(res *value.Map) {
	t := tc.t
	if !t.HasChanged && !t.HasFailed {
		return
	}
	if _, skipped := res.Get("skipped"); skipped {
		return
	}
	sc := tc.withResult(res)
	if t.HasChanged && len(t.ChangedWhen) > 0 {
		ok, err := sc.cond(t.ChangedWhen)
		if err != nil {
			res.Set("failed", true)
			res.Set("changed_when_result", condErrorText(err))
			return
		}
		res.Set("changed", ok)
	}
	if t.HasFailed && len(t.FailedWhen) > 0 {
		ok, err := sc.cond(t.FailedWhen)
		if err != nil {
			res.Set("failed", true)
			res.Set("failed_when_result", condErrorText(err))
			return
		}
		res.Set("failed_when_result", ok)
		res.Set("failed", ok)
	}
}

// condErrorText is a condition's error as ansible keeps it in a result:
// the conditional's own message, without the task's place.
func condErrorText(err error) string {
	var ve *templates.VarError
	if errors.As(err, &ve) {
		err = ve.Err
	}
	var ce *playbook.CondError
	if errors.As(err, &ce) {
		return ce.Error()
	}
	return err.Error()
}
