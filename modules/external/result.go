package external

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/modules"
	"github.com/fjord-run/fjord/value"
)

// parseResult reads what the module printed into the task's result, as
// ActionBase._parse_returned_data and _execute_module do.
func parseResult(env *modules.Env, j *job, res *connection.Result) *modules.Result {
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	data, junk, err := decodeOutput(stdout)
	switch {
	case env.Async && err != nil:
		data = asyncFailure(stdout, stderr)
	case env.Async:
		// async_wrapper adds the junk to the module's warnings and keeps
		// its stderr.
		if len(junk) > 0 {
			ws, _ := get(data, "warnings").([]any)
			if w := get(data, "warnings"); w != nil && ws == nil {
				ws = []any{w}
			}
			for _, w := range junk {
				ws = append(ws, w)
			}
			data.Set("warnings", ws)
		}
		if stderr != "" {
			data.Set("stderr", stderr)
		}
	default:
		for _, w := range junk {
			if env.Warn != nil {
				env.Warn(w)
			}
		}
		if err != nil {
			data = moduleFailure(j, stdout, stderr, res.RC)
		}
	}
	if err == nil {
		for _, k := range data.Keys() {
			if strings.HasPrefix(k, "_ansible_") && k != "_ansible_parsed" || k == "add_host" || k == "add_group" {
				if env.Warn != nil {
					env.Warn(fmt.Sprintf("Removed unexpected internal key in module return: %s = %s", k, value.Repr(get(data, k))))
				}
				data.Delete(k)
			}
		}
	}
	// ActionBase marks what it could read (an async job's record always
	// is); a rescue's ansible_failed_result shows the mark.
	data.Set("_ansible_parsed", err == nil || env.Async)
	if f, ok := get(data, "ansible_facts").(*value.Map); ok {
		for _, k := range f.Keys() {
			if strings.HasPrefix(k, "discovered_interpreter_") || strings.HasPrefix(k, "ansible_discovered_interpreter_") {
				f.Delete(k)
			}
		}
		warnRestrictedFacts(f, env.Warn)
	}
	if r, ok := data.Get("results"); ok {
		if _, list := r.([]any); !list {
			data.Delete("results")
			data.Set("ansible_module_results", r)
			if env.Warn != nil {
				env.Warn("Found internal 'results' key in module return, renamed to 'ansible_module_results'.")
			}
		}
	}
	for _, k := range []string{"stdout", "stderr"} {
		if v, ok := data.Get(k); ok {
			if _, has := data.Get(k + "_lines"); !has {
				data.Set(k+"_lines", splitLines(value.String(v)))
			}
		}
	}
	if in := j.interp; in != nil && in.Discovered {
		f, _ := get(data, "ansible_facts").(*value.Map)
		if f == nil {
			f = value.NewMap(1)
			data.Set("ansible_facts", f)
		}
		f.Set("discovered_interpreter_python", in.Path)
		if len(in.Warnings) > 0 {
			ws, _ := get(data, "warnings").([]any)
			for _, w := range in.Warnings {
				ws = append(ws, w)
			}
			data.Set("warnings", ws)
		}
	}
	return toResult(data)
}

// toResult is the module's return as fjord's result: failed when it says
// so, or (with no failed key) when its rc is not 0, as TaskExecutor
// decides.
func toResult(data *value.Map) *modules.Result {
	r := &modules.Result{Data: data}
	r.Changed = value.Truthy(get(data, "changed"))
	if f, ok := data.Get("failed"); ok {
		r.Failed = value.Truthy(f)
	} else if rc, ok := data.Get("rc"); ok {
		r.Failed = value.String(rc) != "0"
	}
	r.Skipped = value.Truthy(get(data, "skipped"))
	r.Diff = diffs(get(data, "diff"))
	if m, ok := data.Get("msg"); ok {
		if s, ok := m.(string); ok {
			r.Msg = s
		}
	}
	return r
}

