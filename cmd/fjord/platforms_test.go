package main

import (
	"os"
	"os/exec"
	"testing"
)

// TestOtherPlatforms: the module, tests included, type-checks for the
// controllers fjord supports besides Linux (macOS, FreeBSD), where
// nothing here runs it. go vet compiles what the build would without
// linking, and from the build cache it takes well under a second.
func TestOtherPlatforms(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet for other platforms; skipped with -short")
	}
	gobin := goTool(t)
	for _, p := range []struct{ goos, goarch string }{{"darwin", "arm64"}, {"freebsd", "amd64"}} {
		t.Run(p.goos+"/"+p.goarch, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(gobin, "vet", "./...")
			cmd.Dir = "../.."
			cmd.Env = append(os.Environ(), "GOOS="+p.goos, "GOARCH="+p.goarch, "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("GOOS=%s GOARCH=%s go vet ./...: %v\n%s", p.goos, p.goarch, err, out)
			}
		})
	}
}
