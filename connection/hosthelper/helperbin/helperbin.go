// Package helperbin carries the host helper (cmd/fjord-host-helper) built
// for the machines fjord manages most, gzipped: a static binary of about
// 2 MB that fjord uploads to a host once, where its own 25 MB binary
// would otherwise go (and could go only to hosts of its own platform).
//
// The binaries are made by "go generate" (gen/), reproducibly (-trimpath,
// no build id), and SOURCES records what they were built from: the
// sha256 of the helper's Go files and the Go version. The package's test
// fails when the sources have moved on without them, and rebuilds and
// compares them byte for byte when the Go version is the recorded one.
package helperbin

//go:generate go run ./gen

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"sync"

	"github.com/fjord-run/fjord/connection/hosthelper/helperbin/internal/manifest"
)

//go:embed helper-linux-*.gz
var blobs embed.FS

// Binary is one helper, ready to upload.
type Binary struct {
	Data []byte
	Sum  string // sha256, hex
}

var cache struct {
	sync.Mutex
	m map[string]*Binary
}

// ForMachine returns the helper for a host whose uname -m is machine, or
// nil when fjord carries none for it.
func ForMachine(machine string) *Binary {
	for arch, m := range manifest.Arches {
		if m == machine {
			return forArch(arch)
		}
	}
	return nil
}

// Machines returns the uname -m names with a helper, each with its
// helper's sha256.
func Machines() map[string]string {
	out := map[string]string{}
	for arch, m := range manifest.Arches {
		if b := forArch(arch); b != nil {
			out[m] = b.Sum
		}
	}
	return out
}

func forArch(arch string) *Binary {
	cache.Lock()
	defer cache.Unlock()
	if b, ok := cache.m[arch]; ok {
		return b
	}
	if cache.m == nil {
		cache.m = map[string]*Binary{}
	}
	var b *Binary
	if z, err := blobs.ReadFile("helper-linux-" + arch + ".gz"); err == nil {
		if data, err := gunzip(z); err == nil {
			s := sha256.Sum256(data)
			b = &Binary{Data: data, Sum: hex.EncodeToString(s[:])}
		}
	}
	cache.m[arch] = b
	return b
}

func gunzip(z []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}
