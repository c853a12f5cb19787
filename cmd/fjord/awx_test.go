package main

import (
	"bytes"
	"io"
	"testing"
)

func TestRunnerEvents(t *testing.T) {
	getenv := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, _, err := runnerEvents(getenv(nil)); err == nil {
		t.Error("awx_display without AWX_ISOLATED_DATA_DIR: no error")
	}
	base, o, err := runnerEvents(getenv(map[string]string{"AWX_ISOLATED_DATA_DIR": "/a", "JOB_ID": "12",
		"RUNNER_OMIT_EVENTS": "True", "MAX_EVENT_RES": "10", "ORIGINAL_STDOUT_CALLBACK": "ansible.posix.json"}))
	if err != nil || base != "json" || o.Dir != "/a" || o.JobID != 12 || !o.OmitEventData || o.OnlyFailedEventData ||
		o.MaxEventRes != 10 || o.AdHoc {
		t.Errorf("runnerEvents = %q, %+v, %v", base, o, err)
	}
	base, o, _ = runnerEvents(getenv(map[string]string{"AWX_ISOLATED_DATA_DIR": "/a", "AD_HOC_COMMAND_ID": "1"}))
	if base != "minimal" || !o.AdHoc || o.AdHocCommandID != 1 {
		t.Errorf("ad hoc: %q, %+v", base, o)
	}
	if _, _, err := runnerEvents(getenv(map[string]string{"AWX_ISOLATED_DATA_DIR": "/a", "ORIGINAL_STDOUT_CALLBACK": "nosuch"})); err == nil {
		t.Error("an ORIGINAL_STDOUT_CALLBACK fjord does not have: no error")
	}
	// stdout ansible-runner's pty: the run waits for ansible-runner to
	// read its events; a pipe (runner_mode subprocess): it does not
	for _, tty := range []bool{true, false} {
		e := &env{stdout: &bytes.Buffer{}, getenv: getenv(map[string]string{"AWX_ISOLATED_DATA_DIR": "/a"}),
			isTerminal: func(io.Writer) bool { return tty }}
		_, o, err := e.runnerEvents()
		if err != nil {
			t.Fatal(err)
		}
		if (o.AwaitReader > 0) != tty {
			t.Errorf("stdout a terminal %v: AwaitReader %v", tty, o.AwaitReader)
		}
	}
}
