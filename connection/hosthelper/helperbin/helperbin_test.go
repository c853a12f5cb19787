package helperbin

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/fjord-run/fjord/connection/hosthelper/helperbin/internal/manifest"
)

const regenerate = "run: go generate ./connection/hosthelper/helperbin"

func recorded(t *testing.T) (goVersion, sum string) {
	b, err := os.ReadFile("SOURCES")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		t.Fatalf("SOURCES: %q", b)
	}
	return f[0], f[1]
}

// TestBinariesMatchSources fails when the helper's sources have changed
// since the binaries were made.
func TestBinariesMatchSources(t *testing.T) {
	goVersion, want := recorded(t)
	got, err := manifest.SourceSum("../../..", goVersion)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("the host helper's sources changed since its binaries were built (%s)", regenerate)
	}
}

// TestBinaries: each carried binary is a static ELF for its machine.
func TestBinaries(t *testing.T) {
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	if len(All()) != len(manifest.Arches) {
		t.Fatalf("helpers.txt lists %v", All())
	}
	for arch, m := range manifest.Arches {
		h, ok := ForMachine(m)
		if !ok || h.Arch != arch {
			t.Fatalf("no helper for %s: %+v", m, h)
		}
		data, err := h.Binary() // checks sum and size
		if err != nil {
			t.Fatal(err)
		}
		f, err := elf.NewFile(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if f.Machine != machines[arch] || f.Type != elf.ET_EXEC {
			t.Errorf("%s: machine %v type %v", arch, f.Machine, f.Type)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: dynamically linked", arch)
			}
		}
		if len(data) > 4<<20 {
			t.Errorf("%s: %d bytes", arch, len(data))
		}
	}
	if _, ok := ForMachine("mips"); ok {
		t.Error("a helper for mips")
	}
}

// TestReproducible rebuilds the binaries with the Go that made them and
// compares them byte for byte (skipped under another Go version, where
// TestBinariesMatchSources still holds the sources).
func TestReproducible(t *testing.T) {
	goVersion, _ := recorded(t)
	if runtime.Version() != goVersion {
		t.Skipf("binaries made with %s, this is %s", goVersion, runtime.Version())
	}
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./gen", "-o", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) != 2*len(manifest.Arches)+2 {
		t.Fatalf("gen wrote %v", names)
	}
	for _, n := range names {
		want, err := os.ReadFile(filepath.Base(n))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(n)
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh build (%s)", filepath.Base(n), regenerate)
		}
	}
}
