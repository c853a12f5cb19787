package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// handlerList flattens the play's handlers in definition order.
func (pr *playRun) handlerList() []*playbook.Task {
	var out []*playbook.Task
	var walk func(nodes []playbook.Node)
	walk = func(nodes []playbook.Node) {
		for _, n := range nodes {
			switch n := n.(type) {
			case *playbook.Task:
				out = append(out, n)
			case *playbook.Block:
				walk(n.Block)
				walk(n.Rescue)
				walk(n.Always)
			}
		}
	}
	walk(pr.play.Handlers)
	pr.mu.Lock()
	extra := append([]*playbook.RoleInstance(nil), pr.extraHandlers...)
	pr.mu.Unlock()
	for _, ri := range extra {
		walk(ri.Handlers)
	}
	return out
}

// notify marks the handlers t names as notified for h.
func (ex *executor) notify(t *playbook.Task, h *hostState, sc *scope) {
	if len(t.Notify) == 0 {
		return
	}
	handlers := ex.pr.handlerList()
	for _, n := range t.Notify {
		name := n
		if strings.Contains(name, "{{") {
			if s, err := sc.renderString(name); err == nil {
				name = s
			}
		}
		// By name, one handler: the first of those so named, as ansible
		// finds it; by listen, every handler listening.
		found, byName := false, false
		for _, hd := range handlers {
			named := !byName && handlerNamed(hd, name, sc)
			if named || handlerListens(hd, name) {
				byName = byName || named
				ex.pr.mu.Lock()
				h.notified[hd] = true
				ex.pr.mu.Unlock()
				found = true
			}
		}
		if !found {
			ex.r.log.Warn("handler not found", "name", name)
			ex.r.emit(func(s callback.Sink) {
				s.Warn(fmt.Sprintf("The requested handler '%s' was not found in either the main handlers list nor in the listening handlers list", name))
			})
		}
	}
}

// handlerNamed says hd is the handler called name: its name (rendered),
// its role-qualified name, or, without a name, its action.
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
	if hd.Role != nil && hn != "" && hd.Role.Role.Name+" : "+hn == name {
		return true
	}
	return hn == "" && hd.Action == name
}

// handlerListens says hd listens for the topic name.
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
func (r *run) runHandlers(ctx context.Context, pr *playRun) {
	for round := 0; round < 3; round++ {
		ran := false
		for _, hd := range pr.handlerList() {
			if ctx.Err() != nil || pr.endPlay {
				return
			}
			var hosts hostSet
			pr.mu.Lock()
			for _, h := range pr.batch {
				if h.notified[hd] {
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
			if len(h.notified) > 0 {
				pending = true
			}
		}
		pr.mu.Unlock()
		if !pending {
			return
		}
	}
}

// runMeta runs a meta task for hosts.
func (ex *executor) runMeta(ctx context.Context, t *playbook.Task, hosts hostSet) map[*hostState]bool {
	raw, _ := t.Args.Get("_raw_params")
	action := value.String(raw)
	pr := ex.pr
	// meta tasks honour when (except flush_handlers as Ansible warns), and
	// tags only where Ansible applies them.
	cond := func(h *hostState) bool {
		if len(whens(t)) == 0 {
			return true
		}
		ok, err := ex.r.newScope(pr, h, t, nil).cond(whens(t))
		return err == nil && ok
	}
	switch action {
	case "flush_handlers":
		ex.r.runHandlers(ctx, pr)
	case "end_play":
		for _, h := range hosts {
			if cond(h) {
				pr.endPlay = true
				for _, x := range pr.batch {
					x.ended = true
				}
				break
			}
		}
	case "end_batch":
		for _, h := range hosts {
			if cond(h) {
				for _, x := range pr.batch {
					x.ended = true
				}
				break
			}
		}
	case "end_host":
		for _, h := range hosts {
			if cond(h) {
				h.ended = true
			}
		}
	case "clear_host_errors":
		for _, h := range pr.all {
			if h.failed && !h.unreachable {
				h.failed = false
			}
		}
	case "clear_facts":
		for _, h := range hosts {
			if cond(h) {
				h.mu.Lock()
				h.facts = value.NewMap(0)
				h.mu.Unlock()
			}
		}
	case "noop", "refresh_inventory", "reset_connection", "role_complete":
	}
	return nil
}
