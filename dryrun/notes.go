package dryrun

import (
	"regexp"
	"sort"
)

// Kinds of Note.
const (
	// Change: the task would change the host.
	Change = "change"
	// Command: the task would run a command (Text is it).
	Command = "command"
	// Unknown: the task uses a result the check run cannot know (Text
	// names it): its outcome in the real run may differ.
	Unknown = "unknown"
	// Predicted: the task's result comes from what earlier tasks would
	// have done, not from the host as it is (Text says what).
	Predicted = "predicted"
)

// A Note is one line of a check run's summary for a host.
type Note struct {
	Kind string `json:"kind"`
	Task string `json:"task"`
	Text string `json:"text,omitempty"`
}

// Note adds a line to the host's summary.
func (s *State) Note(kind, task, text string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes = append(s.notes, Note{Kind: kind, Task: task, Text: text})
}

// Notes are the host's summary lines in the order the tasks ran.
func (s *State) Notes() []Note {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Note(nil), s.notes...)
}

// Unknowable records a variable registered from a result the check run
// could not know (a command that did not run).
func (s *State) Unknowable(name string) {
	if s == nil || name == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unknown == nil {
		s.unknown = map[string]bool{}
	}
	s.unknown[name] = true
}

// Known records that a variable was registered again from a result the
// run knows.
func (s *State) Known(name string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.unknown, name)
}

var identRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// Uses returns the unknowable variables that the texts (a task's
// conditions and arguments as written) name, sorted.
func (s *State) Uses(texts ...string) []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.unknown) == 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, t := range texts {
		for _, w := range identRE.FindAllString(t, -1) {
			if s.unknown[w] {
				seen[w] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// IsUnknowable says whether a variable is registered from a result the
// run could not know.
func (s *State) IsUnknowable(name string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unknown[name]
}
