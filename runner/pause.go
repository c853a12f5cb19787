package runner

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/value"
)

// clearLine is what ansible's pause writes to clear the line: an ESC [
// before each of curses' cr and el, as its clear_line does.
const clearLine = "\x1b[\r\x1b[\x1b[K"

// taskGetName is ansible's Task.get_name: "role : name", the name, or
// the action as written; untemplated. HANDLER/TASK prefixes are the
// caller's.
func taskGetName(t *playbook.Task) string {
	name := t.Name
	if name == "" {
		name = actionShown(t)
	}
	if t.Role != nil {
		return t.Role.Role.FQName() + " : " + name
	}
	return name
}

// actPause is ansible's pause action: a fixed wait (seconds, minutes)
// that Ctrl+C then C ends early, or a prompt answered with Enter; keys
// are read from the terminal in raw mode, as ansible does, so the
// terminal's own echo shows what is typed.
func actPause(ctx context.Context, tc *taskCtx) *value.Map {
	args, err := tc.args()
	if err != nil {
		return failResult(tc.sc.explain(err, tc.t))
	}
	r := tc.ex.r
	echo := true
	if v, ok := args.Get("echo"); ok {
		b, ok := value.Boolean(v)
		if !ok {
			return failResult(fmt.Sprintf("argument 'echo' is of type %s and we were unable to convert to bool: The value '%s' is not a valid boolean.  Valid booleans include: 'y', 'yes', 'on', '1', 'true', 't', 'n', 'no', 'off', '0', 'false', 'f'", value.TypeName(v), value.String(v)))
		}
		echo = b
	}
	_, hasMin := args.Get("minutes")
	_, hasSec := args.Get("seconds")
	if hasMin && hasSec {
		return failResult("parameters are mutually exclusive: minutes|seconds")
	}
	seconds := -1 // none: wait for Enter
	unit := "minutes"
	for _, k := range []string{"minutes", "seconds"} {
		v, ok := args.Get(k)
		if !ok || v == nil {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(value.String(v)), 64)
		if err != nil {
			return failResult(fmt.Sprintf("argument '%s' is of type %s and we were unable to convert to int: %s cannot be converted to an int", k, value.TypeName(v), value.TypeName(v)))
		}
		seconds = int(f) // ansible's int(): 1.5 is 1
		if k == "minutes" {
			seconds *= 60
		} else {
			unit = "seconds"
		}
	}
	hidden := ""
	if !echo {
		hidden = " (output is hidden)"
	}
	text := "Press enter to continue, Ctrl+C to interrupt"
	if v, ok := args.Get("prompt"); ok && v != nil && value.String(v) != "" {
		text = value.String(v)
	}
	prompt := fmt.Sprintf("[%s]\n%s%s:", strings.TrimSpace(taskGetName(tc.t)), text, hidden)

	res := value.NewMap(12)
	res.Set("changed", false)
	res.Set("failed", false)
	res.Set("rc", 0)
	res.Set("stderr", "")
	res.Set("stdout", "")
	res.Set("echo", echo)
	start := time.Now()
	res.Set("start", pyDatetime(start))
	var input []byte
	var deadline time.Time
	if seconds >= 0 {
		if seconds < 1 {
			seconds = 1
		}
		deadline = start.Add(time.Duration(seconds) * time.Second)
		r.write(fmt.Sprintf("Pausing for %d seconds%s\n", seconds, hidden))
		r.write("(ctrl+C then 'C' = continue early, ctrl+C then 'A' = abort)\r\n")
		if p, ok := args.Get("prompt"); ok && p != nil && value.String(p) != "" {
			r.write(prompt + "\n")
		}
	} else {
		r.write(prompt + "\n")
	}
	abort := false
	var rt *rawTerm
	if interactive(r.o.Stdin) {
		rt, err = makeRaw(r.o.Stdin, stdoutFile(r), seconds < 0 && echo)
		if err != nil {
			rt = nil
		}
	}
	if rt == nil {
		if seconds < 0 {
			if err := r.warner.WarnInWorker("Not waiting for response to prompt as stdin is not interactive"); err != nil {
				r.log.Warn("writing a warning", "err", err)
			}
		} else {
			select {
			case <-ctx.Done():
			case <-time.After(time.Until(deadline)):
			}
		}
	} else {
	keys:
		for {
			k, ok := rt.readKey(deadline, ctx.Done())
			if !ok {
				break
			}
			if k == rt.intr {
				r.write(clearLine)
				r.write("Press 'C' to continue the play or 'A' to abort \r\n")
				for {
					k, ok := rt.readKey(time.Time{}, ctx.Done())
					if !ok {
						break keys
					}
					switch k {
					case 'c', 'C':
						r.write(clearLine)
						break keys
					case 'a', 'A':
						r.write(clearLine)
						abort = true
						break keys
					}
				}
			}
			if seconds >= 0 {
				continue
			}
			switch {
			case k == '\r' || k == '\n':
				r.write(clearLine)
				break keys
			case k == rt.del:
				if len(input) > 0 {
					input = input[:len(input)-1]
				}
				r.write(clearLine)
				if echo {
					r.write(string(input))
				}
			default:
				input = append(input, k)
			}
		}
		rt.restore()
	}
	d := time.Since(start)
	if abort {
		m := value.NewMap(2)
		m.Set("failed", true)
		m.Set("msg", "user requested abort!")
		return m
	}
	res.Set("stop", pyDatetime(time.Now()))
	res.Set("delta", int(d.Seconds()))
	shown := d.Seconds()
	if unit == "minutes" {
		shown /= 60
	}
	res.Set("stdout", fmt.Sprintf("Paused for %s %s", pyFloat(math.Round(shown*100)/100), unit))
	res.Set("user_input", string(input))
	return res
}

// pyDatetime is str() of Python's datetime.now().
func pyDatetime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// pyFloat is repr() of a Python float.
func pyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}
