//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import (
	"errors"
	"io"
	"os"
)

func isTerminal(io.Writer) bool { return false }

func disableEcho(*os.File) (func(), error) {
	return nil, errors.New("no terminal support on this platform")
}
