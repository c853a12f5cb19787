// Package helperbin carries the host helper (cmd/fjord-host-helper) built
// for the machines fjord manages most, gzipped and compressed with zstd
// (for hosts that have zstd, which unpacks it in half gzip's time): a
// static binary of about 2 MB that fjord uploads to a host once.
//
// The binaries are made by "go generate" (gen/), reproducibly (-trimpath,
// no build id); helpers.txt lists each one's sha256 and size (so that a
// host that has its helper costs no unpacking), and SOURCES records what
// they were built from: the sha256 of the helper's Go files and the Go
// version. The package's test fails when the sources have moved on
// without them, and rebuilds and compares them byte for byte when the Go
// version is the recorded one.
package helperbin

//go:generate go run ./gen

import (
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/fjord-run/fjord/connection/hosthelper/helperbin/internal/manifest"
)

//go:embed helper-linux-*.gz helper-linux-*.zst helpers.txt
var files embed.FS

// Helper is one carried binary: for hosts whose uname -m is Machine.
type Helper struct {
	Arch, Machine string
	Sum           string // sha256 of the binary, hex
	Size          int
	GzSize        int // of Gzipped
	ZstSize       int // of Zstd
}

// All lists the carried helpers, by machine name.
func All() []Helper { return all() }

var all = sync.OnceValue(func() []Helper {
	b, err := files.ReadFile("helpers.txt")
	if err != nil {
		return nil
	}
	var out []Helper
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) != 4 {
			continue
		}
		n, err := strconv.Atoi(f[3])
		if err != nil {
			continue
		}
		gz, err := fs.Stat(files, manifest.GzName(f[0]))
		if err != nil {
			continue
		}
		zst, err := fs.Stat(files, manifest.ZstName(f[0]))
		if err != nil {
			continue
		}
		out = append(out, Helper{Arch: f[0], Machine: f[1], Sum: f[2], Size: n, GzSize: int(gz.Size()), ZstSize: int(zst.Size())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Machine < out[j].Machine })
	return out
})

var cache struct {
	sync.Mutex
	m map[string][]byte
}

// Gzipped reads h's binary gzipped, as carried (GzSize bytes, read in
// place: an upload to each host copies nothing).
func (h Helper) Gzipped() (io.Reader, error) {
	return files.Open(manifest.GzName(h.Arch))
}

// Zstd reads h's binary compressed with zstd, as carried (ZstSize bytes,
// read in place).
func (h Helper) Zstd() (io.Reader, error) {
	return files.Open(manifest.ZstName(h.Arch))
}

// Binary returns h's bytes (unpacked once), checked against its sum.
func (h Helper) Binary() ([]byte, error) {
	cache.Lock()
	defer cache.Unlock()
	if b, ok := cache.m[h.Arch]; ok {
		return b, nil
	}
	z, err := h.Gzipped()
	if err != nil {
		return nil, err
	}
	r, err := gzip.NewReader(z)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if s := sha256.Sum256(b); hex.EncodeToString(s[:]) != h.Sum || len(b) != h.Size {
		return nil, errChanged
	}
	if cache.m == nil {
		cache.m = map[string][]byte{}
	}
	cache.m[h.Arch] = b
	return b, nil
}

// ForMachine returns the helper for hosts whose uname -m is machine.
func ForMachine(machine string) (Helper, bool) {
	for _, h := range All() {
		if h.Machine == machine {
			return h, true
		}
	}
	return Helper{}, false
}

var errChanged = errors.New("helperbin: a binary differs from helpers.txt")
