//go:build linux

// Command fjord-host-helper is the host helper alone (package
// connection/hosthelper): the small static binary fjord carries for
// linux/amd64 and linux/arm64 (package connection/hosthelper/helperbin)
// and uploads to a host once, instead of its own 25 MB. It is built by
// "go generate ./connection/hosthelper/helperbin", not installed.
package main

import (
	"os"

	"github.com/fjord-run/fjord/connection/hosthelper"
)

func main() { os.Exit(hosthelper.Main()) }
