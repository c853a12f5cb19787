package main

// The plug-ins the fjord binary carries beside the engine's built-ins:
// each registers itself (connection.Register, modules.Register) from
// init, so the engine names none of them. A Go program that embeds the
// engine picks its own.
import (
	_ "github.com/fjord-run/fjord/connection/ssh" // "ssh", "paramiko", "smart"
	_ "github.com/fjord-run/fjord/modules/galera" // galera_bootstrap
)
