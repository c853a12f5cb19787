// Package manifest is what the helper binaries are built from and for,
// shared by helperbin and its generator (which cannot import helperbin:
// that needs the binaries to exist).
package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Arches are the GOARCH values a helper is carried for, each with the
// machine name uname -m prints on such a host.
var Arches = map[string]string{"amd64": "x86_64", "arm64": "aarch64"}

// GzName is the embedded file of arch's gzipped helper.
func GzName(arch string) string { return "helper-linux-" + arch + ".gz" }

// ZstName is the embedded file of arch's helper compressed with zstd.
func ZstName(arch string) string { return "helper-linux-" + arch + ".zst" }

// SourceDirs are the directories, relative to the module's root, whose Go
// files (tests aside) the helper is built from.
var SourceDirs = []string{"connection/hosthelper", "cmd/fjord-host-helper"}

// SourceSum is the sha256 of the helper's Go files under root (the
// module's root), each named by its path, and of goVersion: what SOURCES
// records next to the binaries.
func SourceSum(root, goVersion string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", goVersion)
	for _, d := range SourceDirs {
		names, err := filepath.Glob(filepath.Join(root, d, "*.go"))
		if err != nil {
			return "", err
		}
		sort.Strings(names)
		for _, n := range names {
			if strings.HasSuffix(n, "_test.go") {
				continue
			}
			b, err := os.ReadFile(n)
			if err != nil {
				return "", err
			}
			rel, _ := filepath.Rel(root, n)
			fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
