package modules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

func init() {
	Register(Info{
		ID: "ansible.builtin.script", Aliases: []string{"script"},
		New: func() Module { return &Script{} }, FreeForm: "_raw_params", CheckMode: true,
	})
}

// Script runs a controller-side script on the host: found like copy's
// src (files/ of the role or playbook), sent on stdin into a temporary
// file, made executable, run with its arguments, and removed, all in one
// round trip. The script's own stdin is empty.
type Script struct {
	// RawParams is the free-form script path and its arguments.
	RawParams string `arg:"_raw_params"`
	// Cmd is the script path and its arguments, instead of the free form.
	Cmd string `arg:"cmd"`
	// Chdir is the host directory the script runs in.
	Chdir string `arg:"chdir,path"`
	// Creates skips the script when this host path exists.
	Creates string `arg:"creates,path"`
	// Removes skips the script when this host path does not exist.
	Removes string `arg:"removes,path"`
	// Executable is the interpreter that runs the script.
	Executable string `arg:"executable"`
	// Decrypt decrypts a vault-encrypted script.
	Decrypt bool `arg:"decrypt,default=true"`
}

// Validate implements Validator.
func (m *Script) Validate() error {
	if strings.TrimSpace(m.RawParams) == "" && strings.TrimSpace(m.Cmd) == "" {
		return errors.New("script: no script given (free form or cmd)")
	}
	return nil
}

// Run implements Module.
func (m *Script) Run(ctx context.Context, env *Env) (*Result, error) {
	src := m.Cmd
	if src == "" {
		src = m.RawParams
	}
	words, err := value.ShlexSplit(src, false)
	if err != nil || len(words) == 0 {
		return Failf("script: cannot parse %q", src), nil
	}
	r := &Result{}
	if p, why, skip, err := createsRemoves(ctx, env, m.Creates, m.Removes, m.Chdir); err != nil {
		return nil, err
	} else if skip {
		// ansible's script action skips itself (AnsibleActionSkip):
		// its message, no rc.
		opt := "creates"
		if why != "exists" {
			opt = "removes"
		}
		r.Skipped = true
		r.Msg = fmt.Sprintf("%s %s, matching %s option", p, why, opt)
		return r, nil
	}
	local, err := findFile(env, "files", words[0])
	if err != nil {
		return Failf("Could not find or access '%s' on the Ansible Controller.", words[0]), nil
	}
	f, err := os.Open(local)
	if err != nil {
		return Failf("Could not find or access '%s' on the Ansible Controller.", words[0]), nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.IsDir() {
		return Failf("script: %s is not a file", local), nil
	}
	if env.Check {
		// A script cannot predict itself: creates/removes already said
		// it would run; without them there is nothing to go on.
		cmd := make([]any, len(words))
		for i, w := range words {
			cmd[i] = w
		}
		cmd[0] = local
		wouldRun(env, r, cmd, m.Chdir, m.Creates, m.Removes)
		if m.Creates != "" || m.Removes != "" {
			r.Changed = true
			return r, nil
		}
		r.Skipped = true
		r.Msg = "This action does not support check mode."
		return r.Set("msg", r.Msg), nil
	}
	run := `"$t"`
	if m.Executable != "" {
		run = m.Executable + ` "$t"`
	}
	if len(words) > 1 {
		// The arguments keep the shell syntax they were written with.
		run += " " + strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(src), rawFirstWord(src)))
	}
	cd := ""
	if m.Chdir != "" {
		cd = "cd " + connection.Quote(m.Chdir) + " || exit 1\n"
	}
	// A script cut short by a dropped connection must not run: it is
	// checked against the bytes sent before it is made executable.
	stdin, up, err := connection.Measure(f)
	if err != nil {
		return Failf("script: %s", err), nil
	}
	script := "f=" + connection.Quote(words[0]) + "; d=${TMPDIR:-/tmp}\n" + connection.RecvScript(up, 1) +
		"chmod 700 \"$t\" || exit 1\n" + cd + run + " </dev/null\n"
	res, err := env.Conn.Exec(ctx, &connection.Cmd{Command: script, Stdin: stdin, Env: env.Environment, Become: env.Become})
	if err != nil {
		return nil, err
	}
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	r.Changed = true
	r.Set("rc", res.RC).Set("stdout", stdout).Set("stderr", stderr).
		Set("stdout_lines", lines(stdout)).Set("stderr_lines", lines(stderr))
	if res.RC != 0 {
		r.Failed = true
		r.Msg = "non-zero return code"
		r.Set("msg", r.Msg)
	}
	return r, nil
}

// rawFirstWord is the first word of s as written (quotes included).
func rawFirstWord(s string) string {
	s = strings.TrimSpace(s)
	inS, inD := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && !inS:
			i++
		case c == '\'' && !inD:
			inS = !inS
		case c == '"' && !inS:
			inD = !inD
		case (c == ' ' || c == '\t') && !inS && !inD:
			return s[:i]
		}
	}
	return s
}

var _ Module = (*Script)(nil)
var _ Validator = (*Script)(nil)