// diffs are a module's diff (one or a list of before/after mappings) as
// the callback shows them: a mapping side as sorted, indented JSON.
func diffs(v any) []modules.Diff {
	var list []any
	switch v := v.(type) {
	case *value.Map:
		list = []any{v}
	case []any:
		list = v
	}
	var out []modules.Diff
	for _, e := range list {
		m, ok := e.(*value.Map)
		if !ok {
			continue
		}
		d := modules.Diff{Before: diffSide(get(m, "before")), After: diffSide(get(m, "after")),
			BeforeHeader: value.String(get(m, "before_header")), AfterHeader: value.String(get(m, "after_header"))}
		if p, ok := m.Get("prepared"); ok {
			d = modules.Diff{Prepared: value.String(p)}
		}
		out = append(out, d)
	}
	return out
}

func diffSide(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	b, err := value.AppendPyJSON(nil, v, value.PyJSONOptions{Indent: 4, SortKeys: true, ItemSep: ",", KeySep: ": ", Default: value.StringDefault})
	if err != nil {
		return value.String(v)
	}
	return string(b) + "\n"
}

// moduleFailure is the result of a module whose output is not JSON.
func moduleFailure(j *job, stdout, stderr string, rc int) *value.Map {
	data := value.NewMap(7)
	data.Set("failed", true)
	data.Set("module_stdout", stdout)
	data.Set("module_stderr", stderr)
	if strings.HasPrefix(stderr, "Traceback") {
		data.Set("exception", stderr)
	} else if strings.HasPrefix(stdout, "Traceback") {
		data.Set("exception", stdout)
	}
	msg := "MODULE FAILURE"
	if j.interp != nil {
		re := regexp.MustCompile(regexp.QuoteMeta(j.interp.Path) + `: (?:No such file or directory|not found)`)
		if re.MatchString(stderr) || re.MatchString(stdout) {
			msg = "The module failed to execute correctly, you probably need to set the interpreter."
		}
	}
	data.Set("msg", msg+"\nSee stdout/stderr for the exact error")
	data.Set("rc", rc)
	return data
}

// asyncFailure is async_wrapper's record of a module whose output is not
// JSON: the output under data, its stderr, and the parse error as msg.
func asyncFailure(stdout, stderr string) *value.Map {
	d := value.NewMap(4)
	d.Set("failed", 1) // async_wrapper writes 1
	d.Set("data", stdout)
	d.Set("stderr", stderr)
	d.Set("msg", "Traceback (most recent call last):\njson.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n")
	return d
}

// decodeOutput is _filter_non_json_lines(objects_only=True) and
// json.loads: the output from its first line starting with "{" to its
// last line ending with "}"; junk after it is reported.
func decodeOutput(out string) (*value.Map, []string, error) {
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "{") {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, nil, errors.New("No start of json char found")
	}
	lines = lines[start:]
	end := -1
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasSuffix(strings.TrimSpace(lines[i]), "}") {
			end = i
			break
		}
	}
	if end < 0 {
		return nil, nil, errors.New("No end of json char found")
	}
	var warnings []string
	if trailing := lines[end+1:]; len(trailing) > 0 && strings.TrimSpace(strings.Join(trailing, "")) != "" {
		warnings = append(warnings, "Module invocation had junk after the JSON data: "+strings.Join(trailing, "\n"))
	}
	v, err := value.FromJSON([]byte(strings.Join(lines[:end+1], "\n")))
	if err != nil {
		return nil, warnings, err
	}
	m, ok := v.(*value.Map)
	if !ok {
		return nil, warnings, errors.New("module output is not a JSON object")
	}
	return m, warnings, nil
}

// splitLines is Python's str.splitlines for the line breaks modules print.
func splitLines(s string) []any {
	out := []any{}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		out = append(out, l)
	}
	if s == "" {
		return []any{}
	}
	return out
}
