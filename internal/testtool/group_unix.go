//go:build unix

package testtool

import (
	"os/exec"
	"syscall"
)

// OwnGroup starts cmd in a process group of its own, which its Cancel
// (and KillGroup) kill whole: the helpers it starts go with it.
func OwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// KillGroup kills the process group OwnGroup gave cmd.
func KillGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// GroupAlive reports whether a process of cmd's group is still there.
func GroupAlive(cmd *exec.Cmd) bool {
	return cmd.Process != nil && syscall.Kill(-cmd.Process.Pid, 0) == nil
}
