package main

import (
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/ca-toolkit/ca/pkg/ca"
)

// batchHook returns the BatchConfig.Hook of the signing commands: nil, unless
// the test-only variable CA_TEST_CRASH names a stage (before-commit,
// after-commit or after-write, optionally ":N" for its N-th time, default
// the first), at which the process kills itself with SIGKILL, as a power
// cut or an OOM kill would. The crash tests use it; never set it otherwise.
func (g *globals) batchHook() func(ca.Stage) {
	v := g.env["CA_TEST_CRASH"]
	if v == "" {
		return nil
	}
	stage, nth, _ := strings.Cut(v, ":")
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
