package callback

import (
	"fmt"

	"github.com/fjord-run/fjord/dryrun"
)

// DryRunHost is one host's part of a check run's summary.
type DryRunHost struct {
	Host  string        `json:"host"`
	Notes []dryrun.Note `json:"notes"`
}

// DryRunSink is a Sink that shows a check run's summary, after the
// recap.
type DryRunSink interface {
	DryRun(hosts []DryRunHost)
}

// DryRun prints the summary of a --check --diff run after the recap:
// per host, the tasks that would change, the commands that would run,
// the results predicted from earlier tasks, and the tasks that depend on
// what the check run cannot know. Without --diff nothing is printed, so
// that a plain --check prints what ansible-playbook prints.
func (s *defaultSink) DryRun(hosts []DryRunHost) {
	if !s.o.Diff {
		return
	}
	s.banner("DRY RUN SUMMARY")
	for _, h := range hosts {
		n := map[string]int{}
		for _, note := range h.Notes {
			n[note.Kind]++
		}
		s.display(s.w, fmt.Sprintf("%s: %s would change, %s would run, %s predicted from earlier tasks, %s with an unknown outcome",
			h.Host, plural(n[dryrun.Change], "task"), plural(n[dryrun.Command], "command"),
			plural(n[dryrun.Predicted], "result"), plural(n[dryrun.Unknown], "task")), "")
		for _, note := range h.Notes {
			var line string
			switch note.Kind {
			case dryrun.Change:
				line = "  would change: " + note.Task
				if note.Text != "" {
					line += " (" + note.Text + ")"
				}
			case dryrun.Command:
				line = fmt.Sprintf("  would run: %s  [%s]", note.Text, note.Task)
			case dryrun.Predicted:
				line = fmt.Sprintf("  predicted: %s: %s", note.Task, note.Text)
			case dryrun.Unknown:
				line = fmt.Sprintf("  would run, outcome unknown: %s (%s)", note.Task, note.Text)
			}
			s.display(s.w, line, "")
		}
	}
	s.display(s.w, "", "")
}

// TaskName is a task's name as the callbacks show it: "role : name", or
// its action when it has no name.
func TaskName(t Task) string { return taskName(t) }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
