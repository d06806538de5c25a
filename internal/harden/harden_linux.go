//go:build linux

package harden

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Process makes the process not dumpable, as ssh-agent does: no core
// file (RLIMIT_CORE 0, soft and hard) and PR_SET_DUMPABLE 0, which also
// keeps other processes of the same user from ptrace and /proc/PID/mem. A
// ca process may hold a decrypted key or a passphrase. Failures are
// ignored: the process runs as it would have before.
func Process() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}

// State says what Process set, for the tests.
func State() string {
	d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		d = -1
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &rl); err != nil {
		return fmt.Sprintf("dumpable=%d core=unknown", d)
	}
	return fmt.Sprintf("dumpable=%d core=%d/%d", d, rl.Cur, rl.Max)
}
