// Package callback reports a run: the default ansible-playbook layout, JSON
// for machines, and the PLAY RECAP. The engine calls a Sink; a Sink writes
// to the io.Writer it was made with and holds no global state.
package callback

import (
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// Status is a host's outcome for one task (or one loop item).
type Status int

const (
	OK Status = iota
	Changed
	Failed
	Skipped
	Unreachable
)

// Task identifies a task being reported.
type Task struct {
	Name    string // task name as shown: "" means the action name is shown
	Role    string // role name, shown as "role : name"
	Action  string // module name, short for ansible.builtin's
	Written string // the action as written in the task ("ansible.builtin.command")
	// ID tells tasks apart when names repeat: a task run again (serial
	// batches) has the same ID, another task with its name another ID.
	ID      string
	Path    string // "site.yml:12" for -vv "task path:"
	Handler bool   // RUNNING HANDLER instead of TASK
	Check   bool   // task runs in check mode (shown only at -v and up)
	// Include marks include_tasks/include_role: its own ok result prints
	// nothing and counts nothing (the Included event counts instead).
	Include bool
	// Resolved is the action's full name ("ansible.builtin.command"; ""
	// for an include, which resolves to no plugin), and LoopWith the X
	// of a with_X loop; job events carry both.
	Resolved string
	LoopWith string
}

// Play identifies a play.
type Play struct {
	Name  string // as shown; ansible shows the hosts pattern if no name
	Hosts []string
	Check bool
	Path  string // "/abs/site.yml:1", for the JSON callback
	// Pattern is the play's hosts as written, rendered, and ID tells
	// plays apart (a play announced again for each serial batch has the
	// same): job events carry both.
	Pattern, ID string
}

// HostResult is one host's result for one task, or for one loop item.
type HostResult struct {
	Host     string
	Delegate string // "host -> delegate" when delegated elsewhere
	Task     Task
	Status   Status
	Ignored  bool // ignore_errors / ignore_unreachable applied: print "...ignoring"
	// Item results (loops): IsItem is set for each item's line; the final
	// per-task result of a loop comes with IsItem false and Loop true.
	IsItem bool
	Loop   bool
	Label  string         // item label as displayed (loop_control.label or the item)
	Result *value.Map     // the full result dict as registered (msg, rc, stdout, changed, ...)
	NoLog  bool           // censor Result in output
	Diff   []modules.Diff // shown under --diff for changed results; a loop's final result carries its items' diffs
	// Rescued marks a failure that a rescue section catches: the recap
	// counts it as rescued, not failed (see Counter).
	Rescued bool
}

// Stats is one host's PLAY RECAP line.
type Stats struct {
	Host                                                        string
	OK, Changed, Unreachable, Failed, Skipped, Rescued, Ignored int
}

// Sink receives the events of a run, in order. Calls come from one
// goroutine at a time (the engine serialises them).
type Sink interface {
	// PlaybookStart: path is the playbook as given on the command line.
	PlaybookStart(path string)
	PlayStart(p Play)
	TaskStart(t Task)
	HostResult(r *HostResult)
	// Included reports a dynamic include ("included: path for h1, h2").
	Included(path string, hosts []string)
	// IncludedItem is Included for one item of a looped include:
	// "included: path for h1 => (item=label)".
	IncludedItem(path string, hosts []string, label string)
	// Retry reports a failed attempt of a task with until/retries; r.Result
	// holds "attempts" and "retries".
	Retry(r *HostResult)
	// Verbose prints msg when the run is at least that verbose (-v is 1);
	// ansible-playbook's "2 plays in site.yml" is Verbose(2, ...).
	Verbose(level int, msg string)
	// NoHostsMatched: "skipping: no hosts matched".
	NoHostsMatched()
	// NoMoreHosts: "NO MORE HOSTS LEFT" when every host has failed.
	NoMoreHosts()
	Warn(msg string)
	// Recap prints PLAY RECAP; stats come sorted by host name.
	Recap(stats []Stats)
	// Close flushes (the JSON sink writes its document here).
	Close() error
}

// AsyncEvent is what an async task's poll saw (AsyncPoll), or how its
// job ended.
type AsyncEvent int

const (
	AsyncPoll AsyncEvent = iota
	AsyncOK
	AsyncFailed
)

// AsyncSink is a Sink that shows async jobs being polled: ansible's
// v2_runner_on_async_poll, _ok and _failed.
type AsyncSink interface {
	Async(ev AsyncEvent, r *HostResult)
}

// HostStartSink is a Sink told when a task begins on a host, before its
// result: ansible's v2_runner_on_start.
type HostStartSink interface {
	HostStart(host string, t Task)
}

// NotifySink is a Sink told when a host's result notifies a handler not
// yet notified for it: ansible's v2_playbook_on_notify.
type NotifySink interface {
	Notify(handler, host string)
}

// FileDiffSink is a Sink that can print a result's diff apart, before
// the result: ansible's v2_on_file_diff. Given the result again with its
// Diff taken out, its HostResult prints the rest.
type FileDiffSink interface {
	FileDiff(r *HostResult)
}

// Nop is a Sink that prints nothing; embed it to implement only some events.
type Nop struct{}

func (Nop) PlaybookStart(string)                  {}
func (Nop) PlayStart(Play)                        {}
func (Nop) TaskStart(Task)                        {}
func (Nop) HostResult(*HostResult)                {}
func (Nop) Included(string, []string)             {}
func (Nop) IncludedItem(string, []string, string) {}
func (Nop) Retry(*HostResult)                     {}
func (Nop) Verbose(int, string)                   {}
func (Nop) NoHostsMatched()                       {}
func (Nop) NoMoreHosts()                          {}
func (Nop) Warn(string)                           {}
func (Nop) Recap([]Stats)                         {}
func (Nop) Close() error                          { return nil }

var _ Sink = Nop{}
