package runner

import (
	"context"
	"strings"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/runner/callback"
)

// takeStep is --step's question before a task, as ansible's strategy
// asks it (_take_step): the task's name as written, then the question
// again as a banner. y runs the task, c runs it and stops asking for the
// rest of the batch, anything else skips it. No answer (end of input)
// breaks the run as ansible's EOFError does: the recap, exit code 2.
// Under the free strategy each host is asked for separately, its name
// in the question, one question at a time.
func (ex *executor) takeStep(ctx context.Context, t *playbook.Task, hosts hostSet) bool {
	r := ex.r
	ex.pr.stepMu.Lock()
	defer ex.pr.stepMu.Unlock()
	if ex.pr.stepDone || ex.pr.stepBroke {
		return !ex.pr.stepBroke
	}
	kind := "TASK"
	if t.Handler {
		kind = "HANDLER"
	}
	msg := "Perform task: " + kind + ": " + taskGetName(t) + " "
	if (ex.pr.strategy == "free" || ex.pr.strategy == "host_pinned") && len(hosts) == 1 {
		msg += "on " + hosts[0].name + " "
	}
	msg += "(N)o/(y)es/(c)ontinue: "
	resp, err := r.input(ctx, msg)
	if err != nil {
		ex.pr.endPlay = true
		// Ctrl+C is the run's interruption; end of input breaks the run
		ex.pr.stepBroke = ctx.Err() == nil
		return false
	}
	run := false
	switch strings.ToLower(resp) {
	case "y", "yes":
		run = true
	case "c", "continue":
		run = true
		ex.pr.stepDone = true
	}
	r.write(callback.BannerText(msg, 0))
	return run
}
