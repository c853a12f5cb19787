package runner

import (
	"context"
	"sync"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// executor runs task lists over hosts: linear (task by task, hosts in
// parallel up to forks) or free (each host through the list on its own).
type executor struct {
	r       *run
	pr      *playRun
	free    bool
	handler bool
	// rescuable says a failure here goes to the rescue of an enclosing
	// block: it is not yet a failure any_errors_fatal acts on, as
	// ansible's iterator does not count the host failed then.
	rescuable bool
}

// hostSet is a set of hosts in a stable order.
type hostSet []*hostState

func (s hostSet) without(drop map[*hostState]bool) hostSet {
	if len(drop) == 0 {
		return s
	}
	out := make(hostSet, 0, len(s))
	for _, h := range s {
		if !drop[h] {
			out = append(out, h)
		}
	}
	return out
}

// runList runs nodes in order on hosts and returns the hosts that failed
// in it. A host that fails stops there; hosts that end (meta) or become
// unreachable stop too.
func (ex *executor) runList(ctx context.Context, nodes []playbook.Node, hosts hostSet, _ any) map[*hostState]bool {
	if ex.free && len(hosts) > 1 {
		// free: every host runs the list on its own, forks at a time.
		failed := map[*hostState]bool{}
		var mu sync.Mutex
		sem := make(chan struct{}, ex.r.o.Forks)
		var wg sync.WaitGroup
		for _, h := range hosts {
			wg.Add(1)
			sem <- struct{}{}
			go func(h *hostState) {
				defer wg.Done()
				defer func() { <-sem }()
				sub := &executor{r: ex.r, pr: ex.pr, handler: ex.handler, rescuable: ex.rescuable}
				f := sub.runList(ctx, nodes, hostSet{h}, nil)
				mu.Lock()
				for k := range f {
					failed[k] = true
				}
				mu.Unlock()
			}(h)
		}
		wg.Wait()
		return failed
	}
	failed := map[*hostState]bool{}
	for _, n := range nodes {
		if ctx.Err() != nil || ex.pr.endPlay {
			break
		}
		hosts = ex.live(hosts)
		if len(hosts) == 0 {
			break
		}
		var f map[*hostState]bool
		switch n := n.(type) {
		case *playbook.Block:
			f = ex.runBlock(ctx, n, hosts)
		case *playbook.Task:
			f = ex.runTask(ctx, n, hosts)
		}
		for h := range f {
			failed[h] = true
		}
		hosts = hosts.without(f)
		if !ex.rescuable && ex.anyErrorsFatal(n, f) {
			ex.pr.endPlay = true
			ex.pr.fatal = true
			ex.r.anyFailed = true
			for _, h := range ex.pr.batch {
				if !h.failed && !h.unreachable {
					h.failed = true
				}
			}
			ex.r.emit(func(s callback.Sink) { s.NoMoreHosts() })
			break
		}
		if ex.pr.maxFailExceeded(ex.r) {
			ex.pr.endPlay = true
			ex.pr.fatal = true
			ex.r.emit(func(s callback.Sink) { s.NoMoreHosts() })
			break
		}
	}
	return failed
}

// live drops hosts that ended or became unreachable.
func (ex *executor) live(hosts hostSet) hostSet {
	out := hosts[:0:0]
	for _, h := range hosts {
		if !h.ended && !h.unreachable {
			out = append(out, h)
		}
	}
	return out
}

func (ex *executor) anyErrorsFatal(n playbook.Node, failed map[*hostState]bool) bool {
	if len(failed) == 0 {
		return false
	}
	var kw []playbook.Keywords
	switch n := n.(type) {
	case *playbook.Task:
		kw = n.KeywordChain(ex.pr.play)
		// ansible's linear strategy takes a task that bypasses the host
		// loop (pause) as any_errors_fatal unless its errors are ignored
		if n.Action == "pause" {
			if v := firstKw(n, ex.pr.play, func(k playbook.Keywords) any { return k.IgnoreErrors }); v == nil || !value.Bool(v) {
				return true
			}
		}
	case *playbook.Block:
		kw = n.KeywordChain(ex.pr.play)
	}
	for _, k := range kw {
		if k.AnyErrorsFatal != nil {
			return value.Bool(k.AnyErrorsFatal)
		}
	}
	return false
}

// runBlock runs block, then rescue for hosts that failed in it, then
// always for every host that entered.
func (ex *executor) runBlock(ctx context.Context, b *playbook.Block, hosts hostSet) map[*hostState]bool {
	entered := hosts
	inBlock := *ex
	inBlock.rescuable = ex.rescuable || len(b.Rescue) > 0
	failedB := inBlock.runList(ctx, b.Block, hosts, nil)
	result := failedB
	if len(b.Rescue) > 0 && len(failedB) > 0 && !ex.pr.endPlay {
		var rescuing hostSet
		for _, h := range entered {
			if failedB[h] && !h.unreachable {
				rescuing = append(rescuing, h)
			}
		}
		for _, h := range rescuing {
			h.failed = false
			ex.r.counter.Rescued(h.name)
		}
		result = ex.runList(ctx, b.Rescue, rescuing, nil)
		for h := range failedB {
			if h.unreachable {
				result[h] = true
			}
		}
	}
	if len(b.Always) > 0 && !ex.pr.endPlay {
		var always hostSet
		for _, h := range entered {
			if !h.unreachable && !h.ended {
				always = append(always, h)
			}
		}
		// a host that failed keeps its failure through always.
		saved := map[*hostState]bool{}
		for _, h := range always {
			saved[h] = h.failed
			h.failed = false
		}
		fa := ex.runList(ctx, b.Always, always, nil)
		for _, h := range always {
			if saved[h] {
				h.failed = true
			}
		}
		for h := range fa {
			result[h] = true
		}
	}
	return result
}
