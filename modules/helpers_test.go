package modules

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/value"
)

// testEnv returns an Env on the local connection, counting round trips;
// files/ and templates/ lookups resolve in dir.
func testEnv(t *testing.T, dir string) (*Env, *connection.Counting) {
	t.Helper()
	c := connection.NewCounting(connection.NewLocal())
	return &Env{
		Host: "localhost",
		Conn: c,
		FindFile: func(kind, name string) (string, error) {
			if filepath.IsAbs(name) {
				return name, nil
			}
			p := filepath.Join(dir, kind, name)
			if _, err := os.Stat(p); err != nil {
				return "", err
			}
			return p, nil
		},
		Template: func(src string, extra map[string]any) (string, error) {
			return strings.ReplaceAll(src, "{{ x }}", "42"), nil
		},
	}, c
}

// run decodes kv pairs as the module's arguments and runs it.
func run(t *testing.T, env *Env, name string, kv ...any) *Result {
	t.Helper()
	r, err := tryRun(env, name, kv...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func tryRun(env *Env, name string, kv ...any) (*Result, error) {
	info, ok := Lookup(name)
	if !ok {
		panic("no module " + name)
	}
	m, err := Decode(info, value.MapOf(kv...))
	if err != nil {
		return nil, err
	}
	return asResult(m.Run(context.Background(), env))
}

// asResult reads a module's failure as the engine does (runner's
// errorResult): an unreachable host stays an error, a *FailError is its
// result, any other error a failed result with the error's text.
func asResult(r *Result, err error) (*Result, error) {
	var fe *FailError
	switch {
	case err == nil || connection.IsUnreachable(err):
		return r, err
	case errors.As(err, &fe):
		return fe.Result(), nil
	}
	return &Result{Failed: true, Msg: err.Error()}, nil
}

func get(r *Result, k string) any {
	v, _ := r.Data.Get(k)
	return v
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func putFile(t *testing.T, p, s string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func modeOf(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}
