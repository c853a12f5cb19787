package connection

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// Quote returns s as one POSIX shell word in single quotes.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if safeWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

var safeWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Script turns a Cmd into the single shell command line to hand to
// /bin/sh -c on the host, plus the stdin to feed it: the environment is
// exported and the directory changed inside the (possibly escalated) shell,
// so sudo's environment reset cannot drop them, and a become password is
// fed on stdin ahead of the command's own input. connUser is the user the
// connection runs as ("" if unknown), used to skip a no-op root→root
// escalation.
func Script(cmd *Cmd, connUser string) (string, io.Reader, error) {
	var b strings.Builder
	if len(cmd.Env) > 0 {
		keys := make([]string, 0, len(cmd.Env))
		for k := range cmd.Env {
			if !envName.MatchString(k) {
				return "", nil, fmt.Errorf("invalid environment variable name %q", k)
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s=%s; export %s; ", k, Quote(cmd.Env[k]), k)
		}
	}
	if cmd.Dir != "" {
		fmt.Fprintf(&b, "cd %s || exit 1; ", Quote(cmd.Dir))
	}
	b.WriteString(cmd.Command)
	script := b.String()
	stdin := cmd.Stdin
	if cmd.Become == nil {
		return script, stdin, nil
	}
	wrapped, pw, err := BecomeCommand(cmd.Become, connUser, script)
	if err != nil {
		return "", nil, err
	}
	if pw != "" {
		pr := strings.NewReader(pw + "\n")
		if stdin == nil {
			stdin = pr
		} else {
			stdin = io.MultiReader(pr, stdin)
		}
	}
	return wrapped, stdin, nil
}

// BecomeCommand wraps a shell command so that it runs as b.User. It
// returns the wrapped command and the password to write on its stdin
// first ("" for none). The password never appears in the command.
func BecomeCommand(b *Become, connUser, command string) (string, string, error) {
	user := b.User
	if user == "" {
		user = "root"
	}
	method := b.Method
	if method == "" {
		method = "sudo"
	}
	switch method {
	case "sudo":
		if connUser == "root" && user == "root" {
			return command, "", nil
		}
		exe := b.Exe
		if exe == "" {
			exe = "sudo"
		}
		flags := b.Flags
		if flags == "" {
			flags = "-H -S -n"
		}
		var w bytes.Buffer
		w.WriteString(exe)
		w.WriteByte(' ')
		if b.Password != "" {
			// -n refuses to prompt; with a password we want sudo to read it
			// from stdin (-S) with an empty prompt so stderr stays clean.
			flags = strings.Join(removeWord(strings.Fields(flags), "-n"), " ")
			if !strings.Contains(" "+flags+" ", " -S ") {
				flags += " -S"
			}
			w.WriteString(flags)
			w.WriteString(" -p ''")
		} else {
			w.WriteString(flags)
		}
		fmt.Fprintf(&w, " -u %s /bin/sh -c %s", Quote(user), Quote(command))
		return w.String(), b.Password, nil
	case "su":
		if connUser == user {
			return command, "", nil
		}
		exe := b.Exe
		if exe == "" {
			exe = "su"
		}
		flags := b.Flags
		var w strings.Builder
		w.WriteString(exe)
		if flags != "" {
			w.WriteString(" " + flags)
		}
		fmt.Fprintf(&w, " -s /bin/sh %s -c %s", Quote(user), Quote(command))
		return w.String(), b.Password, nil
	}
	return "", "", fmt.Errorf("become method %q is not supported", method)
}

func removeWord(ws []string, w string) []string {
	out := ws[:0:0]
	for _, x := range ws {
		if x != w {
			out = append(out, x)
		}
	}
	return out
}
