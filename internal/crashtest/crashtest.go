// Package crashtest kills the process at a named stage of a signing batch,
// as a power cut or an OOM kill would, for the crash tests of cmd/ca. It
// owns only that hook: which variable names the stage is cmd/ca's.
package crashtest

import (
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// Hook returns a ca.BatchConfig.Hook that kills the process with SIGKILL
// (TerminateProcess on Windows) at the stage spec names: "before-commit",
// "after-commit" or "after-write", optionally ":N" for its N-th time
// (default the first). An empty spec returns nil: no hook.
func Hook(spec string) func(ca.Stage) {
	if spec == "" {
		return nil
	}
	stage, nth, _ := strings.Cut(spec, ":")
	want := 1
	if n, err := strconv.Atoi(nth); err == nil && n > 0 {
		want = n
	}
	var mu sync.Mutex
	seen := 0
	return func(s ca.Stage) {
		if string(s) != stage {
			return
		}
		mu.Lock()
		seen++
		hit := seen == want
		mu.Unlock()
		if hit {
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				p.Kill() // SIGKILL on Unix, TerminateProcess on Windows
			}
			select {} // the signal is on its way
		}
	}
}
