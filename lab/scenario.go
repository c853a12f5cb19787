package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// PlaybookRun is one playbook run a scenario asks for.
type PlaybookRun struct {
	Playbook  string
	Inventory string
	RolesPath []string
	// JSON asks for the json callback (per-task results) instead of the
	// default output.
	JSON   bool
	Stdout io.Writer
}

// PlaybookFunc runs a playbook and returns ansible-playbook's exit code.
// The caller wires the engine; package lab does not import it.
type PlaybookFunc func(ctx context.Context, r PlaybookRun) int

// TestOptions configure a scenario run.
type TestOptions struct {
	Manager  *Manager
	Playbook PlaybookFunc
	Out      io.Writer // progress and playbook output
	Keep     bool      // leave the lab up afterwards
}

// Report is `fjord test --report`'s JSON.
type Report struct {
	Scenario string       `json:"scenario"`
	Lab      string       `json:"lab"`
	Result   string       `json:"result"` // "passed", "failed", "error"
	Seconds  float64      `json:"seconds"`
	Steps    []StepReport `json:"steps"`
	Error    string       `json:"error,omitempty"`
	Timing   *TimingJSON  `json:"timing,omitempty"`
}

// StepReport is one step of a scenario.
type StepReport struct {
	Name    string        `json:"name"`
	Result  string        `json:"result"` // "passed", "failed", "skipped"
	Seconds float64       `json:"seconds"`
	Exit    int           `json:"exit_code,omitempty"`
	Error   string        `json:"error,omitempty"`
	Changed []ChangedTask `json:"changed,omitempty"`
}

// ChangedTask is a task that changed something on the idempotence run.
type ChangedTask struct {
	Task  string   `json:"task"`
	Path  string   `json:"path,omitempty"`
	Hosts []string `json:"hosts"`
}

// TimingJSON is Timing in seconds.
type TimingJSON struct {
	RootfsBuild float64 `json:"rootfs_build_seconds"`
	LayerBuild  float64 `json:"layer_build_seconds"`
	Boot        float64 `json:"boot_seconds"`
	Hosts       int     `json:"hosts"`
}

// Exit codes of `fjord test`.
const (
	TestPassed = 0 // every step passed
	TestFailed = 1 // a step failed: converge, idempotence, side effect or verify
	TestError  = 3 // the scenario could not run: bad scenario, lab did not come up
)

// Code is the exit code for a report.
func (r *Report) Code() int {
	switch r.Result {
	case "passed":
		return TestPassed
	case "failed":
		return TestFailed
	}
	return TestError
}

// scenarioSteps in order; create and destroy wrap them.
var scenarioSteps = []string{"prepare", "converge", "idempotence", "side_effect", "verify"}

// RunScenario runs a molecule-like scenario directory: create → prepare
// → converge → idempotence → side_effect → verify → destroy.
func RunScenario(ctx context.Context, dir string, o TestOptions) *Report {
	start := time.Now()
	abs, _ := filepath.Abs(dir)
	rep := &Report{Scenario: abs, Result: "passed"}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	defer func() { rep.Seconds = seconds(time.Since(start)) }()
	fail := func(err error) *Report {
		rep.Result, rep.Error = "error", err.Error()
		return rep
	}
	spec, err := scenarioSpec(abs, dir)
	if err != nil {
		return fail(err)
	}
	rep.Lab = spec.Name
	st, err := createLab(ctx, o, spec, rep, out)
	if err != nil {
		return fail(fmt.Errorf("create: %w", err))
	}

	run := PlaybookRun{Inventory: st.Inventory, RolesPath: scenarioRolesPath(abs), Stdout: out}
	failed := false
	for _, name := range scenarioSteps {
		sr := StepReport{Name: name, Result: "skipped"}
		if !failed {
			sr = runStep(ctx, o, run, abs, name, out)
		}
		if sr.Result == "failed" {
			failed = true
			rep.Result = "failed"
			if rep.Error == "" {
				rep.Error = name + ": " + sr.Error
			}
		}
		rep.Steps = append(rep.Steps, sr)
	}

	if ctx.Err() != nil {
		rep.Result, rep.Error = "error", "interrupted"
	}
	if o.Keep {
		fmt.Fprintf(out, "--> %s: lab %s kept (fjord lab status --name %s; fjord lab down --name %s)\n",
			filepath.Base(abs), st.Name, st.Name, st.Name)
		return rep
	}
	destroyLab(ctx, o, st, abs, rep, out)
	return rep
}

