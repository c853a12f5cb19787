package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fjord-run/fjord/runner"
)

// readSecret prompts on the controlling terminal and reads a line with
// echo off, as getpass does. Without a terminal it reads a line from
// stdin, so `echo pw | fjord playbook -K` works.
func readSecret(stdin io.Reader, stderr io.Writer) func(string) (string, error) {
	return func(prompt string) (string, error) {
		if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
			defer tty.Close()
			fmt.Fprint(tty, prompt)
			restore, err := disableEcho(tty)
			if err == nil {
				defer restore()
				line, err := readLine(tty)
				fmt.Fprintln(tty)
				return line, err
			}
		}
		fmt.Fprint(stderr, prompt)
		return readLine(stdin)
	}
}

// readLine reads up to a newline one byte at a time, so that nothing past
// the line is consumed from a shared stdin.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return strings.TrimSuffix(b.String(), "\r"), nil
			}
			b.WriteByte(buf[0])
		}
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", &failure{fmt.Errorf("reading password: %w", err), runner.ExitError}
		}
	}
}
