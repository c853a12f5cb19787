package connection

import (
	"context"
	"fmt"
	"strings"

	"github.com/fjord-run/fjord/connection/hosthelper"
)

// Probe is a program run beside a stat when the host has it (command -v
// finds it): its stdout is kept, its stderr and exit status dropped.
type Probe struct {
	Name string   // the section's name in the output
	Argv []string // the program and its arguments
}

// StatProbes stats p (as StatScript) and runs each probe, in one round
// trip: the Result's stdout is the stat lines, then for each probe a
// line "@@" Name and the program's output; a failed stat is a non-zero
// RC. env is the task's environment: with one, the script serves it (the
// helper has the connection's).
func StatProbes(ctx context.Context, c Conn, p string, o StatOptions, env map[string]string, probes []Probe) (*Result, error) {
	if h := helperOf(ctx, c, o.Become); h != nil && len(env) == 0 && !strings.HasPrefix(p, "~") {
		algo := ""
		if o.Checksum {
			if algo = o.ChecksumAlgorithm; algo == "" {
				algo = "sha1"
			}
		}
		f := [][]byte{[]byte(p), hosthelper.Flag(o.Follow), []byte(algo), hosthelper.Flag(false)}
		for _, pr := range probes {
			f = append(f, []byte(pr.Name), []byte(strings.Join(pr.Argv, "\x00")))
		}
		return h.call(ctx, hosthelper.KindStat, f, nil)
	}
	var b strings.Builder
	b.WriteString("( " + statScript(p, o) + ") || exit 1\n")
	for _, pr := range probes {
		words := make([]string, len(pr.Argv))
		for i, w := range pr.Argv {
			words[i] = shellPath(w)
		}
		fmt.Fprintf(&b, "echo @@%s\n! command -v %s >/dev/null 2>&1 || %s 2>/dev/null || :\n",
			pr.Name, Quote(pr.Argv[0]), strings.Join(words, " "))
	}
	return c.Exec(ctx, &Cmd{Command: b.String(), Env: env, Become: o.Become})
}

// shellPath is a word for the shell, with a leading ~ left to it to
// expand.
func shellPath(p string) string {
	switch {
	case p == "~":
		return `"$HOME"`
	case strings.HasPrefix(p, "~/"):
		return `"$HOME"/` + Quote(p[2:])
	}
	return Quote(p)
}

// Which answers interpreter discovery's questions in one round trip: the
// output of DiscoveryScript for names, from the host helper (which
// starts no process for it) or from the script, run as the connecting
// user (ansible's discovery is not sudoable).
func Which(ctx context.Context, c Conn, names []string) (*Result, error) {
	if h := helperOf(ctx, c, nil); h != nil {
		f := make([][]byte, len(names))
		for i, n := range names {
			f[i] = []byte(n)
		}
		return h.call(ctx, hosthelper.KindWhich, f, nil)
	}
	return c.Exec(ctx, &Cmd{Command: DiscoveryScript(names)})
}

// DiscoveryScript prints "PLATFORM", uname's system name, "FOUND", the
// path command -v gives for each of names found, "ENDFOUND", then
// /etc/os-release: what ansible's interpreter discovery reads.
func DiscoveryScript(names []string) string {
	var b strings.Builder
	b.WriteString("echo PLATFORM; uname; echo FOUND; ")
	for _, n := range names {
		fmt.Fprintf(&b, "command -v %s; ", Quote(n))
	}
	b.WriteString("echo ENDFOUND; cat /etc/os-release 2>/dev/null")
	return b.String()
}
