package runner

import (
	"errors"
	"io/fs"

	"github.com/fjord-run/fjord/value"
	"github.com/fjord-run/fjord/vault"
)

// loadExit is the exit code for a playbook that failed to load: 1 for
// what ansible raises as AnsibleError (a missing role, tasks file or
// imported playbook; an encrypted file it cannot open), 4 for the rest,
// its AnsibleParserError.
func loadExit(err error) int {
	var ve *vault.Error
	if errors.Is(err, fs.ErrNotExist) || errors.As(err, &ve) {
		return ExitError
	}
	return ExitParseError
}

// playExit is the exit code for an error that stops a play: a file read
// while it runs (vars_files) that does not parse, or whose aliases run
// away, is ansible's AnsibleParserError, 4, as at load.
func playExit(err error) int {
	var ye *value.YAMLError
	if errors.As(err, &ye) {
		return ExitParseError
	}
	return ExitError
}
