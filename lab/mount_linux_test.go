//go:build linux

package lab

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestRemoveTreeUnmounts: a tree with something mounted in it is
// unmounted before it is removed, and the mounted thing is untouched.
func TestRemoveTreeUnmounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount")
	}
	dir := t.TempDir()
	outside := t.TempDir()
	keep := filepath.Join(outside, "keep")
	if err := os.WriteFile(keep, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(dir, "tree")
	mnt := filepath.Join(tree, "dev")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount(outside, mnt, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("bind mount: %v", err)
	}
	if err := removeTree(tree); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("removing the tree removed what was mounted in it: %v", err)
	}
	if _, err := os.Stat(tree); !os.IsNotExist(err) {
		t.Fatalf("tree still there: %v", err)
	}
}

func TestMkdev(t *testing.T) {
	// What stat(1) shows for /dev/net/tun (10:200) and /dev/null (1:3),
	// and a minor above 255 as new_encode_dev spreads it.
	for _, c := range []struct {
		major, minor uint32
		want         uint64
	}{{10, 200, 0x0ac8}, {1, 3, 0x0103}, {8, 256, 0x100800}} {
		if got := mkdev(c.major, c.minor); got != c.want {
			t.Errorf("mkdev(%d, %d) = %#x, want %#x", c.major, c.minor, got, c.want)
		}
	}
}
