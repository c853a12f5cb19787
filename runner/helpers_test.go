package runner

import (
	"testing"

	"github.com/fjord-run/fjord/internal/testfiles"
)

// writeFiles is testfiles.Write.
func writeFiles(t testing.TB, files map[string]string) string { return testfiles.Write(t, files) }
