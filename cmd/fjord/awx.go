package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fjord-run/fjord/runner"
	"github.com/fjord-run/fjord/runner/callback"
)

// awxDisplay is the stdout callback ansible-runner names
// (ANSIBLE_STDOUT_CALLBACK=awx_display) when it runs ansible-playbook:
// fjord answers it with job events around the stdout callback the user
// chose (ORIGINAL_STDOUT_CALLBACK, which ansible-runner keeps).
const awxDisplay = "awx_display"

// isAWXDisplay reports whether name is ansible-runner's callback.
func isAWXDisplay(name string) bool {
	name = strings.TrimSpace(name)
	return name == awxDisplay || name == "ansible_runner.display_callback."+awxDisplay
}

// awaitRunner is how long fjord, its stdout ansible-runner's pty, waits
// at the end of the run for ansible-runner to read its events
// (callback.EventOptions.AwaitReader): ansible-runner reads nothing of a
// child that exits before it first looks, and under load it may first
// look well after fjord, fast, has finished.
const awaitRunner = 10 * time.Second

// runnerEvents is runnerEvents of e's environment; with stdout a
// terminal, ansible-runner's pty, the run waits for ansible-runner to
// read its events before it ends.
func (e *env) runnerEvents() (string, *callback.EventOptions, error) {
	base, o, err := runnerEvents(e.getenv)
	if err == nil && e.isTerminal != nil && e.isTerminal(e.stdout) {
		o.AwaitReader = awaitRunner
	}
	return base, o, err
}

// runnerEvents reads the job event settings ansible-runner puts in the
// environment, and the stdout callback the events wrap.
func runnerEvents(getenv func(string) string) (string, *callback.EventOptions, error) {
	dir := getenv("AWX_ISOLATED_DATA_DIR")
	if dir == "" {
		// ansible-runner always sets it; awx_display fails without it too
		return "", nil, &failure{fmt.Errorf("the %s stdout callback writes job events for ansible-runner and needs AWX_ISOLATED_DATA_DIR, the artifact directory ansible-runner sets", awxDisplay), runner.ExitError}
	}
	adhoc := getenv("AD_HOC_COMMAND_ID") != ""
	base := "default"
	if adhoc {
		base = "minimal"
	}
	if orig := getenv("ORIGINAL_STDOUT_CALLBACK"); orig != "" && !isAWXDisplay(orig) {
		n, err := callbackName(orig)
		if err != nil {
			return "", nil, err
		}
		base = n
	}
	id := func(name string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(getenv(name)))
		return n
	}
	o := &callback.EventOptions{
		Dir:                 dir,
		JobID:               id("JOB_ID"),
		AdHocCommandID:      id("AD_HOC_COMMAND_ID"),
		ProjectUpdateID:     id("PROJECT_UPDATE_ID"),
		OmitEventData:       strings.EqualFold(getenv("RUNNER_OMIT_EVENTS"), "true"),
		OnlyFailedEventData: strings.EqualFold(getenv("RUNNER_ONLY_FAILED_EVENTS"), "true"),
		MaxEventRes:         id("MAX_EVENT_RES"),
		AdHoc:               adhoc,
	}
	return base, o, nil
}
