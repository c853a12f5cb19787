package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fjord-run/fjord/connection/hosthelper"
	"github.com/fjord-run/fjord/connection/ssh"
	"github.com/fjord-run/fjord/runner"
)

// hostHelperArg is the hidden subcommand the host helper runs as.
const hostHelperArg = "__host-helper"

func main() {
	if len(os.Args) == 2 && os.Args[1] == hostHelperArg {
		// fjord as the helper on a managed host (connection/hosthelper)
		os.Exit(hosthelper.Main())
	}
	ssh.EnableHostHelper(true)
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
