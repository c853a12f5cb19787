package main

import "github.com/urfave/cli/v2"

func (e *env) testCommand() *cli.Command {
	return &cli.Command{Name: "test", Hidden: true}
}
