package modules

import (
	"slices"

	"github.com/fjord-run/fjord/value"
)

// The copy action's result (copy and template), as ansible's copy action
// plugin builds it and register keeps it: the action starts its result
// with an empty diff list, then takes in the keys of whichever module
// ran. A loop over the result, to_json or dict2items shows the order.

// copyDiffList is the action's diff: what --diff computed, one entry
// per file, each with only the keys ansible's _get_diff_data sets (a
// before_header only when the destination existed); empty without
// --diff.
func copyDiffList(ds []Diff) []any {
	out := make([]any, 0, len(ds))
	for _, d := range ds {
		m := value.NewMap(4)
		if d.Prepared != "" {
			m.Set("prepared", d.Prepared)
		} else {
			if d.BeforeHeader != "" {
				m.Set("before_header", d.BeforeHeader)
			}
			m.Set("before", d.Before)
			m.Set("after_header", d.AfterHeader)
			m.Set("after", d.After)
		}
		out = append(out, m)
	}
	return out
}

// copyModuleKeys are the copy module's own keys in its result, in order
// (the file module's, when the content was there, lacks them).
var copyModuleKeys = []string{"dest", "src", "md5sum", "checksum"}

// copyChecked is a check run's result for content that would change: the
// action returns before any module runs, with its diff alone.
func copyChecked(r *Result) {
	r.Data = value.NewMap(2)
	r.Data.Set("diff", copyDiffList(r.Diff))
}

// copyWritten is the result after the copy module wrote the file: the
// diff list, the module's dest, src, md5sum and checksum, changed, then
// backup_file and the file's attributes.
func copyWritten(r *Result) {
	out := value.NewMap(r.Data.Len() + 2)
	out.Set("diff", copyDiffList(r.Diff))
	for _, k := range copyModuleKeys {
		if v, ok := r.Data.Get(k); ok {
			out.Set(k, v)
		}
	}
	out.Set("changed", r.Changed)
	setRest(out, r.Data)
	r.Data = out
}

// copySame is the result when the content was already there and the
// action ran the file module for the attributes: the file module's diff
// (a dict, whether or not --diff is on), path, changed and the
// attributes, then the action's checksum and dest.
func copySame(r *Result, dest string, plan *attrPlan) {
	out := value.NewMap(r.Data.Len() + 3)
	out.Set("diff", value.MapOf("before", diffSide(withPath(plan.before, dest)),
		"after", diffSide(withPath(plan.after, dest))))
	out.Set("path", dest)
	out.Set("changed", r.Changed)
	for _, k := range r.Data.Keys() {
		if slices.Contains(copyModuleKeys, k) {
			continue
		}
		v, _ := r.Data.Get(k)
		out.Set(k, v)
	}
	if v, ok := r.Data.Get("checksum"); ok {
		out.Set("checksum", v)
	}
	out.Set("dest", dest)
	r.Data = out
}
