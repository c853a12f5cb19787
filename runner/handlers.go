package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/templates"
)

// handlerList flattens the play's handlers in definition order.
func (pr *playRun) handlerList() []*playbook.Task {
	var out []*playbook.Task
	for _, g := range pr.handlerGroups() {
		out = append(out, g...)
	}
	return out
}

// handlerGroups are the play's handlers as ansible's handler blocks: the
// handlers written one after the other in a file make one block, a
// written block another; a role use's handlers come as their own.
func (pr *playRun) handlerGroups() [][]*playbook.Task {
	var groups [][]*playbook.Task
	var flat func(nodes []playbook.Node, out *[]*playbook.Task)
	flat = func(nodes []playbook.Node, out *[]*playbook.Task) {
		for _, n := range nodes {
			switch n := n.(type) {
			case *playbook.Task:
				*out = append(*out, n)
			case *playbook.Block:
				flat(n.Block, out)
				flat(n.Rescue, out)
				flat(n.Always, out)
			}
		}
	}
	var walk func(nodes []playbook.Node)
	walk = func(nodes []playbook.Node) {
		var run []*playbook.Task
		for _, n := range nodes {
			switch n := n.(type) {
			case *playbook.Task:
				run = append(run, n)
			case *playbook.Block:
				if run != nil {
					groups = append(groups, run)
					run = nil
				}
				if n.Implicit {
					walk(n.Block)
					continue
				}
				var g []*playbook.Task
				flat([]playbook.Node{n}, &g)
				groups = append(groups, g)
			}
		}
		if run != nil {
			groups = append(groups, run)
		}
	}
	walk(pr.play.Handlers)
	pr.mu.Lock()
	extra := append([]*playbook.RoleInstance(nil), pr.extraHandlers...)
	pr.mu.Unlock()
	for _, ri := range extra {
		walk(ri.Handlers)
	}
	return groups
}

// notify marks the handlers t names as notified for h.
func (ex *executor) notify(t *playbook.Task, h *hostState, sc *scope) {
	names := t.NotifyNames()
	if len(names) == 0 {
		return
	}
	groups := ex.pr.handlerGroups()
	for _, n := range names {
		name := n
		if strings.Contains(name, "{{") {
			if s, err := sc.renderString(name); err == nil {
				name = s
			}
		}
		marked := notifiedBy(groups, name, sc)
		found := len(marked) > 0
		var fresh []*playbook.Task
		ex.pr.mu.Lock()
		for _, hd := range marked {
			if !h.notified[hd] {
				fresh = append(fresh, hd)
			}
			h.notified[hd] = true
		}
		ex.pr.mu.Unlock()
		for _, hd := range fresh {
			ex.notified(hd, h, sc)
		}
		if !found && !ex.r.o.MissingHandlerWarns {
			ex.r.fatal(ex.pr, fmt.Errorf("The requested handler '%s' was not found in either the main handlers list nor in the listening handlers list", name))
			return
		}
		if !found {
			ex.r.log.Warn("handler not found", "name", name)
			ex.r.emit(func(s callback.Sink) {
				s.Warn(fmt.Sprintf("The requested handler '%s' was not found in either the main handlers list nor in the listening handlers list", name))
			})
		}
	}
}

// notified tells the sink that h notified handler hd for the first time
// (ansible's v2_playbook_on_notify, which only job events show).
func (ex *executor) notified(hd *playbook.Task, h *hostState, sc *scope) {
	name := hd.Name
	if name != "" && templates.IsTemplate(name) {
		if s, err := sc.renderString(name); err == nil {
			name = s
		}
	}
	ct := ex.cbTask(hd, name)
	shown := ct.Name // ansible's handler.get_name(): "role : name" in a role
	if ct.Role != "" {
		shown = ct.Role + " : " + shown
	}
	ex.r.emit(func(s callback.Sink) {
		if n, ok := s.(callback.NotifySink); ok {
			n.Notify(shown, h.name)
		}
	})
}

// notifiedBy are the handlers a notification of name reaches: the first
// one with that name in the last handler block that has one (ansible's
// search_handler_blocks_by_name), and every handler that listens to it.
func notifiedBy(groups [][]*playbook.Task, name string, sc *scope) []*playbook.Task {
	var marked []*playbook.Task
named:
	for i := len(groups) - 1; i >= 0; i-- {
		for _, hd := range groups[i] {
			if handlerNamed(hd, name, sc) {
				marked = append(marked, hd)
				break named
			}
		}
	}
	for _, g := range groups {
		for _, hd := range g {
			if handlerListens(hd, name) {
				marked = append(marked, hd)
			}
		}
	}
	return marked
}

// handlerNamed says whether handler hd answers to name: its name, or
// "role : name" for a role's.
func handlerNamed(hd *playbook.Task, name string, sc *scope) bool {
	hn := hd.Name
	if strings.Contains(hn, "{{") {
		if s, err := sc.renderString(hn); err == nil {
			hn = s
		}
	}
	if hn != "" && hn == name {
		return true
	}
	if hd.Role != nil && hn != "" && (hd.Role.Role.Name+" : "+hn == name || hd.Role.Role.FQName()+" : "+hn == name) {
		return true
	}
	return hn == "" && hd.Action == name
}

// handlerListens says whether handler hd listens to name.
func handlerListens(hd *playbook.Task, name string) bool {
	for _, l := range hd.Listen {
		if l == name {
			return true
		}
	}
	return false
}

// runHandlers runs notified handlers, in definition order, each once, on
// the hosts that notified them and have not failed.
func (r *run) runHandlers(ctx context.Context, pr *playRun) { r.flushHandlers(ctx, pr, nil) }

// flushHandlers is runHandlers for the hosts in only (every host when
// nil): the others keep their notifications for a later flush, as hosts
// whose flush_handlers condition was false do in ansible.
func (r *run) flushHandlers(ctx context.Context, pr *playRun, only map[*hostState]bool) {
	for round := 0; round < 3; round++ {
		ran := false
		for _, hd := range pr.handlerList() {
			if ctx.Err() != nil || pr.endPlay {
				return
			}
			var hosts hostSet
			pr.mu.Lock()
			for _, h := range pr.batch {
				if h.notified[hd] && (only == nil || only[h]) {
					delete(h.notified, hd)
					if (!h.failed || pr.play.Force || r.o.ForceHandlers) && !h.unreachable && !h.ended {
						hosts = append(hosts, h)
					}
				}
			}
			pr.mu.Unlock()
			if len(hosts) == 0 {
				continue
			}
			ran = true
			ex := &executor{r: r, pr: pr, handler: true}
			ex.runTask(ctx, hd, hosts)
		}
		if !ran {
			return
		}
		pending := false
		pr.mu.Lock()
		for _, h := range pr.batch {
			if len(h.notified) > 0 && (only == nil || only[h]) {
				pending = true
			}
		}
		pr.mu.Unlock()
		if !pending {
			return
		}
	}
}

// fatal stops the run with err as soon as the running task is done, as an
// error ansible raises while it processes results.
func (r *run) fatal(pr *playRun, err error) {
	r.hostsMu.Lock()
	if r.fatalErr == nil {
		r.fatalErr = err
	}
	r.stopAll = true
	r.hostsMu.Unlock()
	pr.mu.Lock()
	pr.endPlay = true
	pr.mu.Unlock()
}

// takeFatal is the error fatal recorded, if any.
func (r *run) takeFatal() error {
	r.hostsMu.Lock()
	defer r.hostsMu.Unlock()
	return r.fatalErr
}
