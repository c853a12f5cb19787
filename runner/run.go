package runner

import (
	"context"
	"errors"
)

// Run runs the playbooks and returns ansible-playbook's exit code.
// Errors have been reported to o.Stderr when the code is non-zero.
func Run(ctx context.Context, o *Options) int {
	_ = ctx
	_ = o
	_ = errors.New
	return ExitError
}
