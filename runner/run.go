package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/inventory"
	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/templates"
	"github.com/fjord-run/fjord/value"
)

// run is the state of one `fjord playbook` invocation.
type run struct {
	o         *Options
	eng       *templates.Engine
	inv       *inventory.Inventory
	sink      callback.Sink
	counter   *callback.Counter
	extraVars *value.Map
	log       *slog.Logger
	warner    *callback.Warner // Ansible's Display.warning, shared with the sink
	omit      string
	pbDir     string
	// invSources is ansible_inventory_sources: the -i sources as absolute
	// paths (host lists as given), as ansible's InventoryManager keeps them.
	invSources []any

	outMu sync.Mutex // serialises sink calls

	hostsMu sync.Mutex
	hosts   map[string]*hostState

	// invMu serialises run-time inventory changes (add_host, group_by),
	// kept in dynHosts and dynGroups for meta: refresh_inventory.
	invMu     sync.Mutex
	dynHosts  []dynHost
	dynGroups []dynGroup

	connMu sync.Mutex
	conns  map[string]connection.Conn

	started        bool  // --start-at-task found its task
	stopAll        bool  // a play broke the run: no later play runs
	stepBroke      bool  // --step found no answer: exit code 2
	fatalErr       error // an error that stops the run at once (missing handler)
	anyFailed      bool
	anyUnreachable bool

	vaultCache sync.Map // inline !vault ciphertext → plaintext

	// sims are the hosts' predicted states in a check run (dryrun.go).
	sims     sync.Map // host name → *dryrun.State
	simConns sync.Map // simConnKey → *dryrun.Conn

	jobs    sync.WaitGroup  // async jobs the controller runs (async.go)
	rootCtx context.Context // the run's context: it bounds those jobs
	start   time.Time       // when the run began, for profile_tasks and timer
}

// Run runs the playbooks and returns ansible-playbook's exit code.
func Run(ctx context.Context, o *Options) int {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Forks <= 0 {
		o.Forks = 5
	}
	r := &run{o: o, eng: templates.New(), log: o.Log, hosts: map[string]*hostState{},
		conns: map[string]connection.Conn{}, omit: "__omit_place_holder__" + randHex(20),
		warner: callback.NewWarner(o.Stderr, o.Color, 0), start: time.Now()}
	r.rootCtx = ctx
	defer r.closeConns()
	code, err := r.mainSafe(ctx)
	if err != nil {
		fmt.Fprintf(o.Stderr, "ERROR! %v\n", err)
	}
	return code
}

func (r *run) main(ctx context.Context) (int, error) {
	o := r.o
	if o.Adhoc != nil {
		return r.adhoc(ctx)
	}
	if len(o.Playbooks) == 0 {
		return ExitBadOptions, errors.New("You must specify a playbook file to run")
	}
	r.extraVars = value.NewMap(0)
	for _, m := range o.ExtraVars {
		m.Range(func(k string, v any) bool { r.extraVars.Set(k, v); return true })
	}
	for _, pb := range o.Playbooks {
		if st, err := os.Stat(pb); err != nil || st.IsDir() {
			return ExitError, fmt.Errorf("the playbook: %s could not be found", pb)
		}
	}
	abs0, _ := filepath.Abs(o.Playbooks[0])
	r.pbDir = filepath.Dir(abs0)

	if code, err := r.loadInventory(); err != nil {
		return code, err
	}

	// Load everything before touching any host.
	books, err := r.loadPlaybooks()
	if err != nil {
		return loadExit(err), err
	}
	if o.SyntaxCheck {
		for _, p := range o.Playbooks {
			fmt.Fprintf(o.Stdout, "\nplaybook: %s\n", p)
		}
		return ExitOK, nil
	}
	if o.ListHosts || o.ListTasks || o.ListTags {
		return r.list(books)
	}
	// Every host's group_vars and host_vars are read now, as Ansible
	// reads them with the inventory: a broken vars file stops the run
	// before any host is touched.
	if err := r.loadHostVars(); err != nil {
		return ExitParseError, err
	}

	return r.play(ctx, books)
}

// loadInventory reads the inventory sources and picks the target hosts.
func (r *run) loadInventory() (int, error) {
	o := r.o
	sources := o.Inventory
	if len(sources) == 0 {
		sources = []string{"/etc/ansible/hosts"}
	}
	r.invSources = absSources(sources)
	inv, err := inventory.LoadWith(sources, inventory.Options{UnparsedIsFailed: o.InventoryUnparsedIsFailed})
	if err != nil {
		if inv != nil {
			r.inventoryWarnings(inv.Warnings)
		}
		var ie *inventory.Error
		if errors.As(err, &ie) {
			return ExitParseError, err
		}
		return ExitError, err
	}
	inv.VaultDecrypt = inventoryDecrypter(o.Vault)
	r.inventoryWarnings(inv.Warnings)
	inv.NoMatch = func(pattern string) {
		r.warn("Could not match supplied host pattern, ignoring: " + pattern)
	}
	if err := r.targetHosts(inv); err != nil {
		return ExitError, err
	}
	r.inv = inv
	return ExitOK, nil
}