// scenarioSpec reads the scenario's lab.yml, or makes the default lab of
// one host, instance; dir is the scenario as given, abs its absolute path.
func scenarioSpec(abs, dir string) (*Spec, error) {
	if _, err := os.Stat(filepath.Join(abs, "converge.yml")); err != nil {
		return nil, fmt.Errorf("%s is not a scenario: no converge.yml", dir)
	}
	spec := &Spec{Hosts: []HostSpec{{Name: "instance"}}}
	if b, err := os.ReadFile(filepath.Join(abs, "lab.yml")); err == nil {
		if spec, err = ParseSpec(b); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(abs, "lab.yml"), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if spec.Name == "" {
		spec.Name = "test"
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return spec, nil
}

// createLab is the create step: it brings the lab up and reports it.
func createLab(ctx context.Context, o TestOptions, spec *Spec, rep *Report, out io.Writer) (*State, error) {
	fmt.Fprintf(out, "--> %s: create (lab %s, %d hosts)\n", filepath.Base(rep.Scenario), spec.Name, len(spec.Hosts))
	t0 := time.Now()
	st, tm, err := o.Manager.Up(ctx, spec)
	step := StepReport{Name: "create", Result: "passed", Seconds: seconds(time.Since(t0))}
	if err != nil {
		step.Result, step.Error = "failed", err.Error()
		rep.Steps = append(rep.Steps, step)
		return nil, err
	}
	rep.Steps = append(rep.Steps, step)
	rep.Timing = &TimingJSON{RootfsBuild: seconds(tm.RootfsBuild), LayerBuild: seconds(tm.LayerBuild),
		Boot: seconds(tm.Boot), Hosts: tm.Hosts}
	fmt.Fprintf(out, "    %d host(s) accepting SSH in %s\n", tm.Hosts, tm.Boot.Round(10*time.Millisecond))
	return st, nil
}

// runStep runs one step's playbook (converge.yml again for idempotence,
// with the json callback to find what changed); a step without its
// playbook is skipped.
func runStep(ctx context.Context, o TestOptions, run PlaybookRun, abs, name string, out io.Writer) StepReport {
	sr := StepReport{Name: name}
	pb := name + ".yml"
	if name == "idempotence" {
		pb = "converge.yml"
	}
	path := filepath.Join(abs, pb)
	if _, err := os.Stat(path); err != nil {
		sr.Result = "skipped"
		return sr
	}
	fmt.Fprintf(out, "--> %s: %s\n", filepath.Base(abs), name)
	t := time.Now()
	r := run
	r.Playbook = path
	var buf bytes.Buffer
	if name == "idempotence" {
		r.JSON, r.Stdout = true, &buf
	}
	sr.Exit = o.Playbook(ctx, r)
	sr.Result = "passed"
	if sr.Exit != 0 {
		sr.Result, sr.Error = "failed", fmt.Sprintf("%s exited with %d", pb, sr.Exit)
	}
	if name == "idempotence" {
		checkIdempotence(&sr, buf.Bytes(), out)
	}
	sr.Seconds = seconds(time.Since(t))
	if sr.Result == "failed" {
		fmt.Fprintf(out, "    FAILED: %s\n", sr.Error)
	} else {
		fmt.Fprintf(out, "    ok (%.1fs)\n", sr.Seconds)
	}
	return sr
}

// checkIdempotence fails the idempotence step if the json callback's
// output says a task changed, and shows that output when the run failed
// in another way.
func checkIdempotence(sr *StepReport, jsonOut []byte, out io.Writer) {
	changed, err := changedTasks(jsonOut)
	switch {
	case err != nil:
		sr.Result = "failed"
		sr.Error = fmt.Sprintf("reading the json callback's output: %v", err)
		_, _ = out.Write(jsonOut)
	case len(changed) > 0:
		sr.Result, sr.Changed = "failed", changed
		var names []string
		for _, c := range changed {
			names = append(names, fmt.Sprintf("%q on %s", c.Task, strings.Join(c.Hosts, ",")))
		}
		sr.Error = "not idempotent: the second converge changed " + strings.Join(names, "; ")
	case sr.Exit != 0:
		_, _ = out.Write(jsonOut)
	}
}

// destroyLab is the destroy step; it runs even when ctx is cancelled.
func destroyLab(ctx context.Context, o TestOptions, st *State, abs string, rep *Report, out io.Writer) {
	fmt.Fprintf(out, "--> %s: destroy\n", filepath.Base(abs))
	t := time.Now()
	sr := StepReport{Name: "destroy", Result: "passed"}
	if err := o.Manager.Down(context.WithoutCancel(ctx), st.Name); err != nil {
		sr.Result, sr.Error = "failed", err.Error()
		if rep.Result == "passed" {
			rep.Result, rep.Error = "error", "destroy: "+err.Error()
		}
	}
	sr.Seconds = seconds(time.Since(t))
	rep.Steps = append(rep.Steps, sr)
}

// scenarioRolesPath finds roles for a scenario: its own roles/, and when
// it sits in a role (ROLE/molecule/NAME), the directory holding ROLE, so
// that `roles: [ROLE]` works as under molecule.
func scenarioRolesPath(dir string) []string {
	var out []string
	if fi, err := os.Stat(filepath.Join(dir, "roles")); err == nil && fi.IsDir() {
		out = append(out, filepath.Join(dir, "roles"))
	}
	role := filepath.Dir(filepath.Dir(dir))
	for _, d := range []string{"tasks", "meta", "handlers"} {
		if fi, err := os.Stat(filepath.Join(role, d)); err == nil && fi.IsDir() {
			out = append(out, filepath.Dir(role))
			break
		}
	}
	return out
}

// changedTasks reads the json callback's document and lists the tasks
// that reported changed on some host.
func changedTasks(doc []byte) ([]ChangedTask, error) {
	// The document is the last thing printed; warnings may come first.
	i := bytes.IndexByte(doc, '{')
	if i < 0 {
		return nil, errors.New("no JSON document")
	}
	var d struct {
		Plays []struct {
			Tasks []struct {
				Task struct {
					Name string `json:"name"`
					Path string `json:"path"`
				} `json:"task"`
				Hosts map[string]struct {
					Changed bool `json:"changed"`
				} `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
		Stats map[string]struct {
			Changed int `json:"changed"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(doc[i:], &d); err != nil {
		return nil, err
	}
	var out []ChangedTask
	for _, p := range d.Plays {
		for _, t := range p.Tasks {
			var hosts []string
			for h, r := range t.Hosts {
				if r.Changed {
					hosts = append(hosts, h)
				}
			}
			if len(hosts) > 0 {
				sort.Strings(hosts)
				out = append(out, ChangedTask{Task: t.Task.Name, Path: t.Task.Path, Hosts: hosts})
			}
		}
	}
	if len(out) == 0 {
		// Handlers do not appear as tasks in every callback version: the
		// recap still counts them.
		var hosts []string
		for h, s := range d.Stats {
			if s.Changed > 0 {
				hosts = append(hosts, h)
			}
		}
		if len(hosts) > 0 {
			sort.Strings(hosts)
			out = append(out, ChangedTask{Task: "(counted in the recap)", Hosts: hosts})
		}
	}
	return out, nil
}

func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }
