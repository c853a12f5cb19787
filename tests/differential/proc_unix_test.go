//go:build unix

package differential

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup makes cancelling cmd kill its whole process group:
// ansible-playbook forks workers and module processes that would otherwise
// outlive a killed parent.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