// absSources makes each inventory source absolute as ansible's
// unfrackpath(follow=False) does (~ and $VARS expanded, the path
// normalised, links kept); a "h1,h2" host list stays as given.
func absSources(sources []string) []any {
	out := make([]any, len(sources))
	for i, s := range sources {
		if !strings.Contains(s, ",") {
			s = os.ExpandEnv(s)
			if home, err := os.UserHomeDir(); err == nil && (s == "~" || strings.HasPrefix(s, "~/")) {
				s = home + s[1:]
			}
			s, _ = filepath.Abs(s)
		}
		out[i] = s
	}
	return out
}

// loadPlaybooks loads every playbook given, whole.
func (r *run) loadPlaybooks() ([]*playbook.Playbook, error) {
	var books []*playbook.Playbook
	for _, p := range r.o.Playbooks {
		o := r.loadOptions()
		o.Render = func(src string, vars *value.Map) (string, error) {
			sc := &scope{r: r, layers: []*value.Map{vars, r.extraVars}}
			return sc.renderString(src)
		}
		o.CheckCond = r.eng.CheckCond
		pb, err := playbook.Load(p, o)
		if err != nil {
			return nil, err
		}
		books = append(books, pb)
	}
	return books, nil
}

// play runs the plays of every playbook, prints the recap and gives the
// run's exit code.
func (r *run) play(ctx context.Context, books []*playbook.Playbook) (int, error) {
	r.sink = r.makeSink()
	r.counter = callback.NewCounter()
	for i, pb := range books {
		// as given on the command line, as job events name it; an ad
		// hoc command's is made up
		path := adhocPlaybook
		if i < len(r.o.Playbooks) {
			path = r.o.Playbooks[i]
		}
		r.emit(func(s callback.Sink) { s.PlaybookStart(path) })
		for _, p := range pb.Plays {
			if err := ctx.Err(); err != nil {
				return ExitInterrupted, nil
			}
			if r.stopAll {
				break
			}
			err := r.runPlay(ctx, p)
			if err == nil {
				err = r.takeFatal()
			}
			if err != nil {
				r.sink.Close()
				return playExit(err), err
			}
		}
	}
	stats := r.counter.Stats()
	r.emit(func(s callback.Sink) {
		if cs, ok := s.(callback.CustomStatsSink); ok {
			cs.CustomStats(r.counter.Custom())
		}
		s.Recap(stats)
	})
	r.dryRunSummary(stats)
	if err := r.sink.Close(); err != nil {
		return ExitError, err
	}
	if ctx.Err() != nil {
		return ExitInterrupted, nil
	}
	// As ansible-playbook, the exit code follows the hosts' state at the
	// end: a rescued failure or one cleared by meta: clear_host_errors no
	// longer counts.
	failed, unreachable := false, false
	r.hostsMu.Lock()
	for _, h := range r.hosts {
		failed = failed || h.failed
		unreachable = unreachable || h.unreachable
	}
	r.hostsMu.Unlock()
	switch {
	case failed || r.stepBroke:
		return ExitHostFailed, nil
	case unreachable:
		return ExitUnreachable, nil
	}
	return ExitOK, nil
}

// loadOptions are the playbook loader's options for this run.
func (r *run) loadOptions() playbook.Options {
	return playbook.Options{ExtraVars: r.extraVars, RolesPath: r.o.RolesPath, CollectionsPath: r.o.CollectionsPath,
		Library: r.o.Library, PlaybookDir: r.pbDir, Vault: r.o.Vault, Deprecated: r.deprecated,
		DuplicateKey: r.o.DuplicateYAMLKey, Warn: r.warn}
}

