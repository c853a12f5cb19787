package runner

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/inventory"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// playRun is one play's run-time state.
type playRun struct {
	play      *playbook.Play
	all       []*hostState // ansible_play_hosts_all
	batch     []*hostState // current serial batch
	check     bool
	diff      bool
	endPlay   bool
	varsFiles sync.Map // host name -> *value.Map
	roleDefs  *value.Map
	roleVars  *value.Map
	mu        sync.Mutex
	magic     map[*hostState]*value.Map
	shared    *sharedMagic // with magic: what every host's holds
	fatal     bool         // any_errors_fatal or max_fail_percentage stopped the play
	ldr       *playbook.Loader
	// roles included at run time bring their handlers along
	extraHandlers []*playbook.RoleInstance
	// exposed are the public include_role'd roles (exposeRole)
	exposed  []*playbook.RoleInstance
	pattern  string // the play's hosts, rendered
	strategy string // the play's strategy, rendered
	// stepDone is --step answered "continue": no more asking in this
	// batch (ansible's strategy, made anew for each, starts asking again)
	stepDone bool
	// stepBroke is --step finding no answer: the run stops, exit code 2
	stepBroke bool
	stepMu    sync.Mutex // one --step question at a time (free strategy)
}

func (pr *playRun) active() []*hostState {
	var out []*hostState
	for _, h := range pr.batch {
		if !h.failed && !h.unreachable && !h.ended {
			out = append(out, h)
		}
	}
	return out
}

func (r *run) runPlay(ctx context.Context, p *playbook.Play) error {
	pr := &playRun{play: p, check: r.o.Check, diff: r.o.Diff}
	// play-level check_mode/diff can only be static or extra-var based.
	sc0 := &scope{r: r, layers: []*value.Map{p.Kw.Vars, r.extraVars}}
	if p.Kw.CheckMode != nil {
		pr.check, _ = sc0.renderBool(p.Kw.CheckMode, pr.check)
	}
	if p.Kw.Diff != nil {
		pr.diff, _ = sc0.renderBool(p.Kw.Diff, pr.diff)
	}
	if err := r.prompt(ctx, pr); err != nil {
		if ctx.Err() != nil {
			return nil // Ctrl+C at a question: the run ends as interrupted
		}
		return &playbook.Error{Pos: p.Pos, Err: err}
	}
	pattern, err := sc0.renderString(p.Hosts)
	if err != nil {
		return &playbook.Error{Pos: p.Pos, Err: err}
	}
	name := p.Name
	if name == "" {
		name = pattern
	} else if n, err := sc0.renderString(name); err == nil {
		name = n
	}
	hosts, err := r.inv.Select(pattern)
	if err != nil {
		return &playbook.Error{Pos: p.Pos, Err: err}
	}
	pr.pattern = pattern
	if pr.strategy, err = sc0.renderString(p.Strategy); err != nil {
		return &playbook.Error{Pos: p.Pos, Err: err}
	}
	pr.strategy = strings.TrimPrefix(pr.strategy, "ansible.builtin.")
	if !playbook.KnownStrategy(pr.strategy) {
		return &playbook.Error{Pos: p.Pos, Err: fmt.Errorf("invalid play strategy specified: %s", pr.strategy)}
	}
	r.playHosts(pr, hosts)
	names := make([]string, len(pr.all))
	for i, h := range pr.all {
		names[i] = h.name
	}
	// ansible's task queue manager announces the play for each serial
	// batch, and once before saying that no hosts matched.
	playStart := func() {
		r.emit(func(s callback.Sink) {
			s.PlayStart(callback.Play{Name: name, Hosts: names, Check: pr.check,
				Pattern: pattern, ID: fmt.Sprintf("%p", p)})
		})
	}
	// hosts that already failed in an earlier play stay out.
	var live []*hostState
	for _, h := range pr.all {
		if !h.failed && !h.unreachable {
			live = append(live, h)
		}
	}
	if len(live) == 0 {
		playStart()
		r.emit(func(s callback.Sink) { s.NoHostsMatched() })
		return nil
	}
	pr.roleDefs, pr.roleVars = value.NewMap(0), value.NewMap(0)
	for _, ri := range append(append([]*playbook.RoleInstance(nil), p.Roles...), p.Exposed...) {
		collectRoleVars(ri, pr.roleDefs, pr.roleVars)
	}
	batches, err := r.batches(sc0, p, live)
	if err != nil {
		return &playbook.Error{Pos: p.Pos, Err: err}
	}
	for _, b := range batches {
		if pr.endPlay || ctx.Err() != nil {
			break
		}
		pr.mu.Lock()
		pr.batch, pr.magic = b, nil // ansible_play_batch is the new batch
		pr.stepDone = false
		pr.mu.Unlock()
		playStart()
		if err := r.runBatch(ctx, pr); err != nil {
			return err
		}
		// As ansible-playbook: a batch whose hosts all failed, or a
		// max_fail_percentage/any_errors_fatal break, ends the whole run.
		if r.batchFailedOut(pr) || pr.fatal || pr.stepBroke {
			r.stopAll = true
			r.stepBroke = r.stepBroke || pr.stepBroke
			break
		}
	}
	return nil
}

