package main

import (
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/fjord-run/fjord/runner"
	"github.com/fjord-run/fjord/runner/callback"
	"github.com/fjord-run/fjord/value"
)

// version is set at link time: -ldflags "-X main.version=1.2.3".
var version = ""

func fjordVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// envBool reads a boolean environment variable; unset or unparsable is
// false.
func envBool(getenv func(string) string, name string) bool {
	return value.Bool(getenv(name))
}

// useColor follows ansible's display: ANSIBLE_NOCOLOR (or NO_COLOR) turns
// colour off, otherwise colour when stdout is a terminal; ANSIBLE_FORCE_COLOR
// wins over both.
func useColor(getenv func(string) string, stdoutIsTerminal bool) bool {
	if envBool(getenv, "ANSIBLE_FORCE_COLOR") {
		return true
	}
	if envBool(getenv, "ANSIBLE_NOCOLOR") || getenv("NO_COLOR") != "" {
		return false
	}
	return stdoutIsTerminal
}

// newLogger logs to w at a level from -v: warnings by default, info from
// -v, debug from -vvv.
func newLogger(w io.Writer, verbosity int) *slog.Logger {
	level := slog.LevelWarn
	switch {
	case verbosity >= 3:
		level = slog.LevelDebug
	case verbosity >= 1:
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// callbackName checks a stdout callback's name against the engine's
// table and returns its canonical name.
func callbackName(s string) (string, error) {
	if n, ok := callback.StdoutName(s); ok {
		return n, nil
	}
	// ansible raises a plain AnsibleError here: exit 1. The list helps
	// where ansible has the callback and fjord does not.
	return "", &failure{fmt.Errorf("Invalid callback for stdout specified: %s (fjord has: %s)", s,
		strings.Join(callback.StdoutNames(), ", ")), runner.ExitError}
}

// envList splits a comma-separated environment variable (ANSIBLE_INVENTORY),
// dropping empty entries and expanding ~.
func envList(getenv func(string) string, name string) []string {
	var out []string
	for _, p := range strings.Split(getenv(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, expandHome(p))
		}
	}
	return out
}

// splitList comma-splits each value and trims the parts (-t, --skip-tags);
// ansible keeps them in a set, so repeats are dropped.
func splitList(vals []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}