func (r *run) makeSink() callback.Sink {
	co := callback.Options{Verbosity: r.o.Verbosity, Color: r.o.Color,
		Diff: r.o.Diff, Check: r.o.Check, HideSkipped: r.o.HideSkipped, HideOK: r.o.HideOK, CheckModeMarkers: r.o.CheckModeMarkers,
		ShowCustomStats: r.o.ShowCustomStats, FailedStderr: r.o.FailedStderr, ResultFormat: r.o.ResultFormat, PrettyResults: r.o.PrettyResults,
		Stderr: r.o.Stderr, Warner: r.warner}
	sinks := []callback.Sink{callback.NewStdout(r.o.Callback, r.o.Stdout, co)}
	limit := r.o.ProfileTasksLimit
	if limit == "" {
		limit = "20"
	}
	ao := callback.AggregateOptions{Start: r.start, SortOrder: r.o.ProfileTasksSort, OutputLimit: limit, Verbosity: r.o.Verbosity}
	seen := map[string]bool{}
	for _, name := range r.o.CallbacksEnabled {
		canonical, ok := callback.EnabledName(name)
		if !ok {
			r.warn(fmt.Sprintf("Skipping callback plugin '%s', unable to load", name))
			continue
		}
		// profile_tasks listed twice (short and long name) runs once
		if !seen[canonical] {
			seen[canonical] = true
			sinks = append(sinks, callback.NewEnabled(name, r.o.Stdout, ao))
		}
	}
	if r.o.Adhoc != nil && r.o.Adhoc.Tree != "" {
		sinks[0] = callback.WithTree(sinks[0], r.o.Adhoc.Tree, co)
	}
	if r.o.Events != nil {
		// the enabled callbacks print outside the events, as ansible's
		// do after awx_display: ansible-runner files their lines as
		// verbose events
		eo := *r.o.Events
		eo.Verbosity, eo.Stderr, eo.Diff = r.o.Verbosity, r.o.Stderr, r.o.Diff
		sinks[0] = callback.NewEvents(sinks[0], r.o.Stdout, r.warner, eo)
	}
	return callback.Tee(sinks...)
}

// emit calls the sink under the output lock.
func (r *run) emit(f func(callback.Sink)) {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	f(r.sink)
}

func (r *run) hostState(name string) *hostState {
	r.hostsMu.Lock()
	defer r.hostsMu.Unlock()
	if h, ok := r.hosts[name]; ok {
		return h
	}
	ih, ok := r.inv.Host(name)
	if !ok {
		return nil
	}
	h := newHostState(name, ih)
	vars, err := r.inv.HostVars(ih, r.pbDir)
	if err != nil {
		r.log.Warn("host vars", "host", name, "err", err)
		vars = value.NewMap(0)
	}
	h.invVars = vars
	r.hosts[name] = h
	return h
}

// loadHostVars makes the state of every inventory host with its
// variables, failing on the first vars file that cannot be read.
func (r *run) loadHostVars() error {
	r.hostsMu.Lock()
	defer r.hostsMu.Unlock()
	for _, ih := range r.inv.Hosts() {
		if _, ok := r.hosts[ih.Name]; ok {
			continue
		}
		vars, err := r.inv.HostVars(ih, r.pbDir)
		if err != nil {
			return err
		}
		h := newHostState(ih.Name, ih)
		h.invVars = vars
		r.hosts[ih.Name] = h
	}
	return nil
}

func (r *run) allHostNames() []string {
	var out []string
	for _, h := range r.inv.Hosts() {
		out = append(out, h.Name)
	}
	r.hostsMu.Lock()
	for n := range r.hosts {
		found := false
		for _, o := range out {
			if o == n {
				found = true
				break
			}
		}
		if !found {
			out = append(out, n)
		}
	}
	r.hostsMu.Unlock()
	sort.Strings(out)
	return out
}

func (r *run) closeConns() {
	r.jobs.Wait()
	r.connMu.Lock()
	defer r.connMu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
}

// refreshInventoryVars recomputes inventory-level variables of every known
// host and drops cached magic variables after add_host/group_by.
func (r *run) refreshInventoryVars(pr *playRun) {
	r.hostsMu.Lock()
	hosts := make([]*hostState, 0, len(r.hosts))
	for _, h := range r.hosts {
		hosts = append(hosts, h)
	}
	r.hostsMu.Unlock()
	for _, h := range hosts {
		if v, err := r.inv.HostVars(h.inv, r.pbDir); err == nil {
			h.mu.Lock()
			h.invVars = v
			h.mu.Unlock()
		}
	}
	if pr != nil {
		pr.mu.Lock()
		pr.magic = nil
		pr.mu.Unlock()
	}
}

// mainSafe turns a panic anywhere in the engine into an error and exit
// code 1 instead of a crash with a Go stack trace.
func (r *run) mainSafe(ctx context.Context) (code int, err error) {
	defer func() {
		if p := recover(); p != nil {
			code, err = ExitError, fmt.Errorf("internal error in fjord (please report it): %v\n%s", p, debug.Stack())
		}
	}()
	return r.main(ctx)
}