// playHosts sets the play's hosts, in its order, each with its play
// state reset.
func (r *run) playHosts(pr *playRun, hosts []*inventory.Host) {
	p := pr.play
	for _, h := range hosts {
		if hs := r.hostState(h.Name); hs != nil {
			hs.ended = false
			hs.notified = map[*playbook.Task]bool{}
			pr.all = append(pr.all, hs)
		}
	}
	if p.Order == "reverse_inventory" {
		for i, j := 0, len(pr.all)-1; i < j; i, j = i+1, j-1 {
			pr.all[i], pr.all[j] = pr.all[j], pr.all[i]
		}
	} else if p.Order == "sorted" || p.Order == "reverse_sorted" {
		sortHosts(pr.all, p.Order == "reverse_sorted")
	}
}

func sortHosts(hs []*hostState, reverse bool) {
	for i := 1; i < len(hs); i++ {
		for j := i; j > 0; j-- {
			less := hs[j].name < hs[j-1].name
			if reverse {
				less = hs[j].name > hs[j-1].name
			}
			if !less {
				break
			}
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
	}
}

func collectRoleVars(ri *playbook.RoleInstance, defs, vars *value.Map) {
	for _, d := range ri.Deps() {
		collectRoleVars(d, defs, vars)
	}
	merge := func(dst, src *value.Map) {
		src.Range(func(k string, v any) bool { dst.Set(k, v); return true })
	}
	merge(defs, ri.Role.Defaults)
	if ri.Defaults != nil {
		merge(defs, ri.Defaults)
	}
	merge(vars, ri.Role.Vars)
	if ri.Vars != nil {
		merge(vars, ri.Vars)
	}
}

// batches splits hosts by serial.
func (r *run) batches(sc *scope, p *playbook.Play, hosts []*hostState) ([][]*hostState, error) {
	if len(p.Serial) == 0 {
		return [][]*hostState{hosts}, nil
	}
	var sizes []int
	for _, s := range p.Serial {
		v, err := sc.render(s)
		if err != nil {
			return nil, err
		}
		str := strings.TrimSpace(value.String(v))
		n := 0
		if pct, ok := strings.CutSuffix(str, "%"); ok {
			f, err := strconv.ParseFloat(pct, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid serial value %q", str)
			}
			n = int(float64(len(hosts)) * f / 100)
			if n < 1 {
				n = 1
			}
		} else {
			n, err = strconv.Atoi(str)
			if err != nil {
				return nil, fmt.Errorf("invalid serial value %q", str)
			}
		}
		if n <= 0 {
			n = len(hosts)
		}
		sizes = append(sizes, n)
	}
	var out [][]*hostState
	i, si := 0, 0
	for i < len(hosts) {
		n := sizes[min(si, len(sizes)-1)]
		si++
		end := min(i+n, len(hosts))
		out = append(out, hosts[i:end])
		i = end
	}
	return out, nil
}

// batchFailedOut tells whether the play must stop after a batch: every host
// of it failed, or max_fail_percentage was exceeded.
func (r *run) batchFailedOut(pr *playRun) bool {
	failed := 0
	for _, h := range pr.batch {
		if h.failed || h.unreachable {
			failed++
		}
	}
	if failed > 0 && failed == len(pr.batch) {
		return true
	}
	return pr.maxFailExceeded(r)
}

func (pr *playRun) maxFailExceeded(r *run) bool {
	if pr.play.MaxFailPct == nil {
		return false
	}
	f, err := strconv.ParseFloat(value.String(pr.play.MaxFailPct), 64)
	if err != nil {
		return false
	}
	failed := 0
	for _, h := range pr.batch {
		if h.failed || h.unreachable {
			failed++
		}
	}
	pct := float64(failed) / float64(len(pr.batch)) * 100
	return pct > f && !math.IsNaN(pct)
}

// runBatch runs the play's sections for one batch of hosts.
func (r *run) runBatch(ctx context.Context, pr *playRun) error {
	p := pr.play
	if err := r.loadVarsFiles(pr); err != nil {
		return err
	}
	if r.gatherFacts(pr) {
		r.runFacts(ctx, pr)
	}
	sections := [][]playbook.Node{p.PreTasks, p.Tasks, p.PostTasks}
	for _, sec := range sections {
		if pr.endPlay || ctx.Err() != nil {
			return nil
		}
		ex := &executor{r: r, pr: pr}
		if pr.strategy == "free" || pr.strategy == "host_pinned" {
			ex.free = true
		}
		ex.runList(ctx, sec, pr.active(), nil)
		if pr.endPlay {
			return nil
		}
		r.runHandlers(ctx, pr)
	}
	return nil
}

func (r *run) gatherFacts(pr *playRun) bool {
	g := pr.play.GatherFacts
	if g == nil {
		switch strings.ToLower(r.o.Gathering) {
		case "explicit":
			return false
		}
		return true
	}
	sc := &scope{r: r, layers: []*value.Map{pr.play.Kw.Vars, r.extraVars}}
	b, err := sc.renderBool(g, true)
	return err == nil && b
}
