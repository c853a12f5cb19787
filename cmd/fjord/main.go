package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/runner"
)

func main() {
	connection.EnableHostHelper(true)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	e := &env{
		stdin:      os.Stdin,
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		getenv:     os.Getenv,
		dir:        dir,
		run:        runner.Run,
		readSecret: readSecret(os.Stdin, os.Stderr),
		isTerminal: isTerminal,
	}
	stopProfiles := startProfiles(os.Getenv)
	code := e.main(ctx, os.Args)
	stopProfiles()
	stop()
	os.Exit(code)
}
