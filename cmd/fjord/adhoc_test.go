package main

import (
	"reflect"
	"testing"

	"github.com/fjord-run/fjord/runner"
)

// TestAdhocOptions: invoked as ansible, the binary is `fjord adhoc`; its
// -t is the tree, -o picks the oneline callback, -P defaults to
// poll_interval, and the pattern may come anywhere.
func TestAdhocOptions(t *testing.T) {
	te := newTestEnv(t)
	te.vars["ANSIBLE_POLL_INTERVAL"] = "3"
	code := te.main(t.Context(), []string{"/usr/bin/ansible", "-i", "inv", "-m", "shell", "web", "-a", "echo -n hi",
		"-o", "-t", "tree", "-B", "30", "-CD", "-e", "x=1", "-bK", "--task-timeout", "9"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, te.errOut.String())
	}
	o := te.got
	if o.Adhoc == nil {
		t.Fatalf("no ad hoc task in %+v", o)
	}
	a := *o.Adhoc
	a.Tree = "" // made absolute
	want := runner.Adhoc{Pattern: "web", Module: "shell", Args: "echo -n hi", Background: 30, Poll: 3, TaskTimeout: 9}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("Adhoc = %+v, want %+v", a, want)
	}
	if o.Adhoc.Tree == "" || o.Callback != "oneline" || !o.Check || !o.Diff || !o.Become || o.Playbooks != nil {
		t.Errorf("options %+v", o)
	}
}

// TestAdhocDefaults: -m is command, the callback minimal, whatever
// stdout_callback says unless bin_ansible_callbacks is on.
func TestAdhocDefaults(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ANSIBLE_STDOUT_CALLBACK": "json"}, "minimal"},
		{map[string]string{"ANSIBLE_STDOUT_CALLBACK": "json", "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1"}, "json"},
	} {
		te := newTestEnv(t)
		te.vars = tc.env
		if code := te.main(t.Context(), []string{"fjord", "adhoc", "all"}); code != 0 {
			t.Fatalf("exit %d: %s", code, te.errOut.String())
		}
		if te.got.Adhoc.Module != "command" || te.got.Callback != tc.want {
			t.Errorf("%v: module %q, callback %q, want command and %s", tc.env, te.got.Adhoc.Module, te.got.Callback, tc.want)
		}
	}
}

func TestAdhocArguments(t *testing.T) {
	for _, argv := range [][]string{{"fjord", "adhoc"}, {"fjord", "adhoc", "a", "b"}} {
		te := newTestEnv(t)
		if code := te.main(t.Context(), argv); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", argv, code, exitUsage)
		}
	}
}
