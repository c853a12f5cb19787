//go:build !linux

package lab

// Elsewhere than on Linux there are no overlay mounts or Linux device
// numbers: a lab never gets this far (Preflight refuses first), and these
// say so should anything call them.

func mountOverlay(dir string, lowers []string, upper, work string) error { return ErrNeedsLinux }

func unmount(dir string) error { return ErrNeedsLinux }

func removeTree(dir string) error { return ErrNeedsLinux }

func isMountPoint(dir string) bool { return false }

func ensureTun() {}
