//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package runner

import (
	"context"
	"errors"
	"os"
	"time"
)

func isTerminal(*os.File) bool { return false }

func echoOff(*os.File) (func(), error) {
	return nil, errors.New("no terminal support on this platform")
}

func interactive(*os.File) bool { return false }

type rawTerm struct{ intr, del byte }

func makeRaw(_, _ *os.File, _ bool) (*rawTerm, error) {
	return nil, errors.New("no terminal support on this platform")
}

func (*rawTerm) restore() {}

func (*rawTerm) readKey(time.Time, <-chan struct{}) (byte, bool) { return 0, false }

func waitReadable(ctx context.Context, _ *os.File) error { return ctx.Err() }
