// Command gen builds the host helper for each of manifest.Arches,
// reproducibly, compresses it into helper-linux-ARCH.gz and .zst, lists each one's sha256 and size
// in helpers.txt and writes SOURCES
// (run by "go generate" in connection/hosthelper/helperbin; the test
// there runs it too, into a temporary directory, to compare).
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/fjord-run/fjord/connection/hosthelper/helperbin/internal/manifest"
)

func main() {
	out := flag.String("o", ".", "directory to write the binaries and SOURCES into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "helperbin")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var table strings.Builder
	var arches []string
	for a := range manifest.Arches {
		arches = append(arches, a)
	}
	sort.Strings(arches)
	for _, arch := range arches {
		bin := filepath.Join(tmp, arch)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", bin, "./cmd/fjord-host-helper")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building for %s: %w", arch, err)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		// gzip's header without a name or a time: the same bytes each time
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(data)
		if err := w.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, manifest.GzName(arch)), z.Bytes(), 0o644); err != nil {
			return err
		}
		// zstd, for hosts that have it: it unpacks in about half
		// gzip's time. One goroutine: the same bytes each time.
		zw, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression),
			zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, manifest.ZstName(arch)), zw.EncodeAll(data, nil), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&table, "%s %s %x %d\n", arch, manifest.Arches[arch], sha256.Sum256(data), len(data))
	}
	if err := os.WriteFile(filepath.Join(out, "helpers.txt"), []byte(table.String()), 0o644); err != nil {
		return err
	}
	sum, err := manifest.SourceSum(root, runtime.Version())
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "SOURCES"), []byte(runtime.Version()+"\n"+sum+"\n"), 0o644)
}

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not in a module")
	}
	return filepath.Dir(mod), nil
}
