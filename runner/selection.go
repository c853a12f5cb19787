package runner

// What selects a task: the conditions it inherits and the tags it
// carries, matched against --tags and --skip-tags.

import "github.com/fjord-run/fjord/playbook"

// whens gathers the conditions of the task and every enclosing block.
func whens(t *playbook.Task) []any {
	var out []any
	var chain [][]any
	for b := t.Parent; b != nil; b = b.Parent {
		chain = append(chain, b.Kw.When)
	}
	// an import_playbook's when is on its plays' tasks and fact
	// gathering, not on their handlers (ansible prepends it to each block)
	if !t.Handler && t.Play != nil {
		out = append(out, t.Play.Kw.When...)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i]...)
	}
	return append(out, t.Kw.When...)
}

// effectiveTags is the union of the task's tags and its ancestors'.
func effectiveTags(t *playbook.Task, play *playbook.Play) []string {
	tags := append([]string(nil), t.Kw.Tags...)
	for b := t.Parent; b != nil; b = b.Parent {
		tags = append(tags, b.Kw.Tags...)
	}
	if play != nil {
		tags = append(tags, play.Kw.Tags...)
	}
	return tags
}

// tagsMatch decides whether --tags/--skip-tags select a task with tags.
func (r *run) tagsMatch(tags []string) bool {
	has := func(s string) bool {
		for _, t := range tags {
			if t == s {
				return true
			}
		}
		return false
	}
	only, skip := r.o.Tags, r.o.SkipTags
	if len(skip) > 0 {
		for _, s := range skip {
			if has(s) || (s == "all" && !has("always")) || (s == "tagged" && len(tags) > 0 && !has("always")) || (s == "untagged" && len(tags) == 0) {
				return false
			}
		}
	}
	if len(only) == 0 {
		return !has("never")
	}
	if has("always") {
		return true
	}
	for _, o := range only {
		switch o {
		case "all":
			if !has("never") {
				return true
			}
		case "tagged":
			if len(tags) > 0 && !has("never") {
				return true
			}
		case "untagged":
			if len(tags) == 0 {
				return true
			}
		default:
			if has(o) {
				return true
			}
		}
	}
	return false
}
