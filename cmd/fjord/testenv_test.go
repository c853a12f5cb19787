package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/runner"
)

// testEnv runs command lines against a fake engine that records the
// Options it was given.
type testEnv struct {
	env
	out, errOut bytes.Buffer
	vars        map[string]string
	got         *runner.Options
	prompts     []string
	code        int // what the fake engine returns
}

func newTestEnv(t *testing.T) *testEnv {
	te := &testEnv{vars: map[string]string{}}
	te.env = env{
		stdin:  strings.NewReader(""),
		stdout: &te.out,
		stderr: &te.errOut,
		getenv: func(k string) string { return te.vars[k] },
		dir:    t.TempDir(),
		run: func(_ context.Context, o *runner.Options) int {
			te.got = o
			return te.code
		},
		readSecret: func(p string) (string, error) {
			te.prompts = append(te.prompts, p)
			return "secret", nil
		},
		isTerminal: func(io.Writer) bool { return false },
	}
	return te
}

// playbook runs "fjord playbook ARGS..." and returns the exit code.
func (te *testEnv) playbook(args ...string) int {
	return te.main(context.Background(), append([]string{"fjord", "playbook"}, args...))
}
