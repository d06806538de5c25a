package testtool

import "os/exec"

// OwnGroup: Windows has no process groups to kill whole; cmd's Cancel
// kills cmd alone (the default).
func OwnGroup(*exec.Cmd) {}

// KillGroup kills cmd.
func KillGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

// GroupAlive reports false: Windows cannot ask after a group.
func GroupAlive(*exec.Cmd) bool { return false }
